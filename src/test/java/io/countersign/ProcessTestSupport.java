package io.countersign;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ManifestReader;
import io.countersign.process.Variables;
import io.countersign.release.ReleaseService;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.history.HistoricActivityInstance;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEnginePlugin;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.camunda.bpm.engine.test.assertions.bpmn.BpmnAwareTests;
import org.camunda.community.process_test_coverage.engine.platform7.ProcessCoverageConfigurator;
import org.camunda.community.process_test_coverage.spring_test.platform7.ProcessEngineCoverageConfiguration;
import org.camunda.community.process_test_coverage.spring_test.platform7.ProcessEngineCoverageTestExecutionListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.http.MediaType;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.test.context.TestExecutionListeners;

/**
 * Drives the real models on the real engine (H2, job executor off): tests run jobs and fire timers
 * themselves, so every path is deterministic. Coverage of each model is reported under target/.
 */
@SpringBootTest(
    properties = {
      "spring.datasource.url=jdbc:h2:mem:process-tests;DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE",
      "camunda.bpm.job-execution.enabled=false",
      // Engine REST finds "the default engine" in a JVM-wide registry; only the HTTP tests' engine
      // may claim it.
      "camunda.bpm.process-engine-name=processTests",
      // The webapps keep static state for one application per JVM; the shared HTTP test app owns
      // it.
      "camunda.bpm.webapp.enabled=false",
      "countersign.targets.databases.medication-db.url=jdbc:h2:mem:process-target;DB_CLOSE_DELAY=-1",
      "countersign.targets.databases.medication-db.migration-roots[0]=examples",
      "countersign.targets.databases.medication-db.migration-roots[1]=src/test/resources/db",
      // Staging releases that production ones are promoted from migrate a database of their own.
      "countersign.targets.databases.staging-db.mode=live",
      "countersign.targets.databases.staging-db.url=" + ProcessTestSupport.STAGING_TARGET,
      "countersign.targets.databases.staging-db.username=sa",
      "countersign.targets.databases.staging-db.password=",
      "countersign.targets.databases.staging-db.backup=h2-script",
      "countersign.targets.databases.staging-db.migration-roots[0]=examples",
      "countersign.targets.databases.staging-db.migration-roots[1]=src/test/resources/db",
      "countersign.backups.directory=" + ApiAppSupport.TEST_WORK + "/backups/process",
      "countersign.evidence.signing.key-file=" + ApiAppSupport.EVIDENCE_KEY_FILE,
      "countersign.evidence.checkpoints.file="
          + ApiAppSupport.TEST_WORK
          + "/evidence/process-${random.uuid}/checkpoints.jsonl",
      "logging.level.io.countersign=WARN"
    })
@Import({
  ProcessEngineCoverageConfiguration.class,
  ProcessTestSupport.CompensationCoverage.class,
  CrashAfterStep.Plugin.class
})
@TestExecutionListeners(
    value = ProcessEngineCoverageTestExecutionListener.class,
    mergeMode = TestExecutionListeners.MergeMode.MERGE_WITH_DEFAULTS)
public abstract class ProcessTestSupport {
  static final String STAGING_TARGET = "jdbc:h2:mem:process-staging-target;DB_CLOSE_DELAY=-1";

  /** Lets the coverage report count compensation boundary events too. */
  @TestConfiguration
  static class CompensationCoverage {
    @Bean
    ProcessEnginePlugin compensationCoverage() {
      return new AbstractProcessEnginePlugin() {
        @Override
        public void preInit(ProcessEngineConfigurationImpl configuration) {
          ProcessCoverageConfigurator.initializeProcessCoverageExtensions(configuration);
        }
      };
    }
  }

  /** Role (candidate group) → the demo user who signs for it. */
  protected static final Map<String, String> SIGNERS =
      Map.of(
          "tech-leads",
          "tech-lead",
          "security-officers",
          "security-officer",
          "qa-leads",
          "qa-lead",
          "product-owners",
          "product-owner",
          "operations-leads",
          "ops-lead",
          "compliance-officers",
          "compliance-officer",
          "release-managers",
          "release-manager");

