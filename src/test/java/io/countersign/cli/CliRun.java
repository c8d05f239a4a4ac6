package io.countersign.cli;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** The CLI run in-process with an environment of the test's own, and what it printed. */
record CliRun(int exitCode, String out, String err) {

  static CliRun run(Map<String, String> env, String... args) {
    return run(false, env, args);
  }

  /** As on a terminal ({@code interactive}) or in a CI log. */
  static CliRun run(boolean interactive, Map<String, String> env, String... args) {
    return run(interactive, new ByteArrayOutputStream(), env, args);
  }

  /** With stderr written to {@code err} as it goes, for a test that watches the progress. */
  static CliRun run(ByteArrayOutputStream err, Map<String, String> env, String... args) {
    return run(false, err, env, args);
  }

  private static CliRun run(
      boolean interactive, ByteArrayOutputStream err, Map<String, String> env, String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    int code;
    try (PrintStream o = new PrintStream(out, true, StandardCharsets.UTF_8);
        PrintStream e = new PrintStream(err, true, StandardCharsets.UTF_8)) {
      code = new Cli(env, o, e, interactive).execute(args);
    }
    return new CliRun(
        code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The demo requester against the app on {@code port}, over HTTP Basic. */
  static Map<String, String> requester(int port) {
    return Map.of(
        "COUNTERSIGN_URL",
        "http://localhost:" + port,
        "COUNTERSIGN_USER",
        "requester",
        "COUNTERSIGN_PASSWORD",
        HttpSupport.DEMO_PASSWORD);
  }

  /**
   * The staging example with a version of its own and no bake window, written to a file: approved,
   * it is released within seconds.
   */
  static Path stagingManifest(Path dir, String tag) {
    ObjectNode manifest =
        ManifestFixture.withVersion(ManifestFixture.staging(), ManifestFixture.freshVersion(tag));
    ((ObjectNode) manifest.get("verification")).put("bakeWindow", "PT0S");
    // No migration: these releases stay released, and a schema they left on the shared target
    // database would be another test's (EndToEndTest's rollback would have nothing of its own to
    // undo).
    manifest.remove("database");
    return write(dir.resolve("release.yaml"), ManifestFixture.yaml(manifest));
  }

  static Path write(Path file, byte[] content) {
    try {
      return Files.write(file, content);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Signs every pending sign-off of the release as its demo approver, over engine REST. */
  static void approveAll(HttpSupport http, String id) {
    // Read as the release manager, who may read every release (the requester may be a token's).
    JsonNode detail = http.afterEvidenceCheck("release-manager", id);
    if (!"awaiting-sign-off".equals(detail.path("status").asText())) {
      throw new AssertionError(id + " is not awaiting sign-off: " + detail);
    }
    for (JsonNode role : detail.path("pendingSignOffs")) {
      String approver = DemoApprovers.BY_ROLE.get(role.asText());
      String query =
          "/engine-rest/task?maxResults=10&processInstanceBusinessKey="
              + id
              + "&candidateGroup="
              + role.asText();
      JsonNode tasks =
          await(approver + "'s task of " + id)
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(50))
              .until(() -> http.get(approver, query).json(), t -> t.isArray() && !t.isEmpty());
      Response done =
          http.postJson(
              approver,
              "/engine-rest/task/" + tasks.get(0).path("id").asText() + "/complete",
              DemoApprovers.APPROVE);
      if (done.status() != 204) {
        throw new AssertionError(approver + " could not sign " + id + ": " + done);
      }
    }
  }
}
