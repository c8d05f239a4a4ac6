package io.countersign.webhook;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.CrashAfterStep;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.process.Attempts;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The deployment notice's job killed between the POST and the commit: the job runs again and the
 * endpoint still hears of the deployment once (reused attempt), or, when the outcome was lost too,
 * hears it again under the same webhook-id, for it to drop.
 */
class WebhookCrashTest extends WebhookTestSupport {
  private static final String STEP = "postDeploymentNotice";

  @BeforeEach
  void endpointsAccept() {
    SERVER.stubFor(post(urlEqualTo(CHANGE_BOARD)).willReturn(aResponse().withStatus(200)));
  }

  @Test
  void aNoticeWhoseJobDiedBeforeItsCommitIsNotPostedAgain() {
    String id = submit(manifest("change-board"));
    CrashAfterStep.arm(STEP);

    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(status(id)).isNotEqualTo("released");
    assertThat(evidenceTypes(id)).doesNotContain(WebhookNotices.EVIDENCE);
    rerunAfterTheLock();

    assertThat(status(id)).isEqualTo("released");
    SERVER.verify(1, postRequestedFor(urlEqualTo(CHANGE_BOARD)));
    assertThat(entries(id, WebhookNotices.EVIDENCE)).hasSize(1);
    assertThat(entries(id, Attempts.REPEATED))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.payload().path("key").asText())
                  .isEqualTo(id + "/" + STEP + "/change-board");
              assertThat(e.payload().path("handled").asText()).isEqualTo("reused");
              assertThat(e.payload().path("previousOutcome").asText()).isEqualTo("succeeded");
            });
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/" + STEP + "/"))
        .containsExactly(id + "/" + STEP + "/change-board succeeded 1");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aNoticeWhoseOutcomeWasLostTooIsSentAgainUnderTheSameId() {
    String id = submit(manifest("change-board"));
    CrashAfterStep.arm(STEP);
    approveAll(id);
    CrashAfterStep.forgetOutcomes(jdbc, id, STEP);

    rerunAfterTheLock();

    assertThat(status(id))
        .as(
            management.createJobQuery().withException().list().stream()
                .map(j -> j.getExceptionMessage())
                .toList()
                .toString())
        .isEqualTo("released");
    List<Received> received = received();
    assertThat(received)
        .hasSize(2)
        .extracting(Received::id)
        .containsOnly(id + ".deployed.change-board");
    assertThat(received.get(1).text()).isEqualTo(received.get(0).text());
    assertThat(entries(id, WebhookNotices.EVIDENCE)).hasSize(1);
    assertThat(entries(id, Attempts.REPEATED))
        .singleElement()
        .satisfies(
            e -> {
              assertThat(e.payload().path("handled").asText()).isEqualTo("verified");
              assertThat(e.payload().path("previousOutcome").asText())
                  .isEqualTo("unknown (never finished)");
              assertThat(e.payload().path("detail").asText())
                  .contains("same webhook-id " + id + ".deployed.change-board");
            });
    assertThat(CrashAfterStep.attempts(jdbc, id))
        .filteredOn(a -> a.contains("/" + STEP + "/"))
        .containsExactly(id + "/" + STEP + "/change-board succeeded 1");
  }

  /** The job comes due again (after its retry wait, as after a lock expiry) and runs. */
  private void rerunAfterTheLock() {
    advanceClock(Duration.ofSeconds(31));
    runJobs();
  }

  private List<EvidenceEntry> entries(String id, String type) {
    return evidence.entries(id).stream().filter(e -> e.type().equals(type)).toList();
  }
}
