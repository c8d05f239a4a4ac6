package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.process.Variables;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.camunda.bpm.engine.runtime.Incident;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The hospital-integration example's Job steps on deploy.bpmn with the live fabric8 adapter against
 * the mock API server: the test plays the Job controller and the kubelet ({@link
 * JobControllerStandIn}) between timer fires, the way a cluster reports a Job that succeeds, exits
 * non-zero, cannot pull its image or outlives its deadline, and checks what the release, the
 * evidence and the cluster say afterwards.
 */
class KubernetesJobStepsProcessTest extends LiveClusterProcessTestSupport {
  private static final String NS = HOSPITAL_NAMESPACE;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> DRAIN =
      List.of("python", "-m", "scripts.queues", "drain", "--wait");
  private static final List<String> RESUME = List.of("python", "-m", "scripts.queues", "resume");
  private static final List<String> VERIFY_DB = List.of("python", "scripts/verify_db.py");
  private static final String REVISION = "4c1d2e9a7b10";
  private static final String STALE_CONNECTION = "HttpClosedException: Connection was closed";

  /**
   * Job names repeat from one release to the next (see the disabled test below) and a test applies
   * a ConfigMap: each test starts from an empty namespace.
   */
  @BeforeEach
  void emptyHospitalNamespace() {
    CLIENT.batch().v1().jobs().inNamespace(NS).delete();
    CLIENT.pods().inNamespace(NS).delete();
    CLIENT.configMaps().inNamespace(NS).delete();
  }

