package io.countersign.webhook;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.Attempts;
import io.countersign.process.ManifestStore;
import io.countersign.process.StepSupport;
import io.countersign.webhook.WebhookTarget.Delivery;
import io.countersign.webhook.WebhookTarget.Notice;
import java.util.List;
import java.util.Map;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * The notices' bodies, built from the stored, authorized manifest and the release's signed evidence
 * only, never from process variables, and written in RFC 8785 canonical form: every attempt of a
 * notice sends the same bytes under the same id, so a receiver that saw it already can tell.
 */
@Component
class WebhookNotices {
  static final String DEPLOYED = "release.deployed";
  static final String ROLLING_BACK = "release.rolling-back";
  static final String EVIDENCE = "webhook-notice";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final EvidenceLog evidence;
  private final String baseUrl;

  WebhookNotices(EvidenceLog evidence, @Value("${countersign.base-url:}") String baseUrl) {
    this.evidence = evidence;
    this.baseUrl = baseUrl;
  }

  /** That the release's changes are deployed (verification comes next). */
  Notice deployed(String releaseId, ManifestStore.Signed signed, String endpoint) {
    return notice(endpoint, DEPLOYED, release(releaseId, signed));
  }

  /**
   * That the release is being rolled back, and why: the reason given, else the one the rollback
   * recorded when it started.
   */
  Notice rollingBack(
      String releaseId, ManifestStore.Signed signed, String endpoint, String reason) {
    ObjectNode data = release(releaseId, signed);
    if (reason == null) {
      List<EvidenceEntry> started = evidence.authentic(releaseId, "rollback-started");
      reason =
          started.isEmpty()
              ? null
              : started.get(started.size() - 1).payload().path("reason").asText(null);
    }
    if (reason != null) {
      data.put("reason", reason);
    }
    return notice(endpoint, ROLLING_BACK, data);
  }

  /**
   * The evidence payload of one notice: the endpoint by name (its URL may carry a token), the
   * notice's id and a digest of the exact body sent, and how it went ({@code accepted}, {@code
   * refused}, {@code unreachable} or {@code dry-run}).
   */
  static Map<String, Object> payload(Notice notice, String outcome, Integer status, String detail) {
    return StepSupport.payload(
        "endpoint",
        notice.endpoint(),
        "notice",
        notice.type(),
        "id",
        notice.id(),
        "bodySha256",
        CanonicalJson.sha256(notice.body()),
        "outcome",
        outcome,
        "status",
        status,
        "detail",
        detail);
  }

  /**
   * Posts a notice once per release, step and endpoint (cs_attempt): a delivery recorded by a run
   * whose job did not commit is reused, not sent again; one begun and never finished is sent again
   * under the same id (the {@code webhook-id} header and the body are the same bytes), which
   * Standard Webhooks receivers use to drop a repeat: a notice lost is worse than one told twice.
   */
  static Delivery post(
      Attempts attempts, WebhookTarget target, String releaseId, String step, Notice notice) {
    return attempts.once(
        new Attempts.Call(releaseId, step, notice.endpoint(), null, "post " + notice.type()),
        Delivery.class,
        () -> target.post(notice),
        Attempts.Interrupted.repeat(
            () -> target.post(notice),
            "sent again with the same webhook-id " + notice.id() + ", for the endpoint to drop"));
  }

  static Map<String, Object> payload(Notice notice, Delivery delivery) {
    String outcome = delivery.dryRun() ? "dry-run" : delivery.accepted() ? "accepted" : "refused";
    return payload(
        notice, outcome, delivery.dryRun() ? null : delivery.status(), delivery.detail());
  }

  private ObjectNode release(String releaseId, ManifestStore.Signed signed) {
    ReleaseManifest manifest = signed.manifest();
    ObjectNode data = JSON.createObjectNode();
    data.put("releaseId", releaseId);
    data.put("application", manifest.application());
    data.put("version", manifest.version());
    data.put("environment", manifest.environment());
    data.put("changeReference", manifest.changeReference());
    data.put("manifestSha256", signed.sha256());
    data.put("url", baseUrl + "/api/releases/" + releaseId);
    return data;
  }

  private static Notice notice(String endpoint, String type, ObjectNode data) {
    data.put("type", type);
    // Deterministic: the same notice to the same endpoint has the same id in every attempt, on
    // every node.
    String id =
        data.path("releaseId").asText()
            + "."
            + type.substring(type.indexOf('.') + 1)
            + "."
            + endpoint;
    return new Notice(endpoint, id, type, CanonicalJson.of(data));
  }
}
