package io.countersign.kubernetes;

import io.countersign.evidence.EvidenceLog;
import io.countersign.kubernetes.KubernetesTarget.Rollout;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.KubernetesChange;
import io.countersign.process.Attempts;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation of rolloutKubernetes: sets back the images rolloutKubernetes recorded. Never throws
 * BpmnError (rollback must not branch); a failure to reach the cluster is an ordinary, retried
 * exception.
 */
@Component("undoRollout")
class UndoRolloutDelegate implements JavaDelegate {
  static final String STEP = "undoRollout";

  private final KubernetesTarget target;
  private final EvidenceLog evidence;
  private final StepStart start;
  private final Attempts attempts;

  UndoRolloutDelegate(
      KubernetesTarget target, EvidenceLog evidence, StepStart start, Attempts attempts) {
    this.target = target;
    this.evidence = evidence;
    this.start = start;
    this.attempts = attempts;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.beginUndo(
            execution, STEP, m -> !m.hasKubernetes(), "the manifest has no kubernetes workloads");
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    Map<String, Object> previousImages =
        StepSupport.readMap(execution, Variables.K8S_PREVIOUS_IMAGES);
    List<String> undone = StepSupport.readList(execution, Variables.K8S_UNDONE);
    // The engine calls this handler once per completed multi-instance element, but in Camunda 7.24
    // every call sees the LAST element in the element variable. So the first call undoes everything
    // recorded, last rolled out first, and later calls find nothing left to do.
    List<String> keys = new ArrayList<>(previousImages.keySet());
    Collections.reverse(keys);
    KubernetesChange kubernetes = manifest.kubernetes();
    for (String key : keys) {
      if (!(previousImages.get(key) instanceof Map<?, ?> recorded) || undone.contains(key)) {
        continue; // undone by an earlier call
      }
      Map<String, String> images = new LinkedHashMap<>();
      recorded.forEach(
          (container, image) -> images.put(String.valueOf(container), String.valueOf(image)));
      Supplier<Rollout> call =
          () ->
              target.undo(
                  releaseId,
                  kubernetes.target(),
                  kubernetes.namespace(),
                  Workloads.find(manifest, key),
                  images);
      Rollout undo =
          attempts.once(
              new Attempts.Call(releaseId, STEP, kubernetes.target(), key, "set images back"),
              Rollout.class,
              call,
              Attempts.Interrupted.repeat(
                  call,
                  "set back again: images already back are left, the replaced images come from"
                      + " the workload's rollout annotation"));
      undone.add(key);
      execution.setVariable(Variables.K8S_UNDONE, StepSupport.json(undone));
      evidence.record(
          releaseId,
          "kubernetes-undone",
          StepSupport.ACTOR,
          StepSupport.payload(
              "target",
              kubernetes.target(),
              "namespace",
              kubernetes.namespace(),
              "workload",
              key,
              "restoredImages",
              images,
              "replacedImages",
              undo.previousImages(),
              "dryRun",
              undo.dryRun(),
              "plan",
              undo.plan()));
    }
  }
}
