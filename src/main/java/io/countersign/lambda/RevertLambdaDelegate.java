package io.countersign.lambda;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Event;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.StepStart;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Compensation of deployLambda: moves every alias deployLambda touched back to the version it
 * recorded, with the routing weights cleared (an alias already there is left alone). Never throws
 * BpmnError (rollback must not branch); a failure to reach AWS is an ordinary, retried exception.
 */
@Component("revertLambda")
class RevertLambdaDelegate implements JavaDelegate {
  static final String STEP = "revertLambda";

  private final LambdaRollout rollout;
  private final EvidenceLog evidence;
  private final StepStart start;

  RevertLambdaDelegate(LambdaRollout rollout, EvidenceLog evidence, StepStart start) {
    this.rollout = rollout;
    this.evidence = evidence;
    this.start = start;
  }

  @Override
  public void execute(DelegateExecution execution) {
    StepStart.Started started =
        start.beginUndo(
            execution, STEP, m -> !m.hasLambda(), "the manifest has no lambda functions");
    if (started == null) {
      return;
    }
    ReleaseManifest manifest = started.manifest();
    String releaseId = started.releaseId();
    Map<String, Object> previousVersions =
        StepSupport.readMap(execution, Variables.LAMBDA_PREVIOUS_VERSIONS);
    List<String> reverted = StepSupport.readList(execution, Variables.LAMBDA_REVERTED);
    // The engine calls this handler once per completed multi-instance element, but in Camunda 7.24
    // every call sees the LAST element in the element variable (see LambdaCompensationEngineTest).
    // So the first call reverts everything recorded, last deployed first, and later calls find
    // nothing left to do.
    List<String> names = new ArrayList<>(previousVersions.keySet());
    Collections.reverse(names);
    for (String name : names) {
      if (reverted.contains(name)) {
        continue; // by an earlier call
      }
      LambdaFunction function = DeployLambdaDelegate.find(manifest, name);
      String previousVersion = String.valueOf(previousVersions.get(name));
      Event event =
          rollout.revert(releaseId, manifest.lambda().target(), function, previousVersion);
      reverted.add(name);
      execution.setVariable(Variables.LAMBDA_REVERTED, StepSupport.json(reverted));
      evidence.record(releaseId, event.type(), StepSupport.ACTOR, event.payload());
    }
  }
}
