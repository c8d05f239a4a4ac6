package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A one-shot Node driver in {@code e2e/} (playwright-core on Debian's {@code chromium}) that opens
 * one page and answers one JSON line, for the browser tests that need no conversation with it.
 * Screenshots and the driver's log land in {@code <build dir>/browser-tests/}, beside test-classes,
 * as the Tasklist browser tests' do.
 */
public final class BrowserScript {
  private static final Path E2E = Path.of("e2e");
  private static final Path CHROMIUM =
      Path.of(System.getProperty("countersign.chromium", "/usr/bin/chromium"));

  private BrowserScript() {}

  /**
   * Runs {@code e2e/<script>} against the app on {@code port} with {@code args}, and returns its
   * reply; fails with the driver's log when it exits badly, answers {@code ok: false} or takes more
   * than 3 minutes.
   */
  public static JsonNode run(String script, int port, String... args) throws Exception {
    requireTools();
    Path artifacts = artifacts();
    Files.createDirectories(artifacts);
    Path log = artifacts.resolve(script.replace(".mjs", "") + "-driver.log");
    List<String> command = new ArrayList<>(List.of("node", script));
    command.addAll(
        List.of(
            "--base-url",
            "http://localhost:" + port,
            "--artifacts",
            artifacts.toAbsolutePath().toString(),
            "--chromium",
            CHROMIUM.toString()));
    command.addAll(List.of(args));
    Process node =
        new ProcessBuilder(command).directory(E2E.toFile()).redirectError(log.toFile()).start();
    node.getOutputStream().close();
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!node.waitFor(3, TimeUnit.MINUTES)) {
      node.destroyForcibly();
      fail("e2e/" + script + " did not end within 3 minutes; log " + log);
    }
    assertThat(node.exitValue()).as("exit code; log %s: %s", log, read(log)).isZero();
    JsonNode reply = HttpSupport.JSON.readTree(out);
    if (!reply.path("ok").asBoolean()) {
      fail(script + ": " + reply.path("error").asText() + "\n" + reply + "\n" + read(log));
    }
    return reply;
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException unreadable) {
      return "(unreadable: " + unreadable + ")";
    }
  }

  private static Path artifacts() throws URISyntaxException {
    return Path.of(BrowserScript.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .getParent()
        .resolve("browser-tests");
  }

  /** As the Tasklist browser tests: a missing tool fails with what to do, never skips silently. */
  private static void requireTools() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(CHROMIUM + " is missing: install Debian's chromium (.ci/run does).");
    }
    if (!Files.isDirectory(E2E.resolve("node_modules/playwright-core"))) {
      fail("e2e/node_modules is missing: run 'npm ci' in e2e/ (.ci/run does).");
    }
  }
}
