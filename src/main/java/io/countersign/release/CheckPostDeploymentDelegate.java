package io.countersign.release;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.evidencecheck.EvidenceChecker;
import io.countersign.evidencecheck.EvidenceChecker.Verdict;
import io.countersign.manifest.ReleaseManifest.EvidenceItem;
import io.countersign.process.StepOutcome;
import io.countersign.process.Variables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.stereotype.Component;

/**
 * Post-deployment checkpoint, after the health checks, smoke tests and the metrics bake window have
 * passed: the evidence release-policy.dmn requires after deploying (e.g. a post-release k6 run) has
 * been posted by the requester ({@code POST /api/releases/{id}/post-deployment-evidence}), and
 * every item is fetched, its digest recomputed and its content read against the policy's
 * thresholds, as at the pre-deployment checkpoint. Until every required type is posted the release
 * waits (status {@code awaiting-evidence}, woken by each post); a failing item rolls it back, and
 * so does the deadline (as an end listener on the model's deadline end).
 *
 * <p>What was posted is read from the release's evidence chain, entries Countersign signed, not
 * from a variable: rows written past the API are left out.
 */
@Component("checkPostDeployment")
class CheckPostDeploymentDelegate implements JavaDelegate, ExecutionListener {
  static final String STEP = "checkPostDeployment";
  static final String POSTED = "post-deployment-evidence-posted";
  static final String CHECKPOINT = "checkpoint-post-deployment";

  private final EvidenceLog evidence;
  private final EvidenceChecker checker;
  private final ReleaseStatus status;

  CheckPostDeploymentDelegate(EvidenceLog evidence, EvidenceChecker checker, ReleaseStatus status) {
    this.evidence = evidence;
    this.checker = checker;
    this.status = status;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    // Serializes with a post in flight: it commits before we read, or waits until we are waiting.
    evidence.lockChain(releaseId);
    List<String> required = required(execution);
    Map<String, EvidenceItem> posted = posted(releaseId);
    List<String> missing = required.stream().filter(type -> !posted.containsKey(type)).toList();
    if (!missing.isEmpty()) {
      status.set(
          execution,
          "awaiting-evidence",
          "Deployed and verified; waiting for post-deployment evidence "
              + String.join(", ", missing)
              + " (POST /api/releases/"
              + releaseId
              + "/post-deployment-evidence) within "
              + execution.getVariable(Variables.POST_DEPLOYMENT_EVIDENCE_WITHIN)
              + " of reaching this checkpoint, or it is rolled back");
      StepOutcome.running(Duration.ZERO).record(execution, STEP);
      return;
    }
    Map<String, Map<String, Object>> policy = SignedPolicy.of(evidence, releaseId).evidenceChecks();
    List<Verdict> verdicts = new ArrayList<>();
    for (String type : required) {
      verdicts.add(
          checker.check(
              posted.get(type),
              EvidenceChecker.thresholds(policy == null ? null : policy.get(type))));
    }
    List<Verdict> unreachable = verdicts.stream().filter(Verdict::retryable).toList();
    if (!unreachable.isEmpty() && !CheckEvidenceDelegate.lastAttempt(execution)) {
      throw new IllegalStateException(
          "post-deployment evidence did not answer, trying again: "
              + String.join("; ", unreachable.stream().map(EvidenceChecker::reason).toList()));
    }
    List<Verdict> failed = verdicts.stream().filter(v -> !v.passed()).toList();
    if (failed.isEmpty()) {
      StepOutcome.done().record(execution, STEP);
    } else {
      String reason =
          "Failed at the post-deployment checkpoint: "
              + String.join("; ", failed.stream().map(EvidenceChecker::reason).toList());
      StepOutcome.failed(reason).record(execution, STEP);
    }
    record(releaseId, required, List.of(), verdicts, failed.isEmpty());
  }

  /** The deadline passed with evidence still missing: record it; the end event rolls back. */
  @Override
  public void notify(DelegateExecution execution) {
    String releaseId = execution.getProcessBusinessKey();
    List<String> required = required(execution);
    Map<String, EvidenceItem> posted = posted(releaseId);
    List<String> missing = required.stream().filter(type -> !posted.containsKey(type)).toList();
    Object within = execution.getVariable(Variables.POST_DEPLOYMENT_EVIDENCE_WITHIN);
    // Everything posted but still not checked: its source kept failing past the deadline.
    execution.setVariable(
        Variables.FAILURE_REASON,
        missing.isEmpty()
            ? "Failed at the post-deployment checkpoint: the posted evidence could not be checked"
                + " within "
                + within
            : "Failed at the post-deployment checkpoint: evidence "
                + String.join(", ", missing)
                + " not posted within "
                + within);
    record(releaseId, required, missing, List.of(), false);
  }

  private void record(
      String releaseId,
      List<String> required,
      List<String> missing,
      List<Verdict> verdicts,
      boolean passed) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("required", required);
    payload.put("missing", missing);
    payload.put("source", checker.mode());
    payload.put("checks", verdicts.stream().map(Verdict::asMap).toList());
    payload.put("passed", passed);
    evidence.record(releaseId, CHECKPOINT, "countersign", payload);
  }

  /**
   * What the policy requires after deploying, from its signed entry: a variable can be written past
   * the API.
   */
  private List<String> required(DelegateExecution execution) {
    return SignedPolicy.of(evidence, execution.getProcessBusinessKey())
        .names("requiredPostDeploymentEvidence");
  }

  /** The latest posted item of each type. */
  private Map<String, EvidenceItem> posted(String releaseId) {
    Map<String, EvidenceItem> items = new LinkedHashMap<>();
    for (EvidenceEntry entry : evidence.authentic(releaseId, POSTED)) {
      for (JsonNode item : entry.payload().path("items")) {
        String type = item.path("type").asText();
        items.put(
            type,
            new EvidenceItem(type, item.path("location").asText(), item.path("sha256").asText()));
      }
    }
    return items;
  }
}
