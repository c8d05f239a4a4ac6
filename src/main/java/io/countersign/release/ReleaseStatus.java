package io.countersign.release;

import io.countersign.evidence.EvidenceArchive;
import io.countersign.evidence.EvidenceLog;
import io.countersign.notify.Notifications;
import io.countersign.process.StepSupport;
import io.countersign.process.Variables;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * Keeps the release read model in step with the process. Models attach it as an execution listener
 * ({@code delegateExpression="${releaseStatus}"}) to the element where the status changes, naming
 * the status in the element's extension property {@code releaseStatus} ("released" closes the
 * release). Every change is evidence, and the change that ends a release has its signed bundle
 * archived once it commits ({@link EvidenceArchive}).
 */
@Component("releaseStatus")
public class ReleaseStatus implements ExecutionListener {
  /** The extension property that names the status an element sets. */
  public static final String PROPERTY = "releaseStatus";

  private static final Logger LOG = LoggerFactory.getLogger(ReleaseStatus.class);

  private final ReleaseRepository releases;
  private final EvidenceLog evidence;
  private final EvidenceArchive archive;
  private final Notifications notifications;

  ReleaseStatus(
      ReleaseRepository releases,
      EvidenceLog evidence,
      EvidenceArchive archive,
      Notifications notifications) {
    this.releases = releases;
    this.evidence = evidence;
    this.archive = archive;
    this.notifications = notifications;
  }

  @Override
  public void notify(DelegateExecution execution) {
    String status = StepSupport.extensionProperties(execution).get(PROPERTY);
    if (status == null) {
      throw new IllegalStateException(
          "element "
              + execution.getCurrentActivityId()
              + " calls releaseStatus without a "
              + PROPERTY
              + " extension property");
    }
    // A release that ended released no longer blocks a resubmission of the same version.
    change(execution, status, status.equals("released"));
  }

  /** For delegates that set the status as part of their step. */
  public void set(DelegateExecution execution, String status) {
    change(execution, status, false);
  }

  /** For delegates that set the status, with the reason, as part of their step. */
  public void set(DelegateExecution execution, String status, String reason) {
    execution.setVariable(Variables.STATUS_REASON, reason);
    change(execution, status, false);
  }

  private void change(DelegateExecution execution, String status, boolean closes) {
    String releaseId = execution.getProcessBusinessKey();
    String reason = reason(execution, status);
    releases
        .updateStatus(releaseId, status, reason, closes)
        .ifPresent(
            previous -> {
              if (!previous.equals(status) || closes || reason != null) {
                // One line per change; the engine puts the release id into the MDC (releaseId).
                LOG.info("Release {}: {} -> {}", releaseId, previous, status);
                Map<String, Object> payload = new LinkedHashMap<>();
                payload.put("from", previous);
                payload.put("to", status);
                payload.put("reason", reason);
                boolean ended = closes || ReleaseRepository.FINAL.contains(status);
                payload.put("closed", ended);
                evidence.record(releaseId, "status-changed", "countersign", payload);
                releases.find(releaseId).ifPresent(r -> publish(r, previous, status, reason));
                if (ended) {
                  archive.afterCommit(releaseId);
                }
              }
            });
  }

  /** In the job's transaction: sent after it commits (notify.OutboxDeliverer), never if not. */
  private void publish(
      ReleaseRepository.ReleaseRow release, String previous, String status, String reason) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("releaseId", release.id());
    data.put("application", release.application());
    data.put("version", release.version());
    data.put("environment", release.environment());
    data.put("status", status);
    data.put("reason", reason);
    notifications.publish(release.id(), Notifications.STATUS_CHANGED, data);
    if (previous.equals("rolling-back") && ReleaseRepository.FINAL.contains(status)) {
      // Restored means rolled back; anything else that ends a rollback did not restore.
      data.put("restored", status.equals("rolled-back"));
      notifications.publish(release.id(), Notifications.ROLLBACK_FINISHED, data);
    }
  }

  private static String reason(DelegateExecution execution, String status) {
    String name =
        switch (status) {
          case "cancelled" -> Variables.CANCEL_REASON;
          case "rolled-back", "failed", "rolling-back" -> Variables.FAILURE_REASON;
          case "requested", "expired", "rejected", "awaiting-evidence", "awaiting-window" ->
              Variables.STATUS_REASON;
          default -> null;
        };
    if (name == null) {
      return null;
    }
    Object value = execution.getVariable(name);
    if (value == null && !name.equals(Variables.STATUS_REASON)) {
      value = execution.getVariable(Variables.STATUS_REASON);
    }
    return value == null ? null : value.toString();
  }
}
