package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.evidencecheck.EvidenceChecker;
import io.countersign.evidencecheck.EvidenceChecker.Verdict;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.runtime.Job;
import org.springframework.stereotype.Component;

/**
 * Pre-deployment checkpoint: the release was promoted as the policy requires (see {@link
 * Promotions}), every evidence type the policy requires is attached, and every attached item is
 * fetched, its SHA-256 recomputed and compared with the signed manifest's, and its content read
 * against the policy's thresholds ({@code evidenceChecks}). A missing, tampered, unreadable or
 * failing item holds the release with the reason; an item that did not answer is asked again by the
 * job's retries, and holds the release only on the last attempt. Verdicts and figures go into the
 * evidence and onto the sign-off form ({@code evidenceList}).
 */
@Component("checkEvidence")
class CheckEvidenceDelegate implements JavaDelegate {

  private final EvidenceLog evidence;
  private final ReleaseStatus status;
  private final ManifestStore manifests;
  private final EvidenceChecker checker;
  private final Promotions promotions;

  CheckEvidenceDelegate(
      EvidenceLog evidence,
      ReleaseStatus status,
      ManifestStore manifests,
      EvidenceChecker checker,
      Promotions promotions) {
    this.evidence = evidence;
    this.status = status;
    this.manifests = manifests;
    this.checker = checker;
    this.promotions = promotions;
  }

  @Override
  public void execute(DelegateExecution execution) {
    ReleaseManifest manifest = manifests.submitted(execution.getProcessBusinessKey()).manifest();
    // What the policy decided, from its signed entry: a variable can be written past the API.
    SignedPolicy applied = SignedPolicy.of(evidence, execution.getProcessBusinessKey());
    List<String> required = applied.names("requiredEvidence");
    Map<String, Map<String, Object>> policy = applied.evidenceChecks();
    Map<String, ReleaseManifest.EvidenceItem> attached = new LinkedHashMap<>();
    manifest.evidence().forEach(item -> attached.put(item.type(), item));
    List<String> missing = new ArrayList<>();
    for (String type : required == null ? List.<String>of() : required) {
      if (!attached.containsKey(type)) {
        missing.add(type);
      }
    }
    List<Verdict> verdicts = new ArrayList<>();
    for (ReleaseManifest.EvidenceItem item : attached.values()) {
      verdicts.add(
          checker.check(
              item, EvidenceChecker.thresholds(policy == null ? null : policy.get(item.type()))));
    }
    List<Verdict> unreachable = verdicts.stream().filter(Verdict::retryable).toList();
    if (!unreachable.isEmpty() && !lastAttempt(execution)) {
      // The job's retry asks again later; nothing is recorded until the outcome is known.
      throw new IllegalStateException(
          "evidence did not answer, trying again: "
              + String.join("; ", unreachable.stream().map(EvidenceChecker::reason).toList()));
    }
    List<Verdict> failed = verdicts.stream().filter(v -> !v.passed()).toList();
    String promoteFrom = applied.text("promoteFrom");
    Promotions.Promotion promotion =
        promoteFrom == null
            ? null
            : promotions.check(
                execution.getProcessBusinessKey(),
                manifest,
                promoteFrom,
                Duration.parse(Objects.requireNonNullElse(applied.text("minimumSoak"), "PT0S")),
                Instant.now());
    execution.setVariable(
        Variables.PROMOTION,
        promotion == null ? "Not required for this environment" : promotion.line());
    execution.setVariable(
        Variables.PROMOTED_FROM, promotion == null ? null : promotion.releaseId());
    boolean promoted = promotion == null || promotion.passed();
    boolean passed = missing.isEmpty() && failed.isEmpty() && promoted;
    execution.setVariable(Variables.MISSING_EVIDENCE, missing);
    execution.setVariable(Variables.EVIDENCE_COMPLETE, passed);
    execution.setVariable(Variables.EVIDENCE_LIST, EvidenceChecker.lines(verdicts, missing));
    execution.setVariable(Variables.EVIDENCE_DETAILS, EvidenceChecker.details(verdicts, missing));
    if (!passed) {
      List<String> reasons = new ArrayList<>();
      if (!missing.isEmpty()) {
        reasons.add("missing evidence " + String.join(", ", missing));
      }
      failed.forEach(v -> reasons.add(EvidenceChecker.reason(v)));
      if (!promoted) {
        reasons.add(
            "not promoted from " + promoteFrom + ": " + String.join("; ", promotion.problems()));
      }
      execution.setVariable(Variables.EVIDENCE_HELD_FOR, String.join("; ", reasons));
      status.set(
          execution,
          "requested",
          "Held at the pre-deployment checkpoint: "
              + String.join("; ", reasons)
              + ". Request an emergency override, or cancel and resubmit once it is there.");
    }
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("required", required);
    payload.put("present", required == null ? List.of() : present(required, attached));
    payload.put("missing", missing);
    payload.put("source", checker.mode());
    payload.put("checks", verdicts.stream().map(Verdict::asMap).toList());
    payload.put("promotion", promotion == null ? null : promotion.asMap());
    payload.put("passed", passed);
    evidence.record(
        execution.getProcessBusinessKey(), "checkpoint-pre-deployment", "countersign", payload);
  }

  private static List<Map<String, Object>> present(
      List<String> required, Map<String, ReleaseManifest.EvidenceItem> attached) {
    List<Map<String, Object>> present = new ArrayList<>();
    for (String type : required) {
      ReleaseManifest.EvidenceItem item = attached.get(type);
      if (item != null) {
        present.add(Map.of("type", type, "location", item.location(), "sha256", item.sha256()));
      }
    }
    return present;
  }

  /** Whether this run of the step's job is its last (no retry left if it fails). */
  static boolean lastAttempt(DelegateExecution execution) {
    Job job =
        execution
            .getProcessEngineServices()
            .getManagementService()
            .createJobQuery()
            .processInstanceId(execution.getProcessInstanceId())
            .activityId(execution.getCurrentActivityId())
            .singleResult();
    return job == null || job.getRetries() <= 1;
  }
}
