package io.countersign.kubernetes;

import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStateBuilder;
import io.fabric8.kubernetes.api.model.ContainerStatusBuilder;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.PodStatus;
import io.fabric8.kubernetes.api.model.PodStatusBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobConditionBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatus;
import io.fabric8.kubernetes.api.model.batch.v1.JobStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The mock API server has no Job controller and no kubelet: this plays both for a Job Countersign
 * created, the way LiveJobs reads them. It writes the Job's status and the Job's one pod (owned by
 * the Job's uid, labelled {@code job-name}, container {@code step}), and serves that pod's log
 * through an expectation on the same server, since the CRUD store does not keep logs.
 */
final class JobControllerStandIn {
  /** What the API server says when a Job's pod failed and backoffLimit 0 allows no other. */
  static final String BACKOFF_LIMIT_EXCEEDED =
      "BackoffLimitExceeded: Job has reached the specified backoff limit";

  private final KubernetesClient client;
  private final KubernetesMockServer server;

  /** Each pod's log so far, by namespace/pod: what its log expectation answers. */
  private final Map<String, String> logs = new ConcurrentHashMap<>();

  /** The pod of each Job (namespace/job) this stand-in created. */
  private final Map<String, String> pods = new ConcurrentHashMap<>();

  JobControllerStandIn(KubernetesClient client, KubernetesMockServer server) {
    this.client = client;
    this.server = server;
  }

  /** The Job as the cluster has it, or null when it does not exist. */
  Job job(String namespace, String name) {
    return client.batch().v1().jobs().inNamespace(namespace).withName(name).get();
  }

  /** The command of the Job's step container. */
  List<String> command(String namespace, String name) {
    Job job = job(namespace, name);
    if (job == null) {
      throw new AssertionError("no Job " + namespace + "/" + name);
    }
    return job.getSpec().getTemplate().getSpec().getContainers().get(0).getCommand();
  }

  /** The pod was scheduled and its step container runs, having printed {@code log} so far. */
  void running(String namespace, String name, String log) {
    pod(
        namespace,
        name,
        "Running",
        new ContainerStateBuilder().withNewRunning().endRunning().build(),
        log);
  }

  /** The step container exited 0 after printing {@code log}; the controller marks the Job done. */
  void succeeded(String namespace, String name, String log) {
    pod(namespace, name, "Succeeded", terminated(0, "Completed"), log);
    status(
        namespace,
        name,
        new JobStatusBuilder()
            .withActive(0)
            .withSucceeded(1)
            .addToConditions(
                new JobConditionBuilder().withType("Complete").withStatus("True").build())
            .build());
  }

  /**
   * The step container exited with {@code exitCode} after printing {@code log}; the controller
   * marks the Job failed (backoffLimit 0).
   */
  void failed(String namespace, String name, int exitCode, String log) {
    pod(namespace, name, "Failed", terminated(exitCode, "Error"), log);
    status(
        namespace,
        name,
        new JobStatusBuilder()
            .withActive(0)
            .withFailed(1)
            .addToConditions(
                new JobConditionBuilder()
                    .withType("Failed")
                    .withStatus("True")
                    .withReason("BackoffLimitExceeded")
                    .withMessage("Job has reached the specified backoff limit")
                    .build())
            .build());
  }

  /** The kubelet cannot pull the Job's image: the pod stays pending, its container never starts. */
  void imagePullBackOff(String namespace, String name) {
    String image =
        job(namespace, name).getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    pod(
        namespace,
        name,
        "Pending",
        new ContainerStateBuilder()
            .withNewWaiting()
            .withReason("ImagePullBackOff")
            .withMessage("Back-off pulling image \"" + image + "\"")
            .endWaiting()
            .build(),
        null);
  }

  /**
   * The Job's pod, named as the Job controller names it: the Job's name and five random characters,
   * so a pod (and its log expectation on the shared server) never outlives its test under a name
   * another test's Job could reuse.
   */
  String podName(String namespace, String job) {
    return pods.computeIfAbsent(
        namespace + "/" + job, key -> job + "-" + UUID.randomUUID().toString().substring(0, 5));
  }

  private void pod(String namespace, String name, String phase, ContainerState state, String log) {
    Job job = job(namespace, name);
    if (job == null) {
      throw new AssertionError("no Job " + namespace + "/" + name + " to play the controller for");
    }
    String pod = podName(namespace, name);
    PodStatus status =
        new PodStatusBuilder()
            .withPhase(phase)
            .withContainerStatuses(
                new ContainerStatusBuilder().withName(LiveJobs.CONTAINER).withState(state).build())
            .build();
    if (log != null && logs.put(namespace + "/" + pod, log) == null) {
      server
          .expect()
          .get()
          .withPath(
              "/api/v1/namespaces/"
                  + namespace
                  + "/pods/"
                  + pod
                  + "/log?pretty=false&container="
                  + LiveJobs.CONTAINER
                  + "&tailLines="
                  + (JobLook.LOG_LIMIT + 1))
          .andReply(200, request -> logs.get(namespace + "/" + pod))
          .withHeader("Content-Type", "text/plain")
          .always();
    }
    var pods = client.pods().inNamespace(namespace);
    if (pods.withName(pod).get() == null) {
      pods.resource(
              new PodBuilder()
                  .withNewMetadata()
                  .withName(pod)
                  .withNamespace(namespace)
                  .addToLabels("job-name", name)
                  .addToLabels("batch.kubernetes.io/job-name", name)
                  .addNewOwnerReference()
                  .withApiVersion("batch/v1")
                  .withKind("Job")
                  .withName(name)
                  .withUid(job.getMetadata().getUid())
                  .withController(true)
                  .endOwnerReference()
                  .endMetadata()
                  .withSpec(job.getSpec().getTemplate().getSpec())
                  .withStatus(status)
                  .build())
          .create();
    } else {
      pods.withName(pod).editStatus(p -> new PodBuilder(p).withStatus(status).build());
    }
  }

  private void status(String namespace, String name, JobStatus status) {
    client
        .batch()
        .v1()
        .jobs()
        .inNamespace(namespace)
        .withName(name)
        .editStatus(j -> new JobBuilder(j).withStatus(status).build());
  }

  private static ContainerState terminated(int exitCode, String reason) {
    return new ContainerStateBuilder()
        .withNewTerminated()
        .withExitCode(exitCode)
        .withReason(reason)
        .endTerminated()
        .build();
  }
}
