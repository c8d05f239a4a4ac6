package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.identity.Groups;
import io.countersign.process.ManifestStore;
import io.countersign.process.Variables;
import io.countersign.signoff.Overrides;
import java.time.Duration;
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

  @Transactional
  Outcome cancel(String id, String reason, String user, Set<String> groups) {
    Optional<ReleaseRepository.ReleaseRow> release = releases.find(id);
    if (release.isEmpty()) {
      return notFound(id);
    }
    if (!user.equals(release.get().requester())
        && !groups.contains(Groups.RELEASE_MANAGERS)
        && !groups.contains(Groups.ADMINS)) {
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
    boolean allowed =
        user.equals(release.get().requester())
            || groups.contains(Groups.RELEASE_MANAGERS)
            || groups.contains(Groups.OPERATIONS_LEADS)
            || groups.contains(Groups.ADMINS);
    if (!allowed) {
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
    if (!status.equals("requested") && !status.equals("awaiting-sign-off")) {
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