  @Test
  void aJobStepExitingNonZeroRollsBackAndTheStepBeforeItIsUndoneByItsUndoJob() {
    String id = submit(hospital(false, "drain-workers", "verify-db"));
    approveAll(id);
    String drain = job(id, "drain-workers", "");
    assertThat(jobs.command(NS, drain)).isEqualTo(DRAIN);
    jobs.running(NS, drain, "draining hl7-inbound\n");
    fireTimer(id, "kubernetesStepPoll");
    assertThat(hasTimer(id, "kubernetesStepPoll")).isTrue();
    jobs.succeeded(NS, drain, "draining hl7-inbound\ndrained 3 queues\n");
    fireTimer(id, "kubernetesStepPoll");
    String verify = job(id, "verify-db", "");
    assertThat(jobs.command(NS, verify)).isEqualTo(VERIFY_DB);

    jobs.failed(NS, verify, 3, "ERROR doses: 12 rows without a patient\n");
    fireTimer(id, "kubernetesStepPoll");

    String failure =
        "Job "
            + verify
            + " failed with exit code 3: "
            + JobControllerStandIn.BACKOFF_LIMIT_EXCEEDED;
    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(statusReason(id)).isEqualTo("Kubernetes step verify-db: " + failure);
    JsonNode finished = entry(id, StepJournal.FINISHED, "verify-db");
    assertThat(finished.path("outcome").asText()).isEqualTo("failed");
    assertThat(finished.path("reason").asText()).isEqualTo(failure);
    assertThat(finished.path("exitCode").asInt()).isEqualTo(3);
    assertThat(finished.path("log").asText()).isEqualTo("ERROR doses: 12 rows without a patient\n");
    assertThat(entry(id, StepJournal.FINISHED, "drain-workers").path("outcome").asText())
        .isEqualTo("done");
    // Last first: verify-db has no undo and is undone at once; the drain's undo Job runs, its own
    // Job stopped first.
    assertThat(entry(id, StepJournal.UNDONE, "verify-db").path("outcome").asText())
        .isEqualTo("done");
    String undo = job(id, "drain-workers", "undo");
    assertThat(jobs.command(NS, undo)).isEqualTo(RESUME);
    assertThat(stepEntries(id, StepJournal.UNDONE, "drain-workers")).isEmpty();
    assertThat(hasTimer(id, "undoJobPoll")).isTrue();

    jobs.succeeded(NS, undo, "resumed 3 queues\n");
    fireTimer(id, "undoJobPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).isEqualTo("Kubernetes step verify-db: " + failure);
    JsonNode undone = entry(id, StepJournal.UNDONE, "drain-workers");
    assertThat(undone.path("outcome").asText()).isEqualTo("done");
    assertThat(undone.path("job").asText()).isEqualTo(undo);
    assertThat(texts(undone.path("command"))).isEqualTo(RESUME);
    assertThat(undone.path("exitCode").asInt()).isZero();
    assertThat(undone.path("log").asText()).isEqualTo("resumed 3 queues\n");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aJobWhoseImageCannotBePulledFailsTheStepAtOnceAndIsDeleted() {
    String id = submit(hospital(false, "verify-db"));
    approveAll(id);
    String verify = job(id, "verify-db", "");
    assertThat(jobs.job(NS, verify)).isNotNull();

    jobs.imagePullBackOff(NS, verify);
    fireTimer(id, "kubernetesStepPoll");

    String failure =
        "Job "
            + verify
            + " failed: ImagePullBackOff: Back-off pulling image"
            + " \"registry.hospital.example/integration/backend:3.2.0\"";
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).isEqualTo("Kubernetes step verify-db: " + failure);
    // verify-db has no undo Job, so nothing but the look that failed it deleted the Job.
    assertThat(jobs.job(NS, verify)).isNull();
    JsonNode finished = entry(id, StepJournal.FINISHED, "verify-db");
    assertThat(finished.path("outcome").asText()).isEqualTo("failed");
    assertThat(finished.path("reason").asText()).isEqualTo(failure);
    assertThat(finished.has("exitCode")).as("its container never ran").isFalse();
    assertThat(finished.has("log")).isFalse();
  }

  @Test
  void aJobStillRunningAtItsDeadlineFailsTheReleaseAndIsStoppedBeforeItsUndo() {
    String id = submit(hospital(false, "drain-workers"));
    approveAll(id);
    String drain = job(id, "drain-workers", "");
    jobs.running(NS, drain, "draining hl7-inbound\n");
    advanceClock(Duration.ofMinutes(4));
    fireTimer(id, "kubernetesStepPoll");
    assertThat(status(id)).as("four minutes of five").isEqualTo("deploying");

    advanceClock(Duration.ofMinutes(2));
    fireTimer(id, "kubernetesStepPoll");

    String deadline = entry(id, StepJournal.STARTED, "drain-workers").path("deadline").asText();
    String failure = "did not finish before its deadline " + deadline + " (PT5M)";
    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(statusReason(id)).isEqualTo("Kubernetes step drain-workers: " + failure);
    JsonNode finished = entry(id, StepJournal.FINISHED, "drain-workers");
    assertThat(finished.path("outcome").asText()).isEqualTo("failed");
    assertThat(finished.path("reason").asText()).isEqualTo(failure);
    assertThat(finished.path("state").asText()).isEqualTo("RUNNING");
    assertThat(finished.path("log").asText()).isEqualTo("draining hl7-inbound\n");
    assertThat(jobs.job(NS, drain)).as("the running Job is stopped before its undo").isNull();
    String undo = job(id, "drain-workers", "undo");
    assertThat(jobs.command(NS, undo)).isEqualTo(RESUME);

    jobs.succeeded(NS, undo, "resumed 3 queues\n");
    fireTimer(id, "undoJobPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(entry(id, StepJournal.UNDONE, "drain-workers").path("outcome").asText())
        .isEqualTo("done");
  }

  @Test
  void aMigrationCommandThatPrintsNoRevisionFailsBeforeAnythingIsMigrated() {
    String id = submit(hospital(false, "migrate"));
    approveAll(id);
    String current = job(id, "migrate", "current");
    assertThat(jobs.command(NS, current))
        .containsExactly("python", "-m", "scripts.alembic_revision");

    jobs.succeeded(NS, current, "");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes step migrate: 'python -m scripts.alembic_revision' printed no revision on"
                + " its last line, so a rollback could not go back to it; nothing was migrated");
    assertThat(jobs.job(NS, job(id, "migrate", "upgrade"))).isNull();
    assertThat(jobs.job(NS, job(id, "migrate", "downgrade"))).isNull();
    assertThat(payloads(id, StepJournal.PROGRESS)).isEmpty();
    assertThat(entry(id, StepJournal.FINISHED, "migrate").path("exitCode").asInt()).isZero();
    JsonNode undone = entry(id, StepJournal.UNDONE, "migrate");
    assertThat(undone.path("outcome").asText()).isEqualTo("done");
    assertThat(undone.has("job")).as("never upgraded: nothing to downgrade").isFalse();
  }

  @Test
  void aFailedUpgradeIsDowngradedToTheRevisionKeptBeforeIt() {
    String id = submit(hospital(false, "migrate"));
    approveAll(id);
    String current = job(id, "migrate", "current");
    String upgrade = job(id, "migrate", "upgrade");
    jobs.succeeded(
        NS,
        current,
        "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl.\n"
            + REVISION
            + " (head)\n");
    fireTimer(id, "kubernetesStepPoll");

    JsonNode progress = entry(id, StepJournal.PROGRESS, "migrate");
    assertThat(progress.path("previousRevision").asText()).isEqualTo(REVISION);
    assertThat(progress.path("job").asText()).isEqualTo(upgrade);
    assertThat(jobs.command(NS, upgrade)).containsExactly("alembic", "upgrade", "head");
    assertThat(status(id)).isEqualTo("deploying");

    jobs.failed(NS, upgrade, 1, "sqlalchemy.exc.ProgrammingError: relation \"feeds\" exists\n");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes step migrate: Job "
                + upgrade
                + " failed with exit code 1: "
                + JobControllerStandIn.BACKOFF_LIMIT_EXCEEDED);
    JsonNode finished = entry(id, StepJournal.FINISHED, "migrate");
    assertThat(finished.path("job").asText()).isEqualTo(upgrade);
    assertThat(finished.path("exitCode").asInt()).isEqualTo(1);
    String downgrade = job(id, "migrate", "downgrade");
    assertThat(jobs.command(NS, downgrade)).containsExactly("alembic", "downgrade", REVISION);

    jobs.succeeded(NS, downgrade, "Running downgrade 7f3e21c0d9aa -> " + REVISION + "\n");
    fireTimer(id, "undoJobPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    JsonNode undone = entry(id, StepJournal.UNDONE, "migrate");
    assertThat(undone.path("outcome").asText()).isEqualTo("done");
    assertThat(undone.path("job").asText()).isEqualTo(downgrade);
    assertThat(texts(undone.path("command"))).containsExactly("alembic", "downgrade", REVISION);
    assertThat(undone.path("exitCode").asInt()).isZero();
  }

  @Test
  void aFailingCheckAfterTheRollbackEndsTheReleaseFailed() {
    String id = submit(hospital(true, "verify-db"));
    approveAll(id);
    jobs.failed(NS, job(id, "verify-db", ""), 3, "ERROR doses: 12 rows without a patient\n");
    fireTimer(id, "kubernetesStepPoll");
    String check = job(id, "verify-db-after-rollback", CheckAfterRollbackDelegate.SUFFIX);
    assertThat(jobs.command(NS, check)).isEqualTo(VERIFY_DB);
    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(payloads(id, StepJournal.CHECKED)).isEmpty();

    jobs.failed(NS, check, 1, "ERROR doses: 12 rows without a patient\n");
    fireTimer(id, "checkJobPoll");

    assertThat(status(id)).isEqualTo("failed");
    JsonNode checked = entry(id, StepJournal.CHECKED, "verify-db-after-rollback");
    assertThat(checked.path("outcome").asText()).isEqualTo("failed");
    assertThat(checked.path("job").asText()).isEqualTo(check);
    assertThat(checked.path("exitCode").asInt()).isEqualTo(1);
  }

  @Test
  void aPassingCheckAfterTheRollbackEndsTheReleaseRolledBack() {
    String id = submit(hospital(true, "verify-db"));
    approveAll(id);
    jobs.failed(NS, job(id, "verify-db", ""), 3, "ERROR doses: 12 rows without a patient\n");
    fireTimer(id, "kubernetesStepPoll");
    String check = job(id, "verify-db-after-rollback", CheckAfterRollbackDelegate.SUFFIX);
    jobs.running(NS, check, "checking 14 tables\n");
    fireTimer(id, "checkJobPoll");
    assertThat(status(id)).isEqualTo("rolling-back");

    jobs.succeeded(NS, check, "checking 14 tables\nall consistent\n");
    fireTimer(id, "checkJobPoll");

    assertThat(status(id)).isEqualTo("rolled-back");
    JsonNode checked = entry(id, StepJournal.CHECKED, "verify-db-after-rollback");
    assertThat(checked.path("outcome").asText()).isEqualTo("passed");
    assertThat(checked.path("exitCode").asInt()).isZero();
    assertThat(texts(checked.path("command"))).isEqualTo(VERIFY_DB);
  }

  @Test
  void aFailedUndoJobLeavesTheOtherUndosRunningAndEndsTheReleaseFailed() {
    String id = submit(hospital(false, "drain-workers", "migrate"));
    approveAll(id);
    jobs.succeeded(NS, job(id, "drain-workers", ""), "drained 3 queues\n");
    fireTimer(id, "kubernetesStepPoll");
    jobs.succeeded(NS, job(id, "migrate", "current"), REVISION + " (head)\n");
    fireTimer(id, "kubernetesStepPoll");
    jobs.failed(NS, job(id, "migrate", "upgrade"), 1, "relation \"feeds\" exists\n");
    fireTimer(id, "kubernetesStepPoll");
    String downgrade = job(id, "migrate", "downgrade");
    assertThat(jobs.job(NS, job(id, "drain-workers", "undo"))).as("last first").isNull();

    jobs.failed(NS, downgrade, 2, "FAILED: Can't locate revision " + REVISION + "\n");
    fireTimer(id, "undoJobPoll");

    JsonNode migrate = entry(id, StepJournal.UNDONE, "migrate");
    assertThat(migrate.path("outcome").asText()).isEqualTo("failed");
    assertThat(migrate.path("exitCode").asInt()).isEqualTo(2);
    String undo = job(id, "drain-workers", "undo");
    assertThat(jobs.command(NS, undo)).isEqualTo(RESUME);
    assertThat(status(id)).isEqualTo("rolling-back");

    jobs.succeeded(NS, undo, "resumed 3 queues\n");
    fireTimer(id, "undoJobPoll");

    assertThat(entry(id, StepJournal.UNDONE, "drain-workers").path("outcome").asText())
        .isEqualTo("done");
    assertThat(status(id)).isEqualTo("failed");
  }

  /**
   * Past the API, in the engine: the multi-instance reads its collection again for each instance,
   * so a list rewritten while the first step waits chooses the next step. The signed order does not
   * let it start one whose signed predecessors did not finish.
   */
  @Test
  void aStepListRewrittenInTheEngineCannotStartAStepBeforeTheSignedOnesBeforeIt() {
    String id = submit(hospital(false, "drain-workers", "migrate", "verify-db"));
    approveAll(id);
    String drain = job(id, "drain-workers", "");
    assertThat(jobs.job(NS, drain)).isNotNull();
    runtime.setVariable(
        instance("deploy", id).getId(),
        StepOrder.STEPS,
        new ArrayList<>(List.of("drain-workers", "verify-db", "verify-db")));

    jobs.succeeded(NS, drain, "drained 3 queues\n");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes step verify-db may not start: the signed steps before it did not finish"
                + " (migrate); the model's list of steps was changed outside Countersign");
    assertThat(jobs.job(NS, job(id, "verify-db", ""))).isNull();
    assertThat(jobs.job(NS, job(id, "migrate", "current"))).isNull();
    assertThat(stepEntries(id, StepJournal.STARTED, "verify-db")).isEmpty();

    jobs.succeeded(NS, job(id, "drain-workers", "undo"), "resumed 3 queues\n");
    fireTimer(id, "undoJobPoll");
    assertThat(status(id)).isEqualTo("rolled-back");
  }

