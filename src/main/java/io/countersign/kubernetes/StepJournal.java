package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.StepSupport;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.stereotype.Component;

/**
 * What each Kubernetes step did, kept in the release's signed evidence and read back from there
 * only: the objects it touched with their previous state, its Jobs, the phase it reached, whether
 * it was undone. Process variables hold none of it, so a database user who rewrites variables
 * cannot make a rollback restore something else, skip a step's undo or cut a canary's analysis
 * short; rows written past the server fail {@link EvidenceLog#authentic}.
 */
@Component
class StepJournal {
  /** A step acted: its objects' previous state, its Job, its deadline. */
  static final String STARTED = "kubernetes-step-started";

  /** A step moved to its next phase (a migration's revision kept, a canary promoted). */
  static final String PROGRESS = "kubernetes-step-progress";

  /** A step finished: done or failed, with its Job's exit code and log. */
  static final String FINISHED = "kubernetes-step-finished";

  /** A step's undo finished: restored, or failed. */
  static final String UNDONE = "kubernetes-step-undone";

  /** An after-rollback check ran. */
  static final String CHECKED = "kubernetes-check-after-rollback";

  private final EvidenceLog evidence;

  StepJournal(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  void record(String releaseId, String type, String step, Object... keysAndValues) {
    Object[] all = new Object[keysAndValues.length + 2];
    all[0] = "step";
    all[1] = step;
    System.arraycopy(keysAndValues, 0, all, 2, keysAndValues.length);
    Map<String, Object> payload = StepSupport.payload(all);
    evidence.record(releaseId, type, StepSupport.ACTOR, payload);
  }

  /** The step's latest authentic entry of {@code type}. */
  Optional<JsonNode> latest(String releaseId, String type, String step) {
    List<JsonNode> entries = all(releaseId, type, step);
    return entries.isEmpty() ? Optional.empty() : Optional.of(entries.get(entries.size() - 1));
  }

  /** The step's authentic entries of {@code type}, oldest first. */
  List<JsonNode> all(String releaseId, String type, String step) {
    List<JsonNode> payloads = new ArrayList<>();
    for (EvidenceEntry entry : evidence.authentic(releaseId, type)) {
      if (step.equals(entry.payload().path("step").asText(null))) {
        payloads.add(entry.payload());
      }
    }
    return payloads;
  }

  /** The steps that acted, in the order they started. */
  List<String> started(String releaseId) {
    List<String> steps = new ArrayList<>();
    for (EvidenceEntry entry : evidence.authentic(releaseId, STARTED)) {
      String step = entry.payload().path("step").asText();
      if (!steps.contains(step)) {
        steps.add(step);
      }
    }
    return steps;
  }
}
