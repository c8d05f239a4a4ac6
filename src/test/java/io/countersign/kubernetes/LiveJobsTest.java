package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.JobRun;
import io.countersign.kubernetes.ClusterSteps.JobState;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.kubernetes.KubernetesSteps.EnvRef;
import io.countersign.kubernetes.KubernetesSteps.EnvSource;
import io.countersign.kubernetes.KubernetesSteps.KeyRef;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodList;
import io.fabric8.kubernetes.api.model.PodListBuilder;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.fabric8.mockwebserver.http.RecordedRequest;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Jobs of {@link ClusterSteps} against fabric8's mock API server: in CRUD mode for what is
 * stored (the test plays the Job controller and the kubelet, writing the Job's status and its pod),
 * and with expectations for the pod log, which the CRUD mode does not serve.
 */
@EnableKubernetesMockClient(crud = true, https = false)
class LiveJobsTest {
  private static final String NS = "medication";
  private static final String TARGET = "medication-cluster";
  private static final String JOB = "cs-rel1-migrate";
  private static final String POD = JOB + "-x7k2p";
  private static final ObjectMapper JSON = new ObjectMapper();

  KubernetesMockServer server;
  KubernetesClient client;
  private KubernetesClients clients;
  private LiveJobs jobs;

  @BeforeEach
  void setUp() {
    clients = clients(client.getMasterUrl().toString());
    jobs = new LiveJobs(clients);
  }

  @AfterEach
  void tearDown() {
    clients.close();
  }

  @Test
  void startCreatesTheJobOnceWithEnvironmentOnlyByReferenceAndNoRetries() throws Exception {
    jobs.start(TARGET, NS, run("rel-1"));

    Job job = client.batch().v1().jobs().inNamespace(NS).withName(JOB).get();
    Map<String, String> labels =
        Map.of(
            "countersign.io/release", "rel-1",
            "countersign.io/step", "migrate",
            "app.kubernetes.io/managed-by", "countersign");
    assertThat(job.getMetadata().getLabels()).isEqualTo(labels);
    assertThat(job.getSpec().getBackoffLimit()).isZero();
    assertThat(job.getSpec().getActiveDeadlineSeconds()).isEqualTo(600L);
    assertThat(job.getSpec().getTtlSecondsAfterFinished()).isEqualTo(7 * 24 * 3600);
    assertThat(job.getSpec().getTemplate().getMetadata().getLabels()).isEqualTo(labels);
    PodSpec pod = job.getSpec().getTemplate().getSpec();
    assertThat(pod.getRestartPolicy()).isEqualTo("Never");
    assertThat(pod.getAutomountServiceAccountToken()).isFalse();
    assertThat(pod.getSecurityContext()).isNull(); // runAsNonRoot is the image's business
    assertThat(pod.getContainers()).hasSize(1);
    // The container as the API server stores it, field by field: no literal value anywhere.
    JsonNode container = JSON.readTree(Serialization.asJson(pod.getContainers().get(0)));
    assertThat(container)
        .isEqualTo(
            JSON.readTree(
                """
                {"name": "step",
                 "image": "registry.example/medication-migrations:2.4.0",
                 "command": ["alembic", "upgrade", "head"],
                 "env": [
                   {"name": "DB_PASSWORD",
                    "valueFrom": {"secretKeyRef": {"name": "medication-db", "key": "password"}}},
                   {"name": "DB_HOST",
                    "valueFrom": {"configMapKeyRef": {"name": "medication-config", "key": "db-host"}}}
                 ],
                 "envFrom": [
                   {"secretRef": {"name": "medication-migrations"}},
                   {"configMapRef": {"name": "medication-settings"}}
                 ]}
                """));
  }

  @Test
  void startingAgainFindsTheJobAndOnlyReads() {
    jobs.start(TARGET, NS, run("rel-1"));
    String resourceVersion = job().getMetadata().getResourceVersion();
    requests();

    jobs.start(TARGET, NS, run("rel-1"));

    assertThat(requests()).extracting(RecordedRequest::getMethod).containsExactly("GET");
    assertThat(job().getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
  }

  @Test
  void aJobOfAnotherReleaseUnderTheSameNameIsRefusedAndLeftAlone() {
    jobs.start(TARGET, NS, run("rel-0"));
    String resourceVersion = job().getMetadata().getResourceVersion();

    assertThatThrownBy(() -> jobs.start(TARGET, NS, run("rel-1")))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "Job/cs-rel1-migrate in namespace medication on target medication-cluster already"
                + " exists and belongs to release rel-0, not to release rel-1; delete it or rename"
                + " the step");
    assertThat(job().getMetadata().getResourceVersion()).isEqualTo(resourceVersion);
  }

  @Test
  void aJobCreatedByAConcurrentRunBetweenTheReadAndTheCreateIsFoundToo() {
    jobs.start(TARGET, NS, run("rel-1"));
    // This run read before the other one created: it sees no Job, then its create conflicts.
    server
        .expect()
        .get()
        .withPath("/apis/batch/v1/namespaces/medication/jobs/" + JOB)
        .andReturn(404, new StatusBuilder().withCode(404).withReason("NotFound").build())
        .once();
    requests();

    jobs.start(TARGET, NS, run("rel-1"));

    assertThat(requests())
        .extracting(r -> r.getMethod() + " " + r.getPath())
        .containsExactly(
            "GET /apis/batch/v1/namespaces/medication/jobs/" + JOB,
            "POST /apis/batch/v1/namespaces/medication/jobs",
            "GET /apis/batch/v1/namespaces/medication/jobs/" + JOB);
    assertThatThrownBy(() -> jobs.start(TARGET, NS, run("rel-2")))
        .isInstanceOf(TargetRefusedException.class);
  }

  @Test
  void anApiServerInTroubleIsRetriedNotRefused() {
    server
        .expect()
        .get()
        .withPath("/apis/batch/v1/namespaces/medication/jobs/" + JOB)
        .andReturn(
            503, new StatusBuilder().withCode(503).withMessage("etcd leader changed").build())
        .once();

    assertThatThrownBy(() -> jobs.status(TARGET, NS, JOB, 1024))
        .isInstanceOf(IllegalStateException.class)
        .isNotInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "the API server answered 503 to read Job/cs-rel1-migrate in namespace medication on"
                + " target medication-cluster (retried): etcd leader changed");
  }

  @Test
  void aForbiddenCreateIsRefusedWithTheRbacToBlame() {
    server
        .expect()
        .post()
        .withPath("/apis/batch/v1/namespaces/medication/jobs")
        .andReturn(
            403,
            new StatusBuilder()
                .withCode(403)
                .withReason("Forbidden")
                .withMessage(
                    "jobs.batch is forbidden: User \"system:serviceaccount:countersign:countersign\""
                        + " cannot create resource \"jobs\" in API group \"batch\" in the namespace"
                        + " \"medication\"")
                .build())
        .once();

    assertThatThrownBy(() -> jobs.start(TARGET, NS, run("rel-1")))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "the cluster forbids Countersign to create Job/cs-rel1-migrate in namespace medication"
                + " on target medication-cluster (403 Forbidden)");
    assertThat(job()).isNull();
  }

  @Test
  void deleteRemovesTheJobInTheBackgroundAndSaysWhenThereWasNone() throws Exception {
    jobs.start(TARGET, NS, run("rel-1"));
    requests();

    assertThat(jobs.delete(TARGET, NS, JOB)).isTrue();

    RecordedRequest delete =
        requests().stream().filter(r -> r.getMethod().equals("DELETE")).findFirst().orElseThrow();
    assertThat(JSON.readTree(delete.getBody().readUtf8()).get("propagationPolicy").asText())
        .isEqualTo("Background");
    assertThat(job()).isNull();
    assertThat(jobs.delete(TARGET, NS, JOB)).isFalse();
  }

  @Test
  void aJobThatDoesNotExistIsMissing() {
    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(
            new JobStatus(
                JobState.MISSING,
                null,
                "Job/cs-rel1-migrate in namespace medication on target medication-cluster does"
                    + " not exist",
                null,
                false));
  }

  @Test
  void aJobWithoutPodOrWithAPodStartingIsRunningWithoutLogs() {
    jobs.start(TARGET, NS, run("rel-1"));
    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(new JobStatus(JobState.RUNNING, null, null, null, false));

    pod(waiting("ContainerCreating", null));

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(new JobStatus(JobState.RUNNING, null, "ContainerCreating", null, false));
  }

  @Test
  void anImageThatCannotBePulledFailsAtOnceInsteadOfAtTheDeadline() {
    jobs.start(TARGET, NS, run("rel-1"));
    pod(
        waiting(
            "ImagePullBackOff",
            "Back-off pulling image \"registry.example/medication-migrations:2.4.0\""));

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(
            new JobStatus(
                JobState.FAILED,
                null,
                "ImagePullBackOff: Back-off pulling image"
                    + " \"registry.example/medication-migrations:2.4.0\"",
                null,
                false));
  }

  @Test
  void aRunningContainerIsRunningWithItsLogSoFar() {
    jobs.start(TARGET, NS, run("rel-1"));
    pod(new ContainerStateBuilder().withNewRunning().endRunning().build());
    expectLog(server, 1024, "INFO  [alembic] Running upgrade 41 -> 42\n");

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(
            new JobStatus(
                JobState.RUNNING, null, null, "INFO  [alembic] Running upgrade 41 -> 42\n", false));
  }

  @Test
  void aContainerThatExitedZeroAndAJobMarkedSucceededSucceed() {
    jobs.start(TARGET, NS, run("rel-1"));
    pod(terminated(0, "Completed"));
    expectLog(server, 1024, "done\n");
    jobStatus(new JobStatusBuilder().withActive(0).withSucceeded(1).build());

    JobStatus status = jobs.status(TARGET, NS, JOB, 1024);

    assertThat(status).isEqualTo(new JobStatus(JobState.SUCCEEDED, 0, null, "done\n", false));
  }

  @Test
  void aCompleteConditionAloneIsSuccessToo() {
    jobs.start(TARGET, NS, run("rel-1"));
    jobStatus(
        new JobStatusBuilder()
            .addToConditions(
                new JobConditionBuilder().withType("Complete").withStatus("True").build())
            .build());

    assertThat(jobs.status(TARGET, NS, JOB, 1024).state()).isEqualTo(JobState.SUCCEEDED);
  }

  @Test
  void aContainerThatExitedNonZeroFailsBeforeTheControllerSaysSo() {
    jobs.start(TARGET, NS, run("rel-1"));
    pod(terminated(3, "Error"));
    expectLog(server, 1024, "ERROR [alembic] relation \"doses\" already exists\n");

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(
            new JobStatus(
                JobState.FAILED,
                3,
                "Error: container exited with code 3",
                "ERROR [alembic] relation \"doses\" already exists\n",
                false));
  }

  @Test
  void aFailedConditionGivesItsReasonAndMessage() {
    jobs.start(TARGET, NS, run("rel-1"));
    pod(terminated(137, "Error"));
    expectLog(server, 1024, "INFO  [alembic] Running upgrade 41 -> 42\n");
    jobStatus(
        new JobStatusBuilder()
            .withFailed(1)
            .addToConditions(
                new JobConditionBuilder()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason("DeadlineExceeded")
                    .withMessage("Job was active longer than specified deadline")
                    .build())
            .build());

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(
            new JobStatus(
                JobState.FAILED,
                137,
                "DeadlineExceeded: Job was active longer than specified deadline",
                "INFO  [alembic] Running upgrade 41 -> 42\n",
                false));
  }

  @Test
  void aPodOfAnEarlierJobOfTheSameNameIsNotThisJobs() {
    jobs.start(TARGET, NS, run("rel-1"));
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder(pod(JOB + "-old00", "0b1e6c0e-0000-4000-8000-000000000000"))
                .withNewStatus()
                .withContainerStatuses(
                    new ContainerStatusBuilder()
                        .withName("step")
                        .withState(terminated(3, "Error"))
                        .build())
                .endStatus()
                .build())
        .create();

    assertThat(jobs.status(TARGET, NS, JOB, 1024))
        .isEqualTo(new JobStatus(JobState.RUNNING, null, null, null, false));
  }

  @Test
  void jobNamesAreShortDeterministicDnsLabels() {
    assertThat(LiveJobs.jobName("REL-2024_0042-abc", "migrate", ""))
        .isEqualTo("cs-20240042-abc-migrate");
    assertThat(LiveJobs.jobName("rel-20261201-k3m9qx", "migrate", "undo"))
        .isEqualTo("cs-20261201-k3m9qx-migrate-undo");
    // Releases of the same day and step: their random parts keep their Jobs apart.
    assertThat(LiveJobs.jobName("rel-20261201-p7w2zd", "migrate", "undo"))
        .isNotEqualTo(LiveJobs.jobName("rel-20261201-k3m9qx", "migrate", "undo"));
    assertThat(LiveJobs.jobName("rel-1", "check", null)).isEqualTo("cs-1-check");

    String step = "reconcile-medication-schedules-after-the-import"; // 47 characters
    String undo = LiveJobs.jobName("3f2a9c1e", step, "undo");
    String current = LiveJobs.jobName("3f2a9c1e", step, "current");
    assertThat(undo).hasSize(63).matches("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
    assertThat(undo).startsWith("cs-3f2a9c1e-reconcile-medication-schedules-after-the-im");
    assertThat(current).hasSize(63).isNotEqualTo(undo);
    assertThat(LiveJobs.jobName("3f2a9c1e", step, "undo")).isEqualTo(undo);
    // A cut that ends on a dash loses it, so the hash follows one dash only.
    String dashed = LiveJobs.jobName("3f2a9c1e", "a".repeat(43) + "-bbbbbbbbbbbb", "");
    assertThat(dashed).doesNotContain("--").matches("[-a-z0-9]{1,63}").doesNotEndWith("-");
  }

  @Test
  void aLogTailKeepsTheLastBytesOfALogOfAnyLength() throws Exception {
    StringBuilder log = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      log.append("row ").append(i).append(" migrated ✓\n"); // ✓ is 3 bytes
    }
    byte[] bytes = log.toString().getBytes(StandardCharsets.UTF_8);

    LiveJobs.LogTail tail = LiveJobs.LogTail.of(new ByteArrayInputStream(bytes), 100);

    assertThat(tail.truncated()).isTrue();
    assertThat(tail.text()).endsWith("row 19999 migrated ✓\n").doesNotContain("\uFFFD");
    assertThat(tail.text().getBytes(StandardCharsets.UTF_8).length).isBetween(98, 100);
    assertThat(log.toString()).endsWith(tail.text());
    assertThat(LiveJobs.LogTail.of(new ByteArrayInputStream(bytes), 0))
        .isEqualTo(new LiveJobs.LogTail("", true));
    assertThat(LiveJobs.LogTail.of(new ByteArrayInputStream(new byte[0]), 0))
        .isEqualTo(new LiveJobs.LogTail("", false));
  }

  @Test
  void theLogIsTheTailUpToTheLimitCutOnACharacterAndFlagged() throws Exception {
    withLogServer(
        "ERROR dose table: "
            + "line\n".repeat(50)
            + "é".repeat(60)
            + "\n", // the last 120 bytes start in the middle of an 'é'
        120,
        200,
        (logServer, live) -> {
          JobStatus status = live.status(TARGET, NS, JOB, 120);

          assertThat(status.state()).isEqualTo(JobState.FAILED);
          assertThat(status.exitCode()).isEqualTo(3);
          assertThat(status.logs()).isEqualTo("é".repeat(59) + "\n");
          assertThat(status.logsTruncated()).isTrue();
          RecordedRequest log = logRequest(logServer);
          assertThat(log.getPath()).contains("container=step").contains("tailLines=121");
        });
  }

  @Test
  void aLogThatFitsIsWholeAndNotFlagged() throws Exception {
    withLogServer(
        "ok\n",
        3,
        200,
        (logServer, live) ->
            assertThat(live.status(TARGET, NS, JOB, 3))
                .isEqualTo(
                    new JobStatus(
                        JobState.FAILED, 3, "Error: container exited with code 3", "ok\n", false)));
  }

  @Test
  void aLogTheServerCannotGiveLeavesTheStatusReadable() throws Exception {
    withLogServer(
        null,
        1024,
        500,
        (logServer, live) ->
            assertThat(live.status(TARGET, NS, JOB, 1024))
                .isEqualTo(
                    new JobStatus(
                        JobState.FAILED,
                        3,
                        "Error: container exited with code 3; the log of pod "
                            + POD
                            + " could not be read (the API server answered 500)",
                        null,
                        false)));
  }

  interface LogCheck {
    void check(KubernetesMockServer logServer, LiveJobs live) throws Exception;
  }

  /**
   * A server that answers with expectations only, as the API server would: the Job, its pod (exit
   * code 3), and the pod's log with {@code logStatus}.
   */
  private void withLogServer(String log, int limit, int logStatus, LogCheck check)
      throws Exception {
    KubernetesMockServer logServer = new KubernetesMockServer(false);
    logServer.init();
    KubernetesClients logClients = clients(logServer.url("/"));
    try {
      String uid = "5c0e2a4f-1111-4000-8000-000000000000";
      Job job =
          new JobBuilder()
              .withNewMetadata()
              .withName(JOB)
              .withNamespace(NS)
              .withUid(uid)
              .endMetadata()
              .build();
      Pod pod =
          new PodBuilder(pod(POD, uid))
              .withNewStatus()
              .withPhase("Failed")
              .withContainerStatuses(
                  new ContainerStatusBuilder()
                      .withName("step")
                      .withState(terminated(3, "Error"))
                      .build())
              .endStatus()
              .build();
      logServer
          .expect()
          .get()
          .withPath("/apis/batch/v1/namespaces/medication/jobs/" + JOB)
          .andReturn(200, job)
          .always();
      logServer
          .expect()
          .get()
          .withPath("/api/v1/namespaces/medication/pods?labelSelector=job-name%3D" + JOB)
          .andReturn(200, podList(pod))
          .always();
      // fabric8 lists the pod by name before reading a log (it waits, here not at all, for the pod
      // to be ready or done).
      logServer
          .expect()
          .get()
          .withPath("/api/v1/namespaces/medication/pods?fieldSelector=metadata.name%3D" + POD)
          .andReturn(200, podList(pod))
          .always();
      if (logStatus == 200) {
        expectLog(logServer, limit, log);
      } else {
        logServer
            .expect()
            .get()
            .withPath(logPath(limit))
            .andReturn(
                logStatus,
                new StatusBuilder()
                    .withCode(logStatus)
                    .withMessage("Get \"https://10.0.3.7:10250/containerLogs/...\": EOF")
                    .build())
            .always();
      }
      check.check(logServer, new LiveJobs(logClients));
    } finally {
      logClients.close();
      logServer.destroy();
    }
  }

  /** A list as the API server sends it: with the resourceVersion a watch would start from. */
  private static PodList podList(Pod pod) {
    return new PodListBuilder()
        .withNewMetadata()
        .withResourceVersion("4711")
        .endMetadata()
        .withItems(pod)
        .build();
  }

  private static RecordedRequest logRequest(KubernetesMockServer logServer)
      throws InterruptedException {
    for (RecordedRequest r = logServer.takeRequest(10, TimeUnit.MILLISECONDS);
        r != null;
        r = logServer.takeRequest(10, TimeUnit.MILLISECONDS)) {
      if (r.getPath().contains("/log")) {
        return r;
      }
    }
    throw new AssertionError("no log request");
  }

  /** The log request as fabric8 sends it for the last {@code limit} bytes. */
  private static String logPath(int limit) {
    return "/api/v1/namespaces/medication/pods/"
        + POD
        + "/log?pretty=false&container=step&tailLines="
        + (limit + 1);
  }

  /** The log as the API server answers: plain text, no JSON around it. */
  private static void expectLog(KubernetesMockServer on, int limit, String log) {
    on.expect()
        .get()
        .withPath(logPath(limit))
        .andReturn(200, log)
        .withHeader("Content-Type", "text/plain")
        .always();
  }

  private static JobRun run(String releaseId) {
    return new JobRun(
        JOB,
        releaseId,
        "migrate",
        "registry.example/medication-migrations:2.4.0",
        List.of("alembic", "upgrade", "head"),
        List.of(
            new EnvRef("DB_PASSWORD", new KeyRef("medication-db", "password"), null),
            new EnvRef("DB_HOST", null, new KeyRef("medication-config", "db-host"))),
        List.of(
            new EnvSource("medication-migrations", null),
            new EnvSource(null, "medication-settings")),
        Duration.ofMinutes(10));
  }

  private Job job() {
    return client.batch().v1().jobs().inNamespace(NS).withName(JOB).get();
  }

  /** Writes the Job's status as the Job controller would. */
  private void jobStatus(io.fabric8.kubernetes.api.model.batch.v1.JobStatus status) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(NS)
        .withName(JOB)
        .editStatus(j -> new JobBuilder(j).withStatus(status).build());
  }

  /** The Job's pod as the Job controller creates it, its step container in {@code state}. */
  private void pod(ContainerState state) {
    client
        .pods()
        .inNamespace(NS)
        .resource(
            new PodBuilder(pod(POD, job().getMetadata().getUid()))
                .withNewStatus()
                .withContainerStatuses(
                    new ContainerStatusBuilder().withName("step").withState(state).build())
                .endStatus()
                .build())
        .create();
  }

  private static Pod pod(String name, String jobUid) {
    return new PodBuilder()
        .withNewMetadata()
        .withName(name)
        .withNamespace(NS)
        .addToLabels("job-name", JOB)
        .addToLabels("batch.kubernetes.io/job-name", JOB)
        .addNewOwnerReference()
        .withApiVersion("batch/v1")
        .withKind("Job")
        .withName(JOB)
        .withUid(jobUid)
        .withController(true)
        .endOwnerReference()
        .endMetadata()
        .withNewSpec()
        .addNewContainer()
        .withName("step")
        .withImage("registry.example/medication-migrations:2.4.0")
        .endContainer()
        .endSpec()
        .build();
  }

  private static ContainerState waiting(String reason, String message) {
    return new ContainerStateBuilder()
        .withNewWaiting()
        .withReason(reason)
        .withMessage(message)
        .endWaiting()
        .build();
  }

  private static ContainerState terminated(int exitCode, String reason) {
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .endTerminated()
        .build();
  }

  private static KubernetesClients clients(String masterUrl) {
    return new KubernetesClients(
        new KubernetesProperties(
            "live",
            KubernetesProperties.DEFAULT_REQUEST_TIMEOUT,
            Map.of(TARGET, new KubernetesProperties.Target(null, null, masterUrl, List.of(NS)))));
  }

  /** The requests the server received since the last call. */
  private List<RecordedRequest> requests() {
    List<RecordedRequest> requests = new ArrayList<>();
    try {
      for (RecordedRequest r = server.takeRequest(10, TimeUnit.MILLISECONDS);
          r != null;
          r = server.takeRequest(10, TimeUnit.MILLISECONDS)) {
        requests.add(r);
      }
    } catch (InterruptedException interrupted) {
      Thread.currentThread().interrupt();
    }
    return requests;
  }
}