  /** The same, with the skipped step's place given to one that ran: the last instance fails. */
  @Test
  void aStepListRewrittenInTheEngineCannotEndTheStepsWithASignedStepSkipped() {
    String id = submit(hospital(false, "drain-workers", "verify-db"));
    approveAll(id);
    String drain = job(id, "drain-workers", "");
    runtime.setVariable(
        instance("deploy", id).getId(),
        StepOrder.STEPS,
        new ArrayList<>(List.of("drain-workers", "drain-workers")));

    jobs.succeeded(NS, drain, "drained 3 queues\n");
    fireTimer(id, "kubernetesStepPoll");

    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(statusReason(id))
        .isEqualTo(
            "Kubernetes step drain-workers: signed Kubernetes steps did not run: verify-db; the"
                + " model's list of steps was changed outside Countersign");
    assertThat(jobs.job(NS, job(id, "verify-db", ""))).isNull();

    jobs.succeeded(NS, job(id, "drain-workers", "undo"), "resumed 3 queues\n");
    fireTimer(id, "undoJobPoll");
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id)).doesNotContain("release-released");
  }

  /**
   * Past the API, in the database: a started entry rewritten so that the rollback would leave the
   * step's ConfigMap. The undo reads what to put back from the chain, finds it broken and stops
   * with an incident for people to look at, before anything is restored, deleted or run.
   */
  @Test
  void aStartedEntryChangedInTheDatabaseStopsTheUndoBeforeItTouchesAnything() throws Exception {
    ObjectNode manifest = hospital(false, "backend", "drain-workers");
    // The backend set trimmed to its ConfigMap: no rollout to play.
    ArrayNode objects = (ArrayNode) manifest.at("/kubernetesSteps/steps/0/apply/objects");
    objects.remove(2);
    objects.remove(1);
    String id = submit(manifest);
    approveAll(id);
    String drain = job(id, "drain-workers", "");
    jobs.succeeded(NS, drain, "drained 3 queues\n");
    fireTimer(id, "kubernetesStepPoll");
    assertThat(status(id)).isEqualTo("released");
    assertThat(configMap().getData()).containsEntry("FEED_BATCH_SIZE", "200");
    assertThat(configMap().getMetadata().getLabels()).containsEntry(ClusterSteps.RELEASE_LABEL, id);
    String configMapVersion = configMap().getMetadata().getResourceVersion();
    String drainVersion = jobs.job(NS, drain).getMetadata().getResourceVersion();
    // What a database user would write so that a rollback leaves the ConfigMap: its started entry
    // without the objects.
    EvidenceEntry started =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals(StepJournal.STARTED))
            .filter(e -> e.payload().path("step").asText().equals("backend"))
            .findFirst()
            .orElseThrow();
    ObjectNode changed = (ObjectNode) started.payload().deepCopy();
    changed.putArray("objects");
    assertThat(
            jdbc.update(
                "UPDATE cs_evidence SET payload = ? WHERE release_id = ? AND seq = ?",
                JSON.writeValueAsString(changed),
                id,
                started.seq()))
        .isEqualTo(1);

    String deploy = instance("deploy", id).getId();
    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(id)
        .setVariable(Variables.ROLLBACK_REASON, "HL7 feed stalls")
        .setVariable(Variables.ROLLBACK_REQUESTED_BY, "ops-lead")
        .correlate();
    runJobs();
    for (int retry = 0; retry < 3 && incidents(id).isEmpty(); retry++) {
      advanceClock(Duration.ofSeconds(31));
      runJobs();
    }

    assertThat(incidents(id))
        .filteredOn(incident -> incident.getProcessInstanceId().equals(deploy))
        .singleElement()
        .satisfies(
            incident -> {
              assertThat(incident.getActivityId()).isEqualTo("undoKubernetesSteps");
              assertThat(incident.getIncidentMessage())
                  .startsWith("the evidence of release " + id + " was changed outside Countersign")
                  .contains("seq " + started.seq() + ":");
            });
    assertThat(status(id)).isEqualTo("rolling-back");
    assertThat(payloads(id, StepJournal.UNDONE)).isEmpty();
    assertThat(configMap().getMetadata().getResourceVersion()).isEqualTo(configMapVersion);
    assertThat(jobs.job(NS, drain).getMetadata().getResourceVersion()).isEqualTo(drainVersion);
    assertThat(jobs.job(NS, job(id, "drain-workers", "undo"))).isNull();
    runtime.deleteProcessInstance(instance("release", id).getId(), "test over");
  }

  /**
   * Two releases of one application, one after the other, each with its own Jobs, as the Job name's
   * comment says ({@code cs-<release>-<step>}, the same every time <em>for a release</em>).
   */
  @Test
  void aSecondReleaseOfTheSameStepsRunsJobsOfItsOwn() {
    String first = submit(hospital(false, "drain-workers"));
    approveAll(first);
    jobs.succeeded(NS, job(first, "drain-workers", ""), "drained 3 queues\n");
    fireTimer(first, "kubernetesStepPoll");
    assertThat(status(first)).isEqualTo("released");
    fireTimer(first, "rollbackWindowOver");
    // Kubernetes keeps the finished Job for a week (ttlSecondsAfterFinished).
    assertThat(jobs.job(NS, job(first, "drain-workers", ""))).isNotNull();

    String second = submit(hospital(false, "drain-workers"));
    approveAll(second);

    assertThat(job(second, "drain-workers", "")).isNotEqualTo(job(first, "drain-workers", ""));
    assertThat(statusReason(second)).isNull();
    jobs.succeeded(NS, job(second, "drain-workers", ""), "drained 3 queues\n");
    fireTimer(second, "kubernetesStepPoll");
    assertThat(status(second)).isEqualTo("released");
    fireTimer(second, "rollbackWindowOver");
  }

  /**
   * The start refused (403) records a started entry without a Job; the rollback has nothing of the
   * step's to stop or undo, as the start delegate's comment says ("a refusal records what was
   * touched until then, so the rollback puts it back").
   */
  @Test
  void aJobStepTheClusterRefusesToCreateIsRolledBackWithNothingToUndo() {
    SERVER
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/" + NS + "/jobs")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage("jobs.batch is forbidden")
                .build())
        .once();
    String id = submit(hospital(false, "drain-workers"));
    approveAll(id);

    assertThat(statusReason(id))
        .startsWith(
            "Kubernetes step drain-workers refused: the cluster forbids Countersign to create Job/"
                + job(id, "drain-workers", ""));
    assertThat(entry(id, StepJournal.STARTED, "drain-workers").has("job")).isFalse();
    assertThat(failures(id)).isEmpty();
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(entry(id, StepJournal.UNDONE, "drain-workers").path("outcome").asText())
        .isEqualTo("done");
    assertThat(jobs.job(NS, job(id, "drain-workers", "undo")))
        .as("its Job never ran: nothing to resume")
        .isNull();
  }

  @Override
  protected void approveAll(String releaseId) {
    super.approveAll(releaseId);
    retryStaleConnections(releaseId);
  }

  @Override
  protected void fireTimer(String releaseId, String timerActivityId) {
    super.fireTimer(releaseId, timerActivityId);
    retryStaleConnections(releaseId);
  }

  /**
   * Runs again at once, as the engine would after the job's retry wait, the release's jobs that
   * failed on a stale pooled connection: fabric8's Vert.x client sometimes reuses, for the request
   * after a pod log is read, a connection that was closed (HttpClosedException, which fabric8 does
   * not retry). Only that failure: any other stays for the assertions to see.
   */
  private void retryStaleConnections(String releaseId) {
    for (int round = 0; round < 10; round++) {
      List<org.camunda.bpm.engine.runtime.Job> stale =
          management.createJobQuery().withException().list().stream()
              .filter(j -> j.getRetries() > 0)
              .filter(j -> j.getExceptionMessage().contains(STALE_CONNECTION))
              .filter(j -> releaseId.equals(businessKey(j.getProcessInstanceId())))
              .toList();
      if (stale.isEmpty()) {
        return;
      }
      for (org.camunda.bpm.engine.runtime.Job job : stale) {
        try {
          management.executeJob(job.getId());
        } catch (RuntimeException failedAgain) {
          // Kept with one retry less; the next round or the assertions see it.
        }
      }
      runJobs();
    }
  }

  private String businessKey(String processInstanceId) {
    var instance =
        runtime.createProcessInstanceQuery().processInstanceId(processInstanceId).singleResult();
    return instance == null ? null : instance.getBusinessKey();
  }

  /**
   * The example with only {@code steps}, in that order, and its after-rollback check only when
   * asked for.
   */
  private static ObjectNode hospital(boolean afterRollback, String... steps) {
    ObjectNode manifest = HospitalIntegrationDryRunProcessTest.hospitalExample();
    ObjectNode section = (ObjectNode) manifest.get("kubernetesSteps");
    List<JsonNode> all = new ArrayList<>();
    section.get("steps").forEach(all::add);
    ArrayNode kept = section.putArray("steps");
    for (String name : steps) {
      kept.add(
          all.stream().filter(s -> s.path("name").asText().equals(name)).findFirst().orElseThrow());
    }
    if (!afterRollback) {
      section.remove("afterRollback");
    }
    return manifest;
  }

  private static String job(String releaseId, String step, String suffix) {
    return LiveJobs.jobName(releaseId, step, suffix);
  }

  /** The step's entries of {@code type}, oldest first. */
  private List<JsonNode> stepEntries(String releaseId, String type, String step) {
    return payloads(releaseId, type).stream()
        .filter(p -> p.path("step").asText().equals(step))
        .toList();
  }

  /** The step's only entry of {@code type}. */
  private JsonNode entry(String releaseId, String type, String step) {
    List<JsonNode> entries = stepEntries(releaseId, type, step);
    assertThat(entries).as(type + " of " + step).hasSize(1);
    return entries.get(0);
  }

  private static List<String> texts(JsonNode array) {
    List<String> texts = new ArrayList<>();
    array.forEach(t -> texts.add(t.asText()));
    return texts;
  }

  private io.fabric8.kubernetes.api.model.ConfigMap configMap() {
    return CLIENT.configMaps().inNamespace(NS).withName("backend-config").get();
  }

  /** The exception messages of the release's failed engine jobs. */
  private List<String> failures(String releaseId) {
    return management.createJobQuery().withException().list().stream()
        .filter(j -> releaseId.equals(businessKey(j.getProcessInstanceId())))
        .map(j -> j.getExceptionMessage())
        .toList();
  }

  private List<Incident> incidents(String releaseId) {
    List<String> instances =
        runtime.createProcessInstanceQuery().processInstanceBusinessKey(releaseId).list().stream()
            .map(p -> p.getId())
            .toList();
    return runtime.createIncidentQuery().list().stream()
        .filter(i -> instances.contains(i.getProcessInstanceId()))
        .toList();
  }
}
