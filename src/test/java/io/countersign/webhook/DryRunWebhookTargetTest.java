package io.countersign.webhook;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.manifest.CanonicalJson;
import io.countersign.webhook.WebhookTarget.Delivery;
import io.countersign.webhook.WebhookTarget.Notice;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Dry-run posts nothing; its evidence entry says what a live run would have posted, and is marked
 * dry-run.
 */
class DryRunWebhookTargetTest {

  @Test
  void theEvidenceRecordsThePlanWithoutAStatus() {
    Notice notice =
        new Notice(
            "change-board", "rel-1.deployed.change-board", WebhookNotices.DEPLOYED, "{\"a\":1}");

    Delivery delivery = new DryRunWebhookTarget().post(notice);

    assertThat(delivery)
        .isEqualTo(
            new Delivery(
                0,
                true,
                true,
                "dry-run: would post release.deployed to endpoint change-board as rel-1.deployed.change-board"));
    assertThat(WebhookNotices.payload(notice, delivery))
        .containsExactly(
            Map.entry("endpoint", "change-board"),
            Map.entry("notice", "release.deployed"),
            Map.entry("id", "rel-1.deployed.change-board"),
            Map.entry("bodySha256", CanonicalJson.sha256("{\"a\":1}")),
            Map.entry("outcome", "dry-run"),
            Map.entry("detail", delivery.detail()));
  }
}