  private static final AtomicInteger VERSIONS = new AtomicInteger();
  private static final ObjectMapper YAML = new YAMLMapper();
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired protected ProcessEngine engine;
  @Autowired protected RuntimeService runtime;
  @Autowired protected TaskService tasks;
  @Autowired protected ManagementService management;
  @Autowired protected HistoryService history;
  @Autowired protected IdentityService identity;
  @Autowired protected JdbcTemplate jdbc;
  @Autowired protected EvidenceLog evidence;
  @Autowired protected ManifestReader reader;
  @Autowired protected ReleaseService releases;

  @BeforeEach
  void resetEngineState() throws SQLException {
    BpmnAwareTests.init(engine);
    ClockUtil.reset();
    identity.clearAuthentication();
    for (String target : List.of("jdbc:h2:mem:process-target;DB_CLOSE_DELAY=-1", STAGING_TARGET)) {
      try (Connection c = DriverManager.getConnection(target, "sa", "");
          Statement s = c.createStatement()) {
        s.execute("DROP ALL OBJECTS");
      }
    }
  }

  @AfterEach
  void resetClock() {
    CrashAfterStep.disarm();
    ClockUtil.reset();
    identity.clearAuthentication();
  }

  /**
   * An example manifest with a version of its own, so tests never meet each other's active
   * releases.
   */
  protected ObjectNode example(String environment) {
    try {
      ObjectNode m =
          (ObjectNode)
              YAML.readTree(
                  Files.readString(
                      Path.of("examples/medication-tracker/release-" + environment + ".yaml")));
      m.put("version", "9." + VERSIONS.incrementAndGet() + ".0");
      ((ObjectNode) m.get("verification")).put("bakeWindow", "PT0S");
      return m;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * An example release file (YAML) as it stands, with a version of its own, so tests never meet
   * each other's releases.
   */
  public static ObjectNode exampleFile(String path) {
    try {
      ObjectNode manifest = (ObjectNode) YAML.readTree(Files.readString(Path.of(path)));
      manifest.put("version", "3." + java.util.UUID.randomUUID().toString().substring(0, 8) + ".0");
      return manifest;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  protected String submit(ObjectNode manifest) {
    return submit(manifest, "requester");
  }

  /**
   * Submits as the API would. A production manifest is promoted first, as the shipped policy
   * requires: its version is released in staging with the same artifacts ({@link
   * #releaseInStaging}); {@link #submitAsIs} skips that, for the tests of promotion itself.
   */
  protected String submit(ObjectNode manifest, String requester) {
    if (manifest.path("environment").asText().equals("production")) {
      releaseInStaging(manifest);
    }
    return submitAsIs(manifest, requester);
  }

  protected String submitAsIs(ObjectNode manifest, String requester) {
    try {
      byte[] body = JSON.writeValueAsBytes(manifest);
      String id =
          releases
              .submit(reader.read(body, MediaType.APPLICATION_JSON), requester, null)
              .release()
              .id();
      checkEvidence(id);
      return id;
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The staging copy of a production manifest: same version and artifacts, staging's targets. */
  protected ObjectNode stagingOf(ObjectNode production) {
    ObjectNode staging = example("staging");
    staging.put("version", production.get("version").asText());
    for (String section : List.of("database", "lambda", "frontend", "kubernetes", "evidence")) {
      if (production.has(section)) {
        staging.set(section, production.get(section).deepCopy());
      } else {
        staging.remove(section);
      }
    }
    if (staging.has("kubernetes")) {
      ((ObjectNode) staging.get("kubernetes")).put("namespace", "medication-staging");
    }
    if (staging.has("database")) {
      ((ObjectNode) staging.get("database")).put("target", "staging-db");
    }
    return staging;
  }

  /**
   * Releases {@link #stagingOf} the manifest to the end of its rollback window, so the production
   * release can be promoted from it.
   */
  protected String releaseInStaging(ObjectNode production) {
    String id = submitAsIs(stagingOf(production), "requester");
    approveAll(id);
    if (!status(id).equals("released")) {
      throw new AssertionError(
          "the staging release " + id + " ended " + status(id) + ": " + statusReason(id));
    }
    fireTimer(id, "rollbackWindowOver");
    return id;
  }

  /**
   * Runs the release's pre-deployment checkpoint, an asynchronous step, as the job executor would
   * right after the submission (a failed attempt keeps its retries; the test asserts the outcome).
   */
  protected void checkEvidence(String releaseId) {
    ProcessInstance release = instance("release", releaseId);
    if (release == null) {
      return;
    }
    for (Job job :
        management
            .createJobQuery()
            .processInstanceId(release.getId())
            .activityId("checkEvidence")
            .list()) {
      try {
        management.executeJob(job.getId());
      } catch (RuntimeException e) {
        // The engine kept the job with one retry less; the test asserts what follows.
      }
    }
  }

  protected ProcessInstance instance(String processKey, String releaseId) {
    return runtime
        .createProcessInstanceQuery()
        .processDefinitionKey(processKey)
        .processInstanceBusinessKey(releaseId)
        .singleResult();
  }

  protected String historicInstance(String processKey, String releaseId) {
    return history
        .createHistoricProcessInstanceQuery()
        .processDefinitionKey(processKey)
        .processInstanceBusinessKey(releaseId)
        .singleResult()
        .getId();
  }

  protected List<Task> openTasks(String releaseId, String taskKey) {
    return tasks
        .createTaskQuery()
        .processInstanceBusinessKey(releaseId)
        .taskDefinitionKey(taskKey)
        .list();
  }

  protected Task openTask(String releaseId, String taskKey) {
    List<Task> open = openTasks(releaseId, taskKey);
    if (open.size() != 1) {
      throw new AssertionError("expected one open " + taskKey + " task, found " + open.size());
    }
    return open.get(0);
  }

  protected Task signOffTask(String releaseId, String role) {
    return openTasks(releaseId, "approveRelease").stream()
        .filter(t -> role.equals(tasks.getVariable(t.getId(), "role")))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no open sign-off for " + role));
  }

  /** Completes a task as the given user, the way Tasklist or engine REST would (authenticated). */
  protected void completeAs(String user, String taskId, Map<String, Object> variables) {
    asUser(user, () -> tasks.complete(taskId, variables));
  }

  protected void asUser(String user, Runnable action) {
    List<String> groups =
        identity.createGroupQuery().groupMember(user).list().stream().map(Group::getId).toList();
    identity.setAuthentication(user, groups);
    try {
      action.run();
    } finally {
      identity.clearAuthentication();
    }
  }

  /** A user in the given groups (created once per engine), e.g. someone who wears two hats. */
  protected void ensureUser(String id, String... groups) {
    if (identity.createUserQuery().userId(id).count() == 0) {
      org.camunda.bpm.engine.identity.User user = identity.newUser(id);
      user.setPassword("not-used-here");
      identity.saveUser(user);
      for (String group : groups) {
        identity.createMembership(id, group);
      }
    }
  }

  protected void approve(String releaseId, String role) {
    completeAs(
        SIGNERS.get(role), signOffTask(releaseId, role).getId(), Map.of("decision", "approve"));
  }

  protected void approveAll(String releaseId) {
    for (Task t : openTasks(releaseId, "approveRelease")) {
      String role = (String) tasks.getVariable(t.getId(), "role");
      completeAs(SIGNERS.get(role), t.getId(), Map.of("decision", "approve"));
    }
    runJobs();
  }

  /**
   * Posts every evidence type the policy requires after deploying, as the requester's pipeline
   * would through the API, with items that are listed, not fetched (dry-run evidence).
   */
  @SuppressWarnings("unchecked")
  protected void postDeploymentEvidence(String releaseId) {
    ProcessInstance release = instance("release", releaseId);
    List<String> required =
        (List<String>) runtime.getVariable(release.getId(), Variables.POST_DEPLOYMENT_EVIDENCE);
    List<Map<String, Object>> items = new ArrayList<>();
    for (String type : required) {
      items.add(
          Map.of(
              "type",
              type,
              "location",
              "s3://evidence/" + releaseId + "/" + type + ".json",
              "sha256",
              "a".repeat(64)));
    }
    postDeploymentEvidence(releaseId, items);
  }

  /**
   * Posts {@code items} ({type, location, sha256}) as the API does (an entry in the release's
   * chain, then the message that wakes a waiting checkpoint), and runs what that wakes.
   */
  protected void postDeploymentEvidence(String releaseId, List<?> items) {
    evidence.record(
        releaseId, "post-deployment-evidence-posted", "requester", Map.of("items", items));
    runtime
        .createMessageCorrelation("postDeploymentEvidencePosted")
        .processInstanceBusinessKey(releaseId)
        .correlateAll();
    runJobs();
  }

  /** The payloads of the release's evidence entries of {@code type}, oldest first. */
  protected List<JsonNode> payloads(String releaseId, String type) {
    return evidence.entries(releaseId).stream()
        .filter(e -> e.type().equals(type))
        .map(EvidenceEntry::payload)
        .toList();
  }

  /** The payload of the release's last evidence entry of {@code type}. */
  protected JsonNode lastPayload(String releaseId, String type) {
    List<EvidenceEntry> entries =
        evidence.entries(releaseId).stream().filter(e -> e.type().equals(type)).toList();
    if (entries.isEmpty()) {
      throw new AssertionError("no " + type + " in " + releaseId + "'s evidence");
    }
    return entries.get(entries.size() - 1).payload();
  }

  /** Executes every job that is due now (not timers in the future), until none is left. */
  protected void runJobs() {
    for (int round = 0; round < 500; round++) {
      List<Job> due =
          management.createJobQuery().executable().active().list().stream()
              .filter(j -> j.getRetries() > 0)
              .toList();
      if (due.isEmpty()) {
        return;
      }
      for (Job job : due) {
        try {
          management.executeJob(job.getId());
        } catch (RuntimeException e) {
          // A failed job keeps its retries count and due date from the engine; the test asserts the
          // incident.
        }
      }
    }
    throw new AssertionError("jobs kept coming after 500 rounds");
  }

  /**
   * Moves the engine's clock on, as time passing between jobs would (retries and timers come due).
   */
  protected static void advanceClock(Duration by) {
    ClockUtil.setCurrentTime(Date.from(ClockUtil.getCurrentTime().toInstant().plus(by)));
  }

  /** Fires the timer of the given event now, whatever its due date, then runs what follows. */
  protected void fireTimer(String releaseId, String timerActivityId) {
    List<Job> timers =
        management.createJobQuery().timers().activityId(timerActivityId).list().stream()
            .filter(j -> releaseId.equals(businessKeyOf(j.getProcessInstanceId())))
            .toList();
    if (timers.size() != 1) {
      throw new AssertionError(
          "expected one timer " + timerActivityId + ", found " + timers.size());
    }
    management.executeJob(timers.get(0).getId());
    runJobs();
  }

  protected boolean hasTimer(String releaseId, String timerActivityId) {
    return management.createJobQuery().timers().activityId(timerActivityId).list().stream()
        .anyMatch(j -> releaseId.equals(businessKeyOf(j.getProcessInstanceId())));
  }

  protected String businessKeyOf(String processInstanceId) {
    ProcessInstance p =
        runtime.createProcessInstanceQuery().processInstanceId(processInstanceId).singleResult();
    return p == null ? null : p.getBusinessKey();
  }

  /** Tables of the embedded target database (Flyway's history excluded). */
  protected List<String> targetTables() {
    try (Connection c =
        DriverManager.getConnection("jdbc:h2:mem:process-target;DB_CLOSE_DELAY=-1", "sa", "")) {
      List<String> tables = new ArrayList<>();
      try (var rs = c.getMetaData().getTables(null, "PUBLIC", "%", new String[] {"TABLE"})) {
        while (rs.next()) {
          if (!rs.getString("TABLE_NAME").equalsIgnoreCase("flyway_schema_history")) {
            tables.add(rs.getString("TABLE_NAME").toLowerCase());
          }
        }
      }
      return tables;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  protected String status(String releaseId) {
    return jdbc.queryForObject(
        "SELECT status FROM cs_release WHERE id = ?", String.class, releaseId);
  }

  protected String statusReason(String releaseId) {
    return jdbc.queryForObject(
        "SELECT status_reason FROM cs_release WHERE id = ?", String.class, releaseId);
  }

  protected List<String> evidenceTypes(String releaseId) {
    return evidence.entries(releaseId).stream().map(EvidenceEntry::type).toList();
  }

  /**
   * Activity ids a release's process instances went through (all of them, in order of occurrence).
   */
  protected List<String> activities(String releaseId, String processKey) {
    String id = historicInstance(processKey, releaseId);
    List<String> ids = new ArrayList<>();
    for (HistoricActivityInstance a :
        history
            .createHistoricActivityInstanceQuery()
            .processInstanceId(id)
            .orderPartiallyByOccurrence()
            .asc()
            .list()) {
      ids.add(a.getActivityId());
    }
    return ids;
  }
}
