package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.identity.Groups;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ReleaseManifest.EvidenceItem;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import io.countersign.signoff.Overrides;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.MismatchingMessageCorrelationException;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Requests on a running release: each is a message to the process, accepted only where the model
 * waits for it.
 */
@Service
class ReleaseActions {
  enum Kind {
    ACCEPTED,
    NOT_FOUND,
    FORBIDDEN,
    CONFLICT
  }

  record Outcome(Kind kind, String releaseId, String message) {}

  /** The statuses in which post-deployment evidence is taken (with no checkpoint decided yet). */
  private static final Set<String> POSTING_STATUSES =
      Set.of("deploying", "verifying", "awaiting-evidence");

  /** deploy.bpmn's message that wakes a waiting post-deployment checkpoint. */
  static final String EVIDENCE_POSTED = "postDeploymentEvidencePosted";

  private final ReleaseRepository releases;
  private final RuntimeService runtime;
  private final TaskService tasks;
  private final EvidenceLog evidence;
  private final Overrides overrides;
  private final ManifestStore manifests;

  ReleaseActions(
      ReleaseRepository releases,
      RuntimeService runtime,
      TaskService tasks,
      EvidenceLog evidence,
      Overrides overrides,
      ManifestStore manifests) {
    this.releases = releases;
    this.runtime = runtime;
    this.tasks = tasks;
    this.evidence = evidence;
    this.overrides = overrides;
    this.manifests = manifests;
  }

  /** The statuses in which the model waits for a cancel. */
  private static final Set<String> CANCELLABLE =
      Set.of("requested", "checking-evidence", "awaiting-sign-off", "awaiting-window");

  /** The bake window and the rollback window after release (whose end the model decides). */
  private static final Set<String> ROLLBACKABLE =
      Set.of("verifying", "awaiting-evidence", "released");

  /** The statuses in which an override can be asked for (checking-evidence: wait for the check). */
  private static final Set<String> OVERRIDABLE =
      Set.of("requested", "awaiting-sign-off", "awaiting-window");

  /**
   * The requests this user may make on a release in its current status, for the console to offer:
   * the same rules the requests themselves apply (which still decide, with the model).
   */
  static List<String> allowed(String requester, String status, String user, Set<String> groups) {
    List<String> allowed = new ArrayList<>();
    if (CANCELLABLE.contains(status) && mayCancel(requester, user, groups)) {
      allowed.add("cancel");
    }
    if (ROLLBACKABLE.contains(status) && mayRollBack(requester, user, groups)) {
      allowed.add("rollback");
    }
    if (OVERRIDABLE.contains(status) && user.equals(requester)) {
      allowed.add("override");
    }
    return allowed;
  }

  private static boolean mayCancel(String requester, String user, Set<String> groups) {
    return user.equals(requester)
        || groups.contains(Groups.RELEASE_MANAGERS)
        || groups.contains(Groups.ADMINS);
  }

  private static boolean mayRollBack(String requester, String user, Set<String> groups) {
    return user.equals(requester)
        || groups.contains(Groups.RELEASE_MANAGERS)
        || groups.contains(Groups.OPERATIONS_LEADS)
        || groups.contains(Groups.ADMINS);
  }

  @Transactional
  Outcome cancel(String id, String reason, String user, Set<String> groups) {
    Optional<ReleaseRepository.ReleaseRow> release = releases.find(id);
    if (release.isEmpty()) {
      return notFound(id);
    }
    if (!mayCancel(release.get().requester(), user, groups)) {
      return new Outcome(
          Kind.FORBIDDEN, id, "Only the requester or a release manager can cancel release " + id);
    }
    return correlate(
        id,
        "cancelRelease",
        Map.of(Variables.CANCEL_REASON, reason, Variables.CANCELLED_BY, user),
        "Release "
            + id
            + " can no longer be cancelled (status "
            + release.get().status()
            + "); once deployment has started, request a rollback instead",
        "Release " + id + " cancelled");
  }

  @Transactional
  Outcome rollback(String id, String reason, String user, Set<String> groups) {
    Optional<ReleaseRepository.ReleaseRow> release = releases.find(id);
    if (release.isEmpty()) {
      return notFound(id);
    }
    if (!mayRollBack(release.get().requester(), user, groups)) {
      return new Outcome(
          Kind.FORBIDDEN,
          id,
          "Only the requester, operations leads or release managers can roll back release " + id);
    }
    evidence.record(id, "rollback-requested", user, Map.of("reason", reason));
    return correlate(
        id,
        "rollbackRequested",
        Map.of(Variables.ROLLBACK_REASON, reason, Variables.ROLLBACK_REQUESTED_BY, user),
        "Release "
            + id
            + " can be rolled back during its bake window or once released, within its rollback window"
            + " (status "
            + release.get().status()
            + ")",
        "Rollback of release " + id + " started");
  }

