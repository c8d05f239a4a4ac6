package io.countersign.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.countersign.CountersignNode;
import io.countersign.DemoApprovers;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.locks.LockSupport;

/**
 * Countersign as users run it: its own JVM (the packaged jar when there is one), profiles {@code
 * demo,postgres} on its own database of the embedded server (owner and runtime roles), every target
 * in dry-run, driven over HTTP by the demo users.
 */
final class CountersignUnderTest implements Subject, AutoCloseable {
  static final String REQUESTER = "requester";
  private static final Set<String> FAILED =
      Set.of("rejected", "expired", "cancelled", "failed", "rolled-back", "rollback-failed");
  private static final Duration EVIDENCE_DEADLINE = Duration.ofMinutes(2);
  private static final Duration POLL = Duration.ofMillis(20);

  private final CountersignNode node;
  private final Database database;
  private final TwoRoles db;
  private final ObjectNode manifest;
  private HttpSupport http;

  CountersignUnderTest(Path work, Path jar, List<String> jvmOptions) {
    this.db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("bench");
    this.database = new Database(db.url());
    this.manifest = benchManifest();
    List<String> arguments = new ArrayList<>(CountersignNode.signingKeyArguments(work));
    arguments.addAll(
        List.of(
            "--spring.profiles.active=demo,postgres",
            "--countersign.evidence.checkpoints.file=" + work.resolve("checkpoints.jsonl"),
            "--countersign.backups.directory=" + work.resolve("backups"),
            // All targets dry-run: the benchmark measures Countersign, not the clouds.
            "--countersign.targets.databases.medication-db.mode=dry-run",
            "--spring.main.banner-mode=off"));
    // Settings to compare (e.g. the job executor's pool), as --name=value separated by spaces.
    String extra = System.getProperty("bench.countersign-args", "").trim();
    if (!extra.isEmpty()) {
      arguments.addAll(List.of(extra.split("\\s+")));
    }
    node =
        new CountersignNode(
            "bench",
            work.resolve("countersign.log"),
            arguments,
            CountersignNode.databaseEnvironment(db));
    node.jvmOptions(jvmOptions);
    if (jar != null) {
      node.jar(jar);
    }
  }

  /** Starts the JVM and waits until it answers UP. */
  void start() {
    node.start();
    node.awaitReady();
    http = node.http();
  }

  HttpSupport http() {
    return http;
  }

  int port() {
    return node.port();
  }

  long pid() {
    return node.pid();
  }

  /**
   * The staging example without waits a person or a clock would add (bake window zero): what is
   * left is Countersign's own work.
   */
  static ObjectNode benchManifest() {
    try {
      JsonNode example =
          new ObjectMapper(new YAMLFactory())
              .readTree(Path.of("examples/medication-tracker/release-staging.yaml").toFile());
      ObjectNode m = (ObjectNode) example;
      ((ObjectNode) m.path("verification")).put("bakeWindow", "PT0S");
      return m;
    } catch (IOException e) {
      throw new UncheckedIOException("run the benchmark from the repository's root", e);
    }
  }

  /** The manifest of the n-th release: the example with a version of its own. */
  byte[] manifest(int sequence) {
    ObjectNode m = manifest.deepCopy();
    m.put("version", "2.4." + sequence);
    try {
      return HttpSupport.JSON.writeValueAsBytes(m);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  public String name() {
    return "Countersign";
  }

  @Override
  public String submit(int sequence) {
    Response r =
        http.post(REQUESTER, "/api/releases", "application/json", manifest(sequence), Map.of());
    if (r.status() != 201) {
      throw new IllegalStateException("submit: " + r);
    }
    return r.json().path("id").asText();
  }

  /**
   * The roles still to sign once the pre-deployment checkpoint (an asynchronous step after the
   * submission) has decided; polled in the database, as finishedAt is, not over the API.
   */
  @Override
  public List<String> pendingRoles(String id) {
    Instant deadline = Instant.now().plus(EVIDENCE_DEADLINE);
    while ("checking-evidence".equals(status(id))) {
      if (Instant.now().isAfter(deadline)) {
        throw new IllegalStateException(id + " still checking its evidence:\n" + node.tail(40));
      }
      LockSupport.parkNanos(POLL.toNanos());
    }
    Response r = http.get(REQUESTER, "/api/releases/" + id);
    if (r.status() != 200) {
      throw new IllegalStateException("status: " + r);
    }
    List<String> roles = new ArrayList<>();
    r.json().path("pendingSignOffs").forEach(role -> roles.add(role.asText()));
    return roles;
  }

  @Override
  public void approve(String id, String role) {
    String user = DemoApprovers.BY_ROLE.get(role);
    Response tasks =
        http.get(
            user,
            "/engine-rest/task?processInstanceBusinessKey="
                + id
                + "&candidateGroup="
                + role
                + "&maxResults=10");
    if (tasks.status() != 200 || tasks.json().size() != 1) {
      throw new IllegalStateException(role + " task of " + id + ": " + tasks);
    }
    Response done =
        http.postJson(
            user,
            "/engine-rest/task/" + tasks.json().get(0).path("id").asText() + "/complete",
            DemoApprovers.APPROVE);
    if (done.status() != 204) {
      throw new IllegalStateException("approve " + role + " of " + id + ": " + done);
    }
  }

  private String status(String id) {
    try (Connection c = database.connect();
        PreparedStatement s = c.prepareStatement("SELECT status FROM cs_release WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("no release " + id);
        }
        return rs.getString(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Optional<Instant> finishedAt(String id) {
    try (Connection c = database.connect();
        PreparedStatement s =
            c.prepareStatement("SELECT status, updated_at FROM cs_release WHERE id = ?")) {
      s.setString(1, id);
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          throw new IllegalStateException("no release " + id);
        }
        String status = rs.getString(1);
        if (FAILED.contains(status)) {
          throw new IllegalStateException(id + " ended " + status + ":\n" + node.tail(40));
        }
        return "released".equals(status)
            ? Optional.of(rs.getTimestamp(2).toInstant())
            : Optional.empty();
      }
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public ProcessHandle process() {
    return ProcessHandle.of(node.pid()).orElseThrow();
  }

  @Override
  public Database database() {
    return database;
  }

  @Override
  public String deployStepCondition() {
    return "p.proc_def_key_ = 'deploy' AND a.act_type_ = 'serviceTask'";
  }

  /** The last lines of the node's log, for failures. */
  String tail() {
    return node.tail(60);
  }

  @Override
  public void close() {
    node.close();
    database.close();
  }

  static Path jarIfBuilt(String configured) {
    if (configured == null || configured.isBlank()) {
      return null;
    }
    Path jar = Path.of(configured);
    return Files.isRegularFile(jar) ? jar : null;
  }
}
