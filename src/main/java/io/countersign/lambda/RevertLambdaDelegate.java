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
 * recorded, with the routing weights cleared (an alias already there is left alone), then gives
 * {@code $LATEST} back the configuration of that version where this release changed it. Never
 * throws BpmnError (rollback must not branch); a failure to reach AWS is an ordinary, retried
 * exception.
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
    List<String> configured = StepSupport.readList(execution, Variables.LAMBDA_CONFIGURED);
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
      // After the alias is back: the traffic runs the previous version, with its own configuration,
      // whatever $LATEST holds meanwhile. So the restore need not be waited for here; the next
      // release's update finds it ended (or retries on Lambda's conflict until it has).
      Event restored =
          configured.contains(name) && function.configuration() != null
              ? rollout.restoreConfiguration(
                  releaseId, manifest.lambda().target(), function, previousVersion)
              : null;
      reverted.add(name);
      execution.setVariable(Variables.LAMBDA_REVERTED, StepSupport.json(reverted));
      evidence.record(releaseId, event.type(), StepSupport.ACTOR, event.payload());
      if (restored != null) {
        evidence.record(releaseId, restored.type(), StepSupport.ACTOR, restored.payload());
      }
    }
  }
}
