package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.JobRun;
import io.countersign.kubernetes.ClusterSteps.JobState;
import io.countersign.kubernetes.ClusterSteps.JobStatus;
import io.countersign.kubernetes.KubernetesSteps.EnvRef;
import io.countersign.kubernetes.KubernetesSteps.EnvSource;
import io.fabric8.kubernetes.api.model.ContainerState;
import io.fabric8.kubernetes.api.model.ContainerStatus;
import io.fabric8.kubernetes.api.model.DeletionPropagation;
import io.fabric8.kubernetes.api.model.EnvFromSource;
import io.fabric8.kubernetes.api.model.EnvFromSourceBuilder;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.EnvVarBuilder;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobBuilder;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.fabric8.kubernetes.client.dsl.ScalableResource;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.Supplier;

/**
 * The fabric8 side of the {@link ClusterSteps} Jobs: starts a Job once, looks at it, deletes it.
 * Every call is a few bounded requests; waiting for the Job is the model's timer.
 */
final class LiveJobs {
  static final String CONTAINER = "step";
  static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
  static final String MANAGED_BY = "countersign";

  /** Finished Jobs stay this long for people to read with kubectl, then Kubernetes removes them. */
  static final int KEEP_FINISHED_SECONDS = (int) Duration.ofDays(7).toSeconds();

  /**
   * Waiting reasons the kubelet retries without end: the pod never fails and the Job would only end
   * at its deadline, while the fix (the image name, a registry credential, a missing Secret or
   * ConfigMap key) needs a person. Failing at once says why instead of "DeadlineExceeded" minutes
   * later.
   */
  static final Set<String> STUCK_REASONS =
      Set.of("ErrImagePull", "ImagePullBackOff", "CreateContainerConfigError", "InvalidImageName");

  /** A log tail is kept in process variables and evidence, which stay small. */
  static final int MAX_LOG_LIMIT = 1024 * 1024;

  private static final int MAX_NAME = 63;
  private static final String JOB_NAME_LABEL = "job-name";

  private final KubernetesClients clients;

  LiveJobs(KubernetesClients clients) {
    this.clients = clients;
  }

  /**
   * A Job name from the release, the step and a suffix ("undo"), the same every time so a re-run
   * finds the Job and different for every release: {@code cs-<release>-<step>[-<suffix>]} (the
   * release id without its "rel-" prefix), a DNS-1123 label of at most 63 characters (the Job
   * controller copies it into the pods' {@code job-name} label, which allows no more). A longer one
   * is cut and ends with a hash of the whole, so two long names stay apart.
   */
  static String jobName(String releaseId, String step, String suffix) {
    // The whole id: its date and random part tell releases apart (a prefix of it would not: every
    // release of a month would share "rel-2026…" and find each other's Jobs).
    String release =
        releaseId
            .toLowerCase(Locale.ROOT)
            .replaceFirst("^rel-", "")
            .replaceAll("[^a-z0-9-]", "")
            .replaceAll("-+", "-");
    String name =
        "cs-"
            + release
            + "-"
            + labelSafe(step)
            + (suffix == null || suffix.isEmpty() ? "" : "-" + labelSafe(suffix));
    name = trimDashes(name);
    if (name.length() <= MAX_NAME) {
      return name;
    }
    String hash = HexFormat.of().formatHex(sha256(name)).substring(0, 6);
    return trimDashes(name.substring(0, MAX_NAME - hash.length() - 1)) + "-" + hash;
  }

  void start(String target, String namespace, JobRun run) {
    String what = where(target, namespace, run.name());
    ScalableResource<Job> resource = job(target, namespace, run.name());
    Job existing = call(resource::get, "read", what, namespace);
    if (existing == null) {
      try {
        resource.create(job(namespace, run));
        return;
      } catch (KubernetesClientException failure) {
        if (failure.getCode() != 409) {
          throw ApiErrors.translate(failure, "create", what, namespace);
        }
        // Another run of the same engine job created it meanwhile: check it as if found first.
        existing = call(resource::get, "read", what, namespace);
        if (existing == null) {
          throw ApiErrors.translate(failure, "create", what, namespace); // and gone again: retry
        }
      }
    }
    String release = labels(existing).get(ClusterSteps.RELEASE_LABEL);
    if (!run.releaseId().equals(release)) {
      throw new TargetRefusedException(
          what
              + " already exists and belongs to "
              + (release == null ? "no release" : "release " + release)
              + ", not to release "
              + run.releaseId()
              + "; delete it or rename the step");
    }
  }