  @Transactional
  Outcome override(String id, String kind, String reason, String incident, String user) {
    Optional<ReleaseRepository.ReleaseRow> release = releases.find(id);
    if (release.isEmpty()) {
      return notFound(id);
    }
    if (!user.equals(release.get().requester())) {
      return new Outcome(
          Kind.FORBIDDEN, id, "Only the requester of release " + id + " can ask for an override");
    }
    String status = release.get().status();
    if (status.equals("checking-evidence")) {
      return new Outcome(
          Kind.CONFLICT,
          id,
          "Release "
              + id
              + " is still checking its evidence; ask for an override once it is held or awaiting"
              + " sign-off");
    }
    // awaiting-window: an emergency may not wait for the next change window.
    if (!OVERRIDABLE.contains(status)) {
      return new Outcome(
          Kind.CONFLICT,
          id,
          "An override only applies before deployment (status is " + status + ")");
    }
    String instance = release.get().processInstanceId();
    if (Boolean.TRUE.equals(runtime.getVariable(instance, Variables.OVERRIDE_ACTIVE))
        || tasks
                .createTaskQuery()
                .processInstanceId(instance)
                .taskDefinitionKey("decideOverride")
                .count()
            > 0) {
      return new Outcome(
          Kind.CONFLICT, id, "Release " + id + " already has an override pending or granted");
    }
    Duration window = kind.equals("quick") ? Duration.ofMinutes(5) : Duration.ofHours(24);
    String digest = manifests.submitted(id).sha256();
    String requestId = overrides.request(id, kind, window, reason, incident, user, digest);
    evidence.record(
        id,
        "override-requested",
        user,
        Map.of(
            "requestId",
            requestId,
            "kind",
            kind,
            "reason",
            reason,
            "incidentReference",
            incident,
            "manifestSha256",
            digest));
    return correlate(
        id,
        "overrideRequested",
        Map.of(
            Variables.OVERRIDE_KIND, kind,
            Variables.OVERRIDE_WINDOW, window.toString(),
            Variables.OVERRIDE_REASON, reason,
            Variables.OVERRIDE_INCIDENT, incident,
            Variables.OVERRIDE_REQUESTED_BY, user),
        "Release " + id + " cannot take an override now",
        "Override requested for release " + id + "; a release manager decides in Tasklist");
  }

  /**
   * Evidence the policy requires after deploying, posted by the requester (the pipeline that ran,
   * say, k6 against the deployed release) from the start of deployment until the post-deployment
   * checkpoint decides. Recorded in the release's chain, which is what the checkpoint reads; a
   * checkpoint already waiting is woken.
   */
  @Transactional
  Outcome postDeploymentEvidence(String id, List<EvidenceItem> items, String user) {
    Optional<ReleaseRepository.ReleaseRow> release = releases.find(id);
    if (release.isEmpty()) {
      return notFound(id);
    }
    if (!user.equals(release.get().requester())) {
      return new Outcome(
          Kind.FORBIDDEN,
          id,
          "Only the requester of release " + id + " can post its post-deployment evidence");
    }
    String status = release.get().status();
    boolean decided =
        evidence.entries(id).stream()
            .anyMatch(e -> e.type().equals(CheckPostDeploymentDelegate.CHECKPOINT));
    if (!POSTING_STATUSES.contains(status) || decided) {
      return new Outcome(
          Kind.CONFLICT,
          id,
          "Post-deployment evidence is taken once deployment has started and until the"
              + " post-deployment checkpoint has decided (status "
              + status
              + (decided ? ", checkpoint decided" : "")
              + ")");
    }
    // As the checkpoint reads it: the signed policy, not a variable.
    List<String> required = SignedPolicy.of(evidence, id).names("requiredPostDeploymentEvidence");
    List<FieldErrors.FieldError> errors = new ArrayList<>();
    Set<String> seen = new HashSet<>();
    for (int i = 0; i < items.size(); i++) {
      String type = items.get(i).type();
      String path = "$.evidence[" + i + "].type";
      if (!required.contains(type)) {
        errors.add(
            new FieldErrors.FieldError(
                path,
                "the release policy requires no post-deployment evidence of type '"
                    + type
                    + "'"
                    + (required.isEmpty()
                        ? ""
                        : " (it requires " + String.join(", ", required) + ")")));
      } else if (!seen.add(type)) {
        errors.add(new FieldErrors.FieldError(path, "posted twice in this request"));
      }
    }
    if (!errors.isEmpty()) {
      throw InvalidManifestException.ofRequest(errors);
    }
    List<Map<String, Object>> recorded = new ArrayList<>();
    for (EvidenceItem item : items) {
      recorded.add(
          Map.of("type", item.type(), "location", item.location(), "sha256", item.sha256()));
    }
    evidence.record(id, CheckPostDeploymentDelegate.POSTED, user, Map.of("items", recorded));
    boolean woken =
        !runtime
            .createMessageCorrelation(EVIDENCE_POSTED)
            .processInstanceBusinessKey(id)
            .correlateAllWithResult()
            .isEmpty();
    return new Outcome(
        Kind.ACCEPTED,
        id,
        woken
            ? "Post-deployment evidence recorded; the checkpoint is checking it"
            : "Post-deployment evidence recorded; the checkpoint checks it once deployment and"
                + " verification reach it");
  }

  private Outcome correlate(
      String id, String message, Map<String, Object> variables, String conflict, String done) {
    try {
      runtime
          .createMessageCorrelation(message)
          .processInstanceBusinessKey(id)
          .setVariables(variables)
          .correlate();
      return new Outcome(Kind.ACCEPTED, id, done);
    } catch (MismatchingMessageCorrelationException e) {
      // Nothing in the release waits for this request now; the transaction rolls back the evidence
      // too.
      throw new ConflictException(id, conflict);
    }
  }

  private static Outcome notFound(String id) {
    return new Outcome(Kind.NOT_FOUND, id, "No release with id '" + id + "'");
  }

  /** Thrown (not returned) so the request's transaction, with its evidence row, is rolled back. */
  static final class ConflictException extends RuntimeException {
    final String releaseId;

    ConflictException(String releaseId, String message) {
      super(message);
      this.releaseId = releaseId;
    }
  }
}
