package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.KubernetesTarget.Rollout;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.Container;
import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.manifest.ReleaseManifest.Workload;
import io.countersign.process.Attempts;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * One instance of the sequential multi-instance over {@link Variables#K8S_WORKLOADS}: starts one
 * rollout. Its outcome (done, or failed) is what the gateway after the "Roll out workloads"
 * subprocess reads.
 */
@Component("rolloutKubernetes")
class RolloutKubernetesDelegate implements JavaDelegate {
  static final String STEP = "rolloutKubernetes";

  private final KubernetesTarget target;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  RolloutKubernetesDelegate(
      KubernetesTarget target, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.target = target;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.begin(
            execution, STEP, m -> !m.hasKubernetes(), "the manifest has no kubernetes workloads");
    if (started == null) {
      StepOutcome.done().record(execution, STEP);
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    String key = (String) execution.getVariable(Variables.K8S_WORKLOAD);
    Workload workload = Workloads.find(manifest, key);
    Map<String, Object> previousImages =
        StepSupport.readMap(execution, Variables.K8S_PREVIOUS_IMAGES);
    if (previousImages.containsKey(key)) {
      StepOutcome.done().record(execution, STEP);
      return; // rolled out by an earlier run of this job; the first previous images are the ones to
      // keep
    }
    KubernetesChange kubernetes = manifest.kubernetes();
    Rollout rollout;
    try {
      // Interrupted: applying again is the check. The patch names only images that differ, and the
      // workload's annotation keeps the images this release replaced, so no second change and the
      // same previous images.
      rollout =
          attempts.once(
              new Attempts.Call(releaseId, STEP, kubernetes.target(), key, "set images"),
              Rollout.class,
              () ->
                  target.rollout(releaseId, kubernetes.target(), kubernetes.namespace(), workload),
              Attempts.Interrupted.repeat(
                  () ->
                      target.rollout(
                          releaseId, kubernetes.target(), kubernetes.namespace(), workload),
                  "applied again: images already set are left, the previous images come from"
                      + " the workload's rollout annotation"));
    } catch (TargetRefusedException e) {
      throw StepSupport.fail(execution, STEP, "Kubernetes rollout refused: " + e.getMessage());
    }
    previousImages.put(key, rollout.previousImages());
    execution.setVariable(Variables.K8S_PREVIOUS_IMAGES, StepSupport.json(previousImages));
    Map<String, String> images = new LinkedHashMap<>();
    for (Container container : workload.containers()) {
      images.put(container.name(), container.image());
    }
    evidence.record(
        releaseId,
        "kubernetes-rollout",
        StepSupport.ACTOR,
        StepSupport.payload(
            "target",
            kubernetes.target(),
            "namespace",
            kubernetes.namespace(),
            "workload",
            key,
            "images",
            images,
            "previousImages",
            rollout.previousImages(),
            "dryRun",
            rollout.dryRun(),
            "plan",
            rollout.plan()));
    StepOutcome.done().record(execution, STEP);
  }
}
