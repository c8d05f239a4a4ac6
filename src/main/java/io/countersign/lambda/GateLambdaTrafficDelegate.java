package io.countersign.lambda;

import io.countersign.evidence.EvidenceLog;
import io.countersign.lambda.LambdaRollout.Progress;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Between two traffic steps of {@link Variables#LAMBDA_FUNCTION}, and once more after the last
 * step's final hold (at 100 %, for every plan, all-at-once included): asks every {@link
 * TrafficGate} whether the new version may get more traffic, or keep all of it. A failed gate is
 * the step's failure (BpmnError), so the rollback moves the alias back and clears the weights. Does
 * nothing unless the function is shifting.
 */
@Component("gateLambdaTraffic")
class GateLambdaTrafficDelegate implements JavaDelegate {
  static final String STEP = "gateLambdaTraffic";

  private final List<TrafficGate> gates;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final LambdaTarget target;

  GateLambdaTrafficDelegate(
      List<TrafficGate> gates, EvidenceLog evidence, ManifestStore manifests, LambdaTarget target) {
    this.gates = gates;
    this.evidence = evidence;
    this.manifests = manifests;
    this.target = target;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.forStep(execution);
    if (!manifest.hasLambda()) {
      return;
    }
    LambdaFunction function =
        DeployLambdaDelegate.find(
            manifest, (String) execution.getVariable(Variables.LAMBDA_FUNCTION));
    Progress progress = DeployLambdaDelegate.progress(execution, function.name());
    boolean last = progress != null && progress.phase().equals(LambdaRollout.SHIFTED);
    if (progress == null || !(last || progress.phase().equals(LambdaRollout.SHIFTING))) {
      return; // nothing is shifting: no traffic to judge
    }
    String releaseId = StepSupport.releaseId(execution);
    TrafficPlan plan = TrafficPlan.parse(function.trafficOrDefault());
    int percent = plan.step(progress.step()).percent();
    List<Map<String, Object>> results = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    // A dry run moved no traffic: the gates would judge the version before it, so they are not
    // asked (as between a dry run's steps, which it walks at once).
    for (TrafficGate gate : target.dryRun() ? List.<TrafficGate>of() : gates) {
      TrafficGate.Result result = gate.check(releaseId, manifest, function.name(), percent);
      results.add(
          StepSupport.payload(
              "gate", gate.name(), "passed", result.passed(), "detail", result.detail()));
      if (!result.passed()) {
        failures.add(gate.name() + ": " + result.detail());
      }
    }
    evidence.record(
        releaseId,
        "lambda-traffic-gate",
        StepSupport.ACTOR,
        StepSupport.payload(
            "function",
            function.name(),
            "alias",
            function.aliasOrDefault(),
            "version",
            progress.newVersion(),
            "percent",
            percent,
            "step",
            progress.step() + 1,
            "of",
            plan.size(),
            "final",
            last,
            "passed",
            failures.isEmpty(),
            "gates",
            target.dryRun()
                ? "dry-run: would ask " + gates.size() + " gate(s)"
                : results.isEmpty() ? "none configured" : results));
    if (!failures.isEmpty()) {
      throw StepSupport.fail(
          execution,
          STEP,
          "Traffic gate failed for function "
              + function.name()
              + " at "
              + percent
              + " %: "
              + String.join("; ", failures));
    }
  }
}
