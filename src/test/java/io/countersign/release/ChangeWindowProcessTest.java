package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.TestPropertySource;

/**
 * release.bpmn's change-window check with windows and a freeze configured: a release outside its
 * window waits on a timer, one in a production freeze is held until an emergency override, a cancel
 * ends a waiting one, an open window lets it straight through. The engine's clock is set to fixed
 * days in the past (evidence is stamped with the real time, which an override's window is measured
 * from); every release ends before its test does.
 */
@TestPropertySource(
    properties = {
      "countersign.change-windows.environments.production[0].days=TUE,WED,THU",
      "countersign.change-windows.environments.production[0].from=06:00",
      "countersign.change-windows.environments.production[0].to=10:00",
      "countersign.change-windows.environments.production[0].zone=Europe/Berlin",
      "countersign.change-windows.environments.staging[0].days=MON,TUE,WED,THU,FRI",
      "countersign.change-windows.environments.staging[0].from=08:00",
      "countersign.change-windows.environments.staging[0].to=18:00",
      "countersign.change-windows.environments.staging[0].zone=UTC",
      "countersign.change-windows.freezes[0].name=summer-freeze",
      "countersign.change-windows.freezes[0].from=2026-07-01",
      "countersign.change-windows.freezes[0].to=2026-07-14",
      "countersign.change-windows.freezes[0].zone=Europe/Berlin",
      "countersign.change-windows.freezes[0].environments=production,staging",
      "countersign.change-windows.freezes[0].reason=Summer release freeze"
    })
class ChangeWindowProcessTest extends ProcessTestSupport {
  /** A Saturday: production and staging are both outside their windows. */
  private static final Instant SATURDAY = Instant.parse("2026-06-06T12:00:00Z");

  /** Wednesday 07:00 in Berlin (CEST): production is open, staging not yet. */
  private static final Instant WEDNESDAY_MORNING = Instant.parse("2026-06-10T05:00:00Z");

  /** Wednesday 07:00 in Berlin during the summer freeze. */
  private static final Instant IN_FREEZE = Instant.parse("2026-07-08T05:00:00Z");

  @Autowired ReleaseActions actions;

  /** Wednesday 10:00 UTC: staging is open, no freeze. */
  private static final Instant STAGING_OPEN = Instant.parse("2026-06-10T10:00:00Z");

  /**
   * A production manifest, its version released in staging first (at a time staging is open), as
   * the shipped policy requires before production.
   */
  private ObjectNode promotedProduction() {
    ObjectNode production = example("production");
    clockAt(STAGING_OPEN);
    releaseInStaging(production);
    return production;
  }

  private static void clockAt(Instant instant) {
    ClockUtil.setCurrentTime(Date.from(instant));
  }

  private List<JsonNode> windowChecks(String id) {
    return evidence.entries(id).stream()
        .filter(e -> e.type().equals("change-window-checked"))
        .map(EvidenceEntry::payload)
        .toList();
  }

