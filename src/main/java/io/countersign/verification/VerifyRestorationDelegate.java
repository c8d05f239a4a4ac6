package io.countersign.verification;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.DataCheck;
import io.countersign.manifest.ReleaseManifest.HttpCheck;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import io.countersign.verification.DataChecks.Phase;
import io.countersign.verification.VerificationTarget.CheckResult;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.spin.json.SpinJsonNode;
import org.springframework.stereotype.Component;

/**
 * After rollback: runs the health checks and the data checks meant for after a rollback again, and
 * records them with what the rollback undid. The model's gateway reads {@link
 * Variables#RESTORATION_VERIFIED}; a failure here is for people to act on, not another rollback, so
 * it is a variable rather than a BpmnError (an uncaught one would quietly end the process).
 */
@Component("verifyRestoration")
class VerifyRestorationDelegate implements JavaDelegate {
  static final String STEP = "verifyRestoration";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final HttpChecks checks;
  private final DataChecks dataChecks;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;

  /**
   * What the act steps recorded as changed and the compensation handlers as undone, as each target
   * declares.
   */
  private final List<String> recorded;

  VerifyRestorationDelegate(
      HttpChecks checks,
      DataChecks dataChecks,
      EvidenceLog evidence,
      ManifestStore manifests,
      TargetRegistry targets) {
    this.recorded = targets.recordedVariables();
    this.checks = checks;
    this.dataChecks = dataChecks;
    this.evidence = evidence;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.forStep(execution);
    String releaseId = StepSupport.releaseId(execution);
    List<HttpCheck> healthChecks =
        manifest.verification() == null ? List.of() : manifest.verification().healthChecks();
    List<Map<String, Object>> results = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    for (HttpCheck check : healthChecks) {
      CheckResult result = checks.run(check, manifest.environment());
      results.add(HttpChecks.payload("health-check", result));
      if (!result.passed()) {
        failures.add(result.name() + ": " + result.detail());
      }
    }
    List<DataCheck> data = DataChecks.of(manifest, Phase.AFTER_ROLLBACK);
    List<DataChecks.Result> dataResults = dataChecks.run(manifest, Phase.AFTER_ROLLBACK);
    List<Map<String, Object>> dataPayloads = new ArrayList<>();
    for (int i = 0; i < dataResults.size(); i++) {
      DataChecks.Result result = dataResults.get(i);
      dataPayloads.add(DataChecks.payload(Phase.AFTER_ROLLBACK, data.get(i), result));
      if (!result.passed()) {
        failures.add("data-check " + result.name() + ": " + result.detail());
      }
    }
    Map<String, Object> undone = new LinkedHashMap<>();
    for (String name : recorded) {
      Object value = plain(execution.getVariable(name));
      if (value != null) {
        undone.put(name, value);
      }
    }
    evidence.record(
        releaseId,
        "restoration-verified",
        StepSupport.ACTOR,
        StepSupport.payload(
            "passed",
            failures.isEmpty(),
            "checks",
            results,
            "dataChecks",
            dataPayloads.isEmpty() ? null : dataPayloads,
            "whatWasUndone",
            undone,
            "note",
            healthChecks.isEmpty() && data.isEmpty()
                ? "the manifest has no health checks or data checks; nothing was re-checked"
                : null));
    execution.setVariable(Variables.RESTORATION_VERIFIED, failures.isEmpty());
    if (!failures.isEmpty()) {
      execution.setVariable(
          Variables.FAILURE_REASON,
          "restoration not verified after rollback: " + String.join("; ", failures));
    }
  }

  /** A variable's value as plain JSON-ready data for evidence, whoever wrote it and however. */
  private static Object plain(Object value) {
    if (value == null
        || value instanceof String
        || value instanceof Number
        || value instanceof Boolean
        || value instanceof Map
        || value instanceof Collection) {
      return value;
    }
    if (value instanceof SpinJsonNode) {
      try {
        return JSON.readTree(value.toString());
      } catch (JsonProcessingException e) {
        throw new IllegalStateException(
            "a JSON variable does not parse: " + e.getOriginalMessage(), e);
      }
    }
    return value.toString();
  }
}
