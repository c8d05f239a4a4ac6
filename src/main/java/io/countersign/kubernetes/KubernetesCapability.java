package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.countersign.process.TargetCapability;
import io.countersign.process.Variables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Rollouts of Deployments and StatefulSets in a configured cluster, awaited and undone on rollback.
 */
@Component
@Order(500)
class KubernetesCapability implements TargetCapability {
  static final ManifestSection<KubernetesChange> SECTION =
      ManifestSection.typed("kubernetes", KubernetesChange.class, ReleaseManifest::kubernetes);

  /** Only a look: no rollout runs, the deadline the status call asks for is never reached. */
  private static final Duration HOUR = Duration.ofHours(1);

  private final KubernetesManifestCheck check;
  private final KubernetesTarget target;

  KubernetesCapability(KubernetesManifestCheck check, KubernetesTarget target) {
    this.check = check;
    this.target = target;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return manifest.hasKubernetes();
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main("rolloutKubernetes"), Step.main("awaitRollout"), Step.undo("undoRollout"));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    if (!manifest.hasKubernetes()) {
      return List.of();
    }
    KubernetesChange kubernetes = manifest.kubernetes();
    return kubernetes.workloads().stream()
        .map(
            w ->
                "Roll out "
                    + w.kind()
                    + " "
                    + kubernetes.namespace()
                    + "/"
                    + w.name()
                    + ": "
                    + String.join(
                        ", ",
                        w.containers().stream().map(c -> c.name() + "=" + c.image()).toList()))
        .toList();
  }

  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    if (!manifest.hasKubernetes()) {
      return List.of();
    }
    KubernetesChange kubernetes = manifest.kubernetes();
    // One handler per workload rolled out (a multi-instance); the plan does not promise their
    // order.
    return List.of(
        "Undo the rollout of "
            + String.join(
                ", ",
                kubernetes.workloads().stream()
                    .map(w -> w.kind() + " " + kubernetes.namespace() + "/" + w.name())
                    .toList())
            + ": put back the images each ran before");
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    return List.of();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(Variables.HAS_KUBERNETES, manifest.hasKubernetes());
    // The deploy model's multi-instance collection and the rollout deadline its boundary timer
    // reads.
    variables.put(
        Variables.K8S_WORKLOADS,
        manifest.hasKubernetes()
            ? new ArrayList<>(
                manifest.kubernetes().workloads().stream()
                    .map(w -> w.kind() + "/" + w.name())
                    .toList())
            : new ArrayList<String>());
    variables.put(
        Variables.KUBERNETES_TIMEOUT,
        manifest.hasKubernetes() ? manifest.kubernetes().timeoutOrDefault() : "PT10M");
    return variables;
  }

  @Override
  public List<String> recordedVariables() {
    return List.of(Variables.K8S_PREVIOUS_IMAGES, Variables.K8S_UNDONE);
  }

  /**
   * Reads each workload's rollout status: it exists in the namespace and the cluster answers. A
   * workload whose own rollout is failing is recorded, not refused: the release may be its fix.
   */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    KubernetesChange kubernetes = manifest.kubernetes();
    List<Finding> findings = new ArrayList<>();
    for (Workload workload : kubernetes.workloads()) {
      String subject = "Kubernetes " + kubernetes.namespace() + "/" + Workloads.key(workload);
      try {
        KubernetesTarget.RolloutStatus status =
            target.status(
                kubernetes.target(), kubernetes.namespace(), workload, Instant.now().plus(HOUR));
        findings.add(
            Finding.passed(
                subject,
                status.state()
                    + ", "
                    + status.available()
                    + "/"
                    + status.desired()
                    + " available"
                    + (status.message() == null ? "" : " (" + status.message() + ")")));
      } catch (TargetRefusedException refused) {
        findings.add(Finding.failed(subject, refused.getMessage()));
      }
    }
    return findings;
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return Map.of(Variables.HAS_KUBERNETES, manifest.hasKubernetes());
  }
}