  private void requestOverride(String id, String kind) {
    assertThat(
            actions
                .override(
                    id, kind, "Patient alerts are failing in production", "INC-7781", "requester")
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
  }

  private void approveOverride(String id) {
    completeAs(
        "release-manager",
        openTask(id, "decideOverride").getId(),
        Map.of("overrideDecision", "approve", "comment", "Emergency fix"));
    runJobs();
  }

  /** Ends a released release that went through an override: review, then both windows over. */
  private void endOverriddenRelease(String id) {
    completeAs(
        "compliance-officer",
        openTask(id, "reviewOverride").getId(),
        Map.of("validationPlan", "Re-run the checks in the next window"));
    fireTimer(id, "rollbackWindowOver");
    fireTimer(id, "overrideWindowOver");
    assertThat(instance("release", id)).isNull();
  }

  @Test
  void aProductionFreezeHoldsTheReleaseUntilAnEmergencyOverride() {
    ObjectNode production = promotedProduction();
    clockAt(IN_FREEZE);
    String id = submitAsIs(production, "requester");
    approveAll(id);

    assertThat(status(id)).isEqualTo("requested");
    assertThat(statusReason(id))
        .startsWith(
            "Held: in the freeze 'summer-freeze' (Summer release freeze) until 2026-07-14T22:00:00Z")
        .contains("requires an emergency override to deploy during a freeze");
    assertThat(instance("deploy", id)).isNull();
    assertThat(hasTimer(id, "windowOpens")).isFalse();
    JsonNode held = windowChecks(id).get(0);
    assertThat(held.path("environment").asText()).isEqualTo("production");
    assertThat(held.path("now").asText()).isEqualTo("2026-07-08T05:00:00Z");
    assertThat(held.path("open").asBoolean()).isFalse();
    assertThat(held.path("window").asText()).isEqualTo("TUE,WED,THU 06:00-10:00 Europe/Berlin");
    assertThat(held.path("freeze").path("name").asText()).isEqualTo("summer-freeze");
    assertThat(held.path("policy").path("inFreeze").asText()).isEqualTo("override");
    assertThat(held.path("nextOpening").asText()).isEqualTo("2026-07-15T04:00:00Z");
    assertThat(held.path("outcome").asText()).isEqualTo("held");

    requestOverride(id, "extended");
    approveOverride(id);

    assertThat(instance("deploy", id)).isNotNull();
    List<JsonNode> checks = windowChecks(id);
    assertThat(checks).hasSize(2);
    assertThat(checks.get(1).path("outcome").asText()).isEqualTo("overridden");
    assertThat(checks.get(1).path("overrideRequestId").asText()).isNotBlank();
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    endOverriddenRelease(id);
  }

  @Test
  void aFreezeHoldWithoutAnOverrideExpires() {
    ObjectNode production = promotedProduction();
    clockAt(IN_FREEZE);
    String id = submitAsIs(production, "requester");
    approveAll(id);
    assertThat(status(id)).isEqualTo("requested");

    fireTimer(id, "windowHoldExpired");

    assertThat(status(id)).isEqualTo("expired");
    assertThat(activities(id, "release")).contains("windowHoldExpiredEnd", "expiredEnd");
    assertThat(instance("release", id)).isNull();
  }

  @Test
  void aCancelWhileWaitingForTheWindowEndsTheReleaseAndItsTimer() {
    clockAt(SATURDAY);
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-window");
    assertThat(hasTimer(id, "windowOpens")).isTrue();

    assertThat(actions.cancel(id, "Not this week", "requester", Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);

    assertThat(status(id)).isEqualTo("cancelled");
    assertThat(instance("release", id)).isNull();
    assertThat(hasTimer(id, "windowOpens")).isFalse();
    assertThat(evidenceTypes(id)).doesNotContain("deployment-started");
  }

  @Test
  void outsideItsWindowAReleaseWaitsOnATimerAndDeploysOnceItOpens() {
    clockAt(SATURDAY);
    String id = submit(example("staging"));
    approveAll(id);

    assertThat(status(id)).isEqualTo("awaiting-window");
    assertThat(statusReason(id))
        .isEqualTo(
            "Outside the change windows of staging (MON,TUE,WED,THU,FRI 08:00-18:00 UTC); waits for"
                + " the next opening at 2026-06-08T08:00:00Z. An emergency override can deploy it"
                + " earlier; a cancel ends it.");
    assertThat(instance("deploy", id)).isNull();
    Job timer =
        management.createJobQuery().timers().activityId("windowOpens").list().stream()
            .filter(j -> j.getProcessInstanceId().equals(instance("release", id).getId()))
            .findFirst()
            .orElseThrow();
    assertThat(timer.getDuedate().toInstant()).isEqualTo(Instant.parse("2026-06-08T08:00:00Z"));
    assertThat(windowChecks(id).get(0).path("policy").path("outsideWindow").asText())
        .isEqualTo("wait");

    // A timer run early (a clock moved by hand) only checks again: still closed, it waits again.
    fireTimer(id, "windowOpens");
    assertThat(status(id)).isEqualTo("awaiting-window");
    assertThat(instance("deploy", id)).isNull();

    clockAt(Instant.parse("2026-06-08T08:00:00Z"));
    fireTimer(id, "windowOpens");

    assertThat(status(id)).isEqualTo("released");
    assertThat(windowChecks(id))
        .extracting(c -> c.path("outcome").asText())
        .containsExactly("wait", "wait", "open");
    assertThat(windowChecks(id).get(2).path("window").asText())
        .isEqualTo("MON,TUE,WED,THU,FRI 08:00-18:00 UTC");
    assertThat(evidence.verify(id).valid()).isTrue();
    fireTimer(id, "rollbackWindowOver");
    assertThat(instance("release", id)).isNull();
  }

  @Test
  void anEmergencyOverrideWhileWaitingDeploysAtOnce() {
    clockAt(SATURDAY);
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("awaiting-window");

    requestOverride(id, "quick");
    approveOverride(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(hasTimer(id, "windowOpens")).isFalse();
    assertThat(windowChecks(id))
        .extracting(c -> c.path("outcome").asText())
        .containsExactly("wait", "overridden");
    endOverriddenRelease(id);
  }

  @Test
  void inAnOpenWindowTheReleaseGoesStraightThrough() {
    ObjectNode production = promotedProduction();
    clockAt(WEDNESDAY_MORNING);
    String id = submitAsIs(production, "requester");
    approveAll(id);

    assertThat(instance("deploy", id)).isNotNull();
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    JsonNode check = windowChecks(id).get(0);
    assertThat(check.path("open").asBoolean()).isTrue();
    assertThat(check.path("outcome").asText()).isEqualTo("open");
    assertThat(check.path("window").asText()).isEqualTo("TUE,WED,THU 06:00-10:00 Europe/Berlin");
    assertThat(check.path("policy").isNull()).isTrue();
    postDeploymentEvidence(id);
    assertThat(status(id)).isEqualTo("released");
    fireTimer(id, "rollbackWindowOver");
    assertThat(instance("release", id)).isNull();
  }
}