  JobStatus status(String target, String namespace, String name, int logLimit) {
    if (logLimit < 0 || logLimit > MAX_LOG_LIMIT) {
      throw new IllegalArgumentException(
          "log limit " + logLimit + " is not in 0.." + MAX_LOG_LIMIT);
    }
    String what = where(target, namespace, name);
    Job job = call(job(target, namespace, name)::get, "read", what, namespace);
    if (job == null) {
      return new JobStatus(JobState.MISSING, null, what + " does not exist", null, false);
    }
    Pod pod = newestPod(target, namespace, job, what);
    ContainerStatus container = container(pod);
    ContainerState state = container == null ? null : container.getState();
    Integer exitCode =
        state == null || state.getTerminated() == null ? null : state.getTerminated().getExitCode();
    String waiting =
        state == null || state.getWaiting() == null ? null : state.getWaiting().getReason();

    JobState result;
    String message;
    JobCondition failed = condition(job, "Failed");
    if (succeeded(job)) {
      result = JobState.SUCCEEDED;
      message = null;
    } else if (failed != null) {
      result = JobState.FAILED;
      message = join(failed.getReason(), failed.getMessage());
    } else if (exitCode != null && exitCode != 0) {
      result = JobState.FAILED;
      message = join(state.getTerminated().getReason(), "container exited with code " + exitCode);
    } else if (waiting != null && STUCK_REASONS.contains(waiting)) {
      result = JobState.FAILED;
      message = join(waiting, state.getWaiting().getMessage());
    } else {
      result = JobState.RUNNING;
      message = waiting;
    }

    if (!started(container)) {
      // No pod, or its container never started: there is no log (the API server would answer 400).
      return new JobStatus(result, exitCode, message, null, false);
    }
    try {
      LogTail tail = readLog(target, namespace, pod.getMetadata().getName(), logLimit);
      return new JobStatus(result, exitCode, message, tail.text(), tail.truncated());
    } catch (KubernetesClientException | IOException failure) {
      // The state is what the step decides on; a log the API server cannot give now is no reason to
      // retry it.
      String unread = "the log of pod " + pod.getMetadata().getName() + " could not be read";
      String why =
          failure instanceof KubernetesClientException api && api.getCode() > 0
              ? " (the API server answered " + api.getCode() + ")"
              : " (" + failure.getMessage() + ")";
      return new JobStatus(
          result,
          exitCode,
          message == null ? unread + why : message + "; " + unread + why,
          null,
          false);
    }
  }

  boolean delete(String target, String namespace, String name) {
    String what = where(target, namespace, name);
    return !call(
            () ->
                job(target, namespace, name)
                    .withPropagationPolicy(DeletionPropagation.BACKGROUND)
                    .delete(),
            "delete",
            what,
            namespace)
        .isEmpty();
  }

  private static Job job(String namespace, JobRun run) {
    Map<String, String> labels =
        Map.of(
            ClusterSteps.RELEASE_LABEL,
            run.releaseId(),
            ClusterSteps.STEP_LABEL,
            run.step(),
            MANAGED_BY_LABEL,
            MANAGED_BY);
    return new JobBuilder()
        .withNewMetadata()
        .withName(run.name())
        .withNamespace(namespace)
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        // A failed step (a migration above all) is for people to look at, never to run again.
        .withBackoffLimit(0)
        .withActiveDeadlineSeconds(Math.max(1, run.deadline().toSeconds()))
        .withTtlSecondsAfterFinished(KEEP_FINISHED_SECONDS)
        .withNewTemplate()
        .withNewMetadata()
        .withLabels(labels)
        .endMetadata()
        .withNewSpec()
        .withRestartPolicy("Never")
        // The step needs no Kubernetes API; a token in the pod would only be something to steal.
        // runAsNonRoot is left to the team's image and the namespace's policy.
        .withAutomountServiceAccountToken(false)
        .addNewContainer()
        .withName(CONTAINER)
        .withImage(run.image())
        .withCommand(run.command())
        .withEnv(run.env().stream().map(LiveJobs::envVar).toList())
        .withEnvFrom(run.envFrom().stream().map(LiveJobs::envFrom).toList())
        .endContainer()
        .endSpec()
        .endTemplate()
        .endSpec()
        .build();
  }

  /** By reference only: a value written into the Job would be readable by anyone who can get it. */
  private static EnvVar envVar(EnvRef ref) {
    if ((ref.secret() == null) == (ref.configMap() == null)) {
      throw new IllegalArgumentException(
          "environment variable " + ref.name() + " must name one Secret or one ConfigMap key");
    }
    EnvVarBuilder env = new EnvVarBuilder().withName(ref.name());
    return ref.secret() != null
        ? env.withNewValueFrom()
            .withNewSecretKeyRef()
            .withName(ref.secret().name())
            .withKey(ref.secret().key())
            .endSecretKeyRef()
            .endValueFrom()
            .build()
        : env.withNewValueFrom()
            .withNewConfigMapKeyRef()
            .withName(ref.configMap().name())
            .withKey(ref.configMap().key())
            .endConfigMapKeyRef()
            .endValueFrom()
            .build();
  }

  private static EnvFromSource envFrom(EnvSource source) {
    if ((source.secret() == null) == (source.configMap() == null)) {
      throw new IllegalArgumentException("envFrom must name one Secret or one ConfigMap");
    }
    return source.secret() != null
        ? new EnvFromSourceBuilder()
            .withNewSecretRef()
            .withName(source.secret())
            .endSecretRef()
            .build()
        : new EnvFromSourceBuilder()
            .withNewConfigMapRef()
            .withName(source.configMap())
            .endConfigMapRef()
            .build();
  }

  /**
   * The Job's newest pod. Owned by this Job, not only labelled with its name: the pods of an
   * earlier Job of the same name may still be going away after a background delete.
   */
  private Pod newestPod(String target, String namespace, Job job, String what) {
    String uid = job.getMetadata().getUid();
    List<Pod> pods =
        call(
            () ->
                clients
                    .get(target)
                    .pods()
                    .inNamespace(namespace)
                    .withLabel(JOB_NAME_LABEL, job.getMetadata().getName())
                    .list()
                    .getItems(),
            "list the pods of",
            what,
            namespace);
    return pods.stream()
        .filter(
            pod ->
                pod.getMetadata().getOwnerReferences() != null
                    && pod.getMetadata().getOwnerReferences().stream()
                        .anyMatch(owner -> Objects.equals(uid, owner.getUid())))
        .max(Comparator.comparing(LiveJobs::created))
        .orElse(null);
  }

  private static Instant created(Pod pod) {
    String timestamp = pod.getMetadata().getCreationTimestamp();
    return timestamp == null ? Instant.EPOCH : Instant.parse(timestamp);
  }

  private static ContainerStatus container(Pod pod) {
    if (pod == null || pod.getStatus() == null || pod.getStatus().getContainerStatuses() == null) {
      return null;
    }
    return pod.getStatus().getContainerStatuses().stream()
        .filter(status -> CONTAINER.equals(status.getName()))
        .findFirst()
        .orElse(null);
  }

  private static boolean started(ContainerStatus container) {
    return container != null
        && container.getState() != null
        && (container.getState().getRunning() != null
            || container.getState().getTerminated() != null);
  }

  private static boolean succeeded(Job job) {
    Integer succeeded = job.getStatus() == null ? null : job.getStatus().getSucceeded();
    return (succeeded != null && succeeded >= 1) || condition(job, "Complete") != null;
  }

  private static JobCondition condition(Job job, String type) {
    if (job.getStatus() == null || job.getStatus().getConditions() == null) {
      return null;
    }
    return job.getStatus().getConditions().stream()
        .filter(c -> type.equals(c.getType()) && "True".equals(c.getStatus()))
        .findFirst()
        .orElse(null);
  }

  /**
   * The last {@code limit} bytes of the step container's log. The API's limitBytes keeps the start
   * of a log, not its end, so the tail is cut here: the server sends at most {@code limit + 1}
   * lines (enough to hold the last {@code limit} bytes) and only the last {@code limit} bytes read
   * are kept, however long the lines.
   */
  private LogTail readLog(String target, String namespace, String pod, int limit)
      throws IOException {
    try (InputStream log =
        clients
            .get(target)
            .pods()
            .inNamespace(namespace)
            .withName(pod)
            // Named, because a mesh may have added a sidecar: the API refuses a log request
            // without a container name when a pod has more than one.
            .inContainer(CONTAINER)
            .tailingLines(limit + 1)
            .getLogInputStream()) {
      return LogTail.of(log, limit);
    }
  }

  /** The end of a log, decoded from a whole UTF-8 character on. */
  record LogTail(String text, boolean truncated) {

    static LogTail of(InputStream in, int limit) throws IOException {
      byte[] buffer = new byte[Math.max(2 * limit, 8192)];
      int size = 0;
      boolean cut = false;
      int read;
      while ((read = in.read(buffer, size, buffer.length - size)) != -1) {
        size += read;
        if (size == buffer.length) {
          System.arraycopy(buffer, size - limit, buffer, 0, limit);
          size = limit;
          cut = true;
        }
      }
      int start = Math.max(0, size - limit);
      cut |= start > 0;
      while (cut && start < size && (buffer[start] & 0xC0) == 0x80) {
        start++; // a continuation byte: the rest of a character cut in two
      }
      return new LogTail(new String(buffer, start, size - start, StandardCharsets.UTF_8), cut);
    }
  }

  private ScalableResource<Job> job(String target, String namespace, String name) {
    return clients.get(target).batch().v1().jobs().inNamespace(namespace).withName(name);
  }

  private static Map<String, String> labels(Job job) {
    return job.getMetadata().getLabels() == null ? Map.of() : job.getMetadata().getLabels();
  }

  private static <T> T call(Supplier<T> request, String action, String what, String namespace) {
    try {
      return request.get();
    } catch (KubernetesClientException failure) {
      throw ApiErrors.translate(failure, action, what, namespace);
    }
  }

  private static String join(String reason, String message) {
    if (reason == null || reason.isEmpty()) {
      return message;
    }
    return message == null || message.isEmpty() ? reason : reason + ": " + message;
  }

  private static String where(String target, String namespace, String name) {
    return "Job/" + name + " in namespace " + namespace + " on target " + target;
  }

  private static String labelSafe(String part) {
    return part.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9-]", "-");
  }

  private static String trimDashes(String name) {
    return name.replaceAll("-+$", "");
  }

  private static byte[] sha256(String text) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException failure) {
      throw new IllegalStateException("every Java runtime has SHA-256", failure);
    }
  }
}
