package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.identity.Groups;
import io.countersign.manifest.CanonicalJson;
import java.time.Duration;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.bpm.engine.task.Task;
import org.camunda.spin.Spin;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/** release.bpmn, failure and refusal paths first. */
class ReleaseProcessTest extends ProcessTestSupport {
  @Autowired ReleaseActions actions;

  private ObjectNode productionWithoutSecurityScan() {
    ObjectNode m = example("production");
    ArrayNode evidenceItems = (ArrayNode) m.get("evidence");
    for (int i = 0; i < evidenceItems.size(); i++) {
      if ("security-scan".equals(evidenceItems.get(i).get("type").asText())) {
        evidenceItems.remove(i);
      }
    }
    return m;
  }

  /**
   * An override asked for while the checkpoint is still deciding is refused with what to do, not
   * with a misleading "only before deployment"; once the checkpoint has decided it applies.
   */
  @Test
  void anOverrideWaitsForTheEvidenceCheck() throws Exception {
    ObjectNode manifest = productionWithoutSecurityScan();
    String id =
        releases
            .submit(
                reader.read(
                    new com.fasterxml.jackson.databind.ObjectMapper().writeValueAsBytes(manifest),
                    org.springframework.http.MediaType.APPLICATION_JSON),
                "requester",
                null)
            .release()
            .id();
    assertThat(status(id)).isEqualTo("checking-evidence");

    ReleaseActions.Outcome early =
        actions.override(id, "quick", "Patient alerts are failing", "INC-7782", "requester");

    assertThat(early.kind()).isEqualTo(ReleaseActions.Kind.CONFLICT);
    assertThat(early.message()).contains("is still checking its evidence");
    checkEvidence(id);
    assertThat(status(id)).isEqualTo("requested");
    assertThat(statusReason(id)).contains("missing evidence security-scan");
    // Ends here: cancelled, so no held release is left for other tests of this database.
    assertThat(actions.cancel(id, "test over", "requester", java.util.Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    assertThat(status(id)).isEqualTo("cancelled");
  }

  private void requestOverride(String id, String kind) {
    assertThat(
            actions
                .override(
                    id, kind, "Patient alerts are failing in production", "INC-7781", "requester")
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
  }

  private void decideOverride(String id, String decision, String comment) {
    completeAs(
        "release-manager",
        openTask(id, "decideOverride").getId(),
        comment == null
            ? Map.of("overrideDecision", decision)
            : Map.of("overrideDecision", decision, "comment", comment));
  }

  @Test
  void aStoredManifestThatNoLongerValidatesEndsTheReleaseAsInvalid() {
    // The process validates the stored manifest again against the configuration of the moment (a
    // target removed since submission, say); here the stored manifest is plainly invalid.
    String bad = "{\"application\":\"Bad Name\",\"environment\":\"qa\"}";
    jdbc.update(
        "INSERT INTO cs_release (id, application, version, environment, change_reference, status, requester, "
            + "manifest_sha256, active, created_at, updated_at) VALUES ('rel-direct', 'x', '1', 'qa', 'C', 'requested', "
            + "'requester', ?, FALSE, CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)",
        CanonicalJson.sha256(bad));
    jdbc.update(
        "INSERT INTO cs_manifest (release_id, canonical_json, sha256, stored_at) VALUES ('rel-direct', ?, ?, "
            + "CURRENT_TIMESTAMP)",
        bad,
        CanonicalJson.sha256(bad));
    ProcessInstance p =
        runtime.startProcessInstanceByKey(
            "release",
            "rel-direct",
            Map.of("manifest", Spin.JSON(bad), "requester", "requester", "overrideActive", false));
    assertThat(activities("rel-direct", "release"))
        .contains("manifestInvalid", "invalidEnd", "invalidManifestEnd");
    assertThat(runtime.createProcessInstanceQuery().processInstanceId(p.getId()).count()).isZero();
    assertThat(
            history
                .createHistoricVariableInstanceQuery()
                .processInstanceId(p.getId())
                .variableName("failureReason")
                .singleResult()
                .getValue()
                .toString())
        .contains("$.application")
        .contains("$.environment");
  }

  @Test
  void theSignOffFormShowsWhatRunsInTheEnvironmentNow() {
    String first = submit(example("staging"));
    approveAll(first);
    assertThat(status(first)).isEqualTo("released");
    String version =
        jdbc.queryForObject("SELECT version FROM cs_release WHERE id = ?", String.class, first);

    String second = submit(example("staging"));
    String task = openTasks(second, "approveRelease").get(0).getId();
    assertThat(tasks.getVariable(task, "runningVersion")).isEqualTo(version + " (" + first + ")");
    approveAll(second);
    assertThat(status(second)).isEqualTo("released");
  }

  @Test
  void missingEvidenceHoldsTheReleaseThenExpires() {
    String id = submit(productionWithoutSecurityScan());
    assertThat(status(id)).isEqualTo("requested");
    assertThat(statusReason(id)).contains("missing evidence security-scan");
    assertThat(openTasks(id, "approveRelease")).isEmpty();

    fireTimer(id, "holdExpired");
    assertThat(status(id)).isEqualTo("expired");
    assertThat(activities(id, "release")).contains("evidenceMissingEnd", "expiredEnd");
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aDeniedOverrideLeavesTheReleaseHeld() {
    String id = submit(productionWithoutSecurityScan());
    requestOverride(id, "quick");
    assertThatThrownBy(() -> decideOverride(id, "deny", null))
        .hasMessageContaining("comment is required");
    decideOverride(id, "deny", "Fix the scan first");

    assertThat(activities(id, "release")).contains("overrideDeniedEnd");
    assertThat(status(id)).isEqualTo("requested");
    assertThat(evidenceTypes(id)).contains("override-requested", "override-decision");
    fireTimer(id, "holdExpired");
    assertThat(status(id)).isEqualTo("expired");
  }

  @Test
  void theOverrideFormSaysWhatApprovingSkipsAsTheRequestFoundIt() {
    String id = submit(productionWithoutSecurityScan());
    @SuppressWarnings("unchecked")
    List<String> required =
        (List<String>) runtime.getVariable(instance("release", id).getId(), "requiredRoles");
    assertThat(required).isNotEmpty();
    requestOverride(id, "quick");

    List<String> skips = overrideSkips(id);
    // Held at the checkpoint, before any sign-off: approving skips them all, and the evidence.
    assertThat(skips.get(0))
        .isEqualTo(
            "Approving skips these sign-offs still outstanding: "
                + String.join(", ", required.stream().map(Groups::label).toList()));
    assertThat(skips.get(0)).doesNotContain("-leads", "-officers");
    assertThat(skips)
        .anySatisfy(
            line ->
                assertThat(line)
                    .startsWith("The pre-deployment evidence check it is held for:")
                    .contains("missing evidence security-scan"));
    decideOverride(id, "deny", "Fix the scan first");
    assertThat(actions.cancel(id, "test over", "requester", java.util.Set.of()).kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
  }

  @Test
  void anOverrideDuringSignOffSkipsOnlyTheRolesStillOutstanding() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    requestOverride(id, "quick");

    assertThat(overrideSkips(id))
        .containsExactly("Approving skips these sign-offs still outstanding: QA lead");
    decideOverride(id, "deny", "Wait for QA");
    approve(id, "qa-leads");
    runJobs();
    assertThat(status(id)).isEqualTo("released");
  }

  @SuppressWarnings("unchecked")
  private List<String> overrideSkips(String id) {
    return (List<String>)
        tasks.getVariableLocal(openTask(id, "decideOverride").getId(), "overrideSkips");
  }

  @Test
  void theSignOffFormShowsTheRollbackPlanInTheOrderTheRollbackRuns() {
    String id = submit(example("staging"));
    String task = openTasks(id, "approveRelease").get(0).getId();
    List<String> plan = ((String) tasks.getVariable(task, "rollbackPlan")).lines().toList();

    // deploy.bpmn's Roll back: the undo steps, last capability first, then what follows them.
    assertThat(plan)
        .extracting(line -> line.replaceFirst(":.*", ""))
        .containsExactly(
            "1. Undo the rollout of Deployment medication-staging/backend, Deployment"
                + " medication-staging/web",
            "2. Restore front end medication-web",
            "3. Revert Lambda data_ingestion (alias live), alert_generator (alias live),"
                + " api_handler (alias live)",
            "4. Roll back database medication-db",
            "5. If database medication-db cannot be rolled back by scripts",
            "6. Verify the restoration");
    assertThat(plan.get(3)).contains("examples/medication-tracker/db/rollbacks", "newest first");
    assertThat(plan.get(5)).contains("api-health");
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void theRequesterOfAnOverrideCannotDecideIt() {
    String id = submit(productionWithoutSecurityScan(), "release-manager");
    assertThat(actions.override(id, "quick", "Outage", "INC-1", "release-manager").kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    String task = openTask(id, "decideOverride").getId();
    assertThatThrownBy(
            () -> completeAs("release-manager", task, Map.of("overrideDecision", "approve")))
        .hasMessageContaining("Four-eyes");
    assertThat(tasks.createTaskQuery().taskId(task).count()).isOne();
  }

  @Test
  void anOverrideLapsesWhenDeploymentHasNotStartedInItsWindow() {
    String id = submit(productionWithoutSecurityScan());
    requestOverride(id, "quick");
    decideOverride(id, "approve", null);
    // The engine has not yet run the deployment start (e.g. a backlog); the 5-minute window passes.
    fireTimer(id, "overrideWindowOver");

    assertThat(status(id)).isEqualTo("expired");
    assertThat(statusReason(id)).contains("override lapsed");
    assertThat(evidenceTypes(id))
        .contains("override-granted", "override-lapsed", "deployment-refused");
    assertThat(instance("deploy", id)).isNull();
  }

  @Test
  void aStackReleaseThatAnOverrideTookPastItsPlanningIsStoppedAtTheDeploymentCheckpoint() {
    // The stack's change set is planned after the evidence checkpoint, for the approvers to see: a
    // release held there and let on by an emergency override has no change set anyone saw. Nothing
    // of it may change then, not even the database steps that run before the stack.
    ObjectNode manifest = productionWithoutSecurityScan();
    manifest
        .putObject("stack")
        .put("target", "hospital-aws")
        .put("name", "hospital-integration")
        .putObject("template")
        .put("bucket", "hospital-artifacts")
        .put("key", "sam/hospital-integration/3.2.0/packaged.yaml")
        .put("sha256", "c".repeat(64));
    String id = submit(manifest);
    requestOverride(id, "extended");
    decideOverride(id, "approve", "Emergency fix for INC-7781");
    runJobs();

    assertThat(status(id)).isEqualTo("failed");
    assertThat(evidenceTypes(id)).doesNotContain("stack-planned", "stack-change-executed");
    assertThat(activities(id, "deploy"))
        .contains("checkpointFailedEnd")
        .doesNotContain("migrateDatabase", "executeStackChange");
    completeAs(
        "compliance-officer",
        openTask(id, "reviewOverride").getId(),
        Map.of("validationPlan", "Plan the stack change in a release of its own"));
    fireTimer(id, "overrideWindowOver");
    assertThat(instance("release", id)).isNull();
  }

  @Test
  void anApprovedOverrideLetsTheReleaseGoOnAndAsksForAPostOverrideReview() {
    String id = submit(productionWithoutSecurityScan());
    requestOverride(id, "extended");
    decideOverride(id, "approve", "Emergency fix for INC-7781");
    runJobs();
    // The override skips the sign-offs, not the post-deployment checkpoint.
    assertThat(status(id)).isEqualTo("awaiting-evidence");
    postDeploymentEvidence(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(evidenceTypes(id)).contains("override-granted", "deployment-started");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    String review = openTask(id, "reviewOverride").getId();
    assertThat(tasks.createTaskQuery().taskId(review).singleResult().getDueDate())
        .isAfter(new Date());
    // The approver of the override does not review it; the review needs a validation plan.
    assertThatThrownBy(() -> completeAs("release-manager", review, Map.of("validationPlan", "x")))
        .isInstanceOf(RuntimeException.class);
    assertThatThrownBy(
            () -> completeAs("compliance-officer", review, Map.of("validationPlan", " ")))
        .hasMessageContaining("validation plan is required");

    fireTimer(id, "rollbackWindowOver");
    assertThat(instance("release", id)).as("open until the review is done").isNotNull();
    completeAs(
        "compliance-officer",
        review,
        Map.of("validationPlan", "Re-run the security scan within 24 h"));
    fireTimer(id, "overrideWindowOver");
    assertThat(instance("release", id)).isNull();
    assertThat(evidenceTypes(id)).contains("post-override-review", "override-used");
  }

  @Test
  void anOverrideDuringSignOffEndsTheOutstandingSignOffs() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    requestOverride(id, "quick");
    decideOverride(id, "approve", null);
    runJobs();

    assertThat(instance("sign-off", id)).isNull();
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void aRejectionRejectsTheRelease() {
    String id = submit(example("staging"));
    completeAs(
        "qa-lead",
        signOffTask(id, "qa-leads").getId(),
        Map.of("decision", "reject", "rejectComment", "Flaky tests"));
    runJobs();

    assertThat(status(id)).isEqualTo("rejected");
    assertThat(statusReason(id)).contains("qa-lead").contains("Flaky tests");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(activities(id, "release")).contains("notSignedOffEnd", "rejectedEnd");
  }

  @Test
  void aSignOffThatRunsOutOfTimeExpiresTheRelease() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    fireTimer(id, "signOffDeadline");

    assertThat(status(id)).isEqualTo("expired");
    assertThat(statusReason(id)).contains("qa-leads");
    assertThat(evidenceTypes(id)).contains("sign-off-expired");
  }

  @Test
  void cancelBeforeDeploymentEndsTheReleaseAndIsRefusedAfterwards() {
    String id = submit(example("staging"));
    assertThat(actions.cancel(id, "Wrong build", "qa-lead", java.util.Set.of("qa-leads")).kind())
        .isEqualTo(ReleaseActions.Kind.FORBIDDEN);
    assertThat(
            actions
                .cancel(id, "Wrong build", "requester", java.util.Set.of("release-requesters"))
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    assertThat(status(id)).isEqualTo("cancelled");
    assertThat(statusReason(id)).isEqualTo("Wrong build");
    assertThat(instance("release", id)).isNull();

    String deployed = submit(example("staging"));
    approveAll(deployed);
    assertThatThrownBy(() -> actions.cancel(deployed, "Too late", "requester", java.util.Set.of()))
        .isInstanceOf(ReleaseActions.ConflictException.class)
        .hasMessageContaining("rollback");
  }

  @Test
  void cancelEndsAPendingOverrideDecisionWithTheRelease() {
    String id = submit(example("staging"));
    assertThat(actions.override(id, "quick", "Outage", "INC-3", "requester").kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    assertThat(
            tasks
                .createTaskQuery()
                .processInstanceBusinessKey(id)
                .taskDefinitionKey("decideOverride")
                .count())
        .isEqualTo(1);

    assertThat(
            actions
                .cancel(id, "Superseded", "requester", java.util.Set.of("release-requesters"))
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);

    // Nothing is left to override: no release manager can decide it any more.
    assertThat(status(id)).isEqualTo("cancelled");
    assertThat(tasks.createTaskQuery().processInstanceBusinessKey(id).list()).isEmpty();
    assertThat(instance("release", id)).isNull();
  }

  @Test
  void aReleasedReleaseClosesWhenItsRollbackWindowEnds() {
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
    assertThat(jdbc.queryForObject("SELECT active FROM cs_release WHERE id = ?", Boolean.class, id))
        .isTrue();

    fireTimer(id, "rollbackWindowOver");
    assertThat(instance("release", id)).isNull();
    assertThat(activities(id, "release")).endsWith("releasedEnd");
    assertThat(jdbc.queryForObject("SELECT active FROM cs_release WHERE id = ?", Boolean.class, id))
        .isFalse();
    assertThat(evidence.verify(id).valid()).isTrue();
  }

  @Test
  void aReleasedReleaseCanBeRolledBackOnRequest() {
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(
            actions
                .rollback(
                    id,
                    "Error rate up after release",
                    "ops-lead",
                    java.util.Set.of("operations-leads"))
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("ops-lead").contains("Error rate up");
    assertThat(
            activities(id, "deploy").stream()
                .filter(
                    a ->
                        a.equals("undoRollout")
                            || a.equals("restoreFrontend")
                            || a.equals("revertLambda")
                            || a.equals("restoreDatabase"))
                .toList())
        .containsExactly("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");
    assertThat(evidenceTypes(id))
        .contains("rollback-requested", "rollback-started", "restoration-verified");
  }

  @Test
  void aRollbackCanBeRequestedDuringTheBakeWindow() {
    ObjectNode m = example("staging");
    ((ObjectNode) m.get("verification")).put("bakeWindow", "PT30M");
    String id = submit(m);
    approveAll(id);
    assertThat(status(id)).isEqualTo("verifying");
    assertThat(
            actions
                .rollback(
                    id, "Support calls spiking", "ops-lead", java.util.Set.of("operations-leads"))
                .kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    runJobs();

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("Support calls spiking");
    assertThat(activities(id, "deploy"))
        .contains("rollbackDuringBake", "rollBackDuringBake")
        .doesNotContain("markReleased");
  }

  @Test
  void theBakeWindowWaitsOnATimerUntilItHasPassed() {
    ObjectNode m = example("staging");
    ((ObjectNode) m.get("verification")).put("bakeWindow", "PT2M").put("interval", "PT1M");
    String id = submit(m);
    approveAll(id);
    assertThat(status(id)).isEqualTo("verifying");
    assertThat(hasTimer(id, "nextEvaluation")).isTrue();

    // One evaluation per interval, as the timer comes due: the window counts only watched time.
    advanceClock(Duration.ofMinutes(1));
    fireTimer(id, "nextEvaluation");
    assertThat(status(id)).isEqualTo("verifying");
    advanceClock(Duration.ofMinutes(1));
    fireTimer(id, "nextEvaluation");
    assertThat(status(id)).isEqualTo("released");
    assertThat(evidenceTypes(id))
        .contains("bake-window-observed")
        .doesNotContain("bake-window-gap");
  }

  @Test
  void aBakeWindowThatWentUnwatchedStartsAgain() {
    ObjectNode m = example("staging");
    ((ObjectNode) m.get("verification")).put("bakeWindow", "PT2M").put("interval", "PT1M");
    String id = submit(m);
    approveAll(id);

    // The node was down for ten minutes: the window's end passed with nobody watching.
    advanceClock(Duration.ofMinutes(10));
    fireTimer(id, "nextEvaluation");
    assertThat(status(id)).isEqualTo("verifying");
    assertThat(evidenceTypes(id)).contains("bake-window-gap");
    for (int minute = 1; minute <= 2; minute++) {
      advanceClock(Duration.ofMinutes(1));
      fireTimer(id, "nextEvaluation");
    }
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void whoAskedForAnOverrideIsReadFromItsRequestNotFromVariables() {
    ensureUser("rm-requester", "release-managers", "release-requesters");
    String id = submit(productionWithoutSecurityScan(), "rm-requester");
    assertThat(actions.override(id, "quick", "Outage", "INC-1", "rm-requester").kind())
        .isEqualTo(ReleaseActions.Kind.ACCEPTED);
    Task decide = openTask(id, "decideOverride");
    runtime.setVariable(instance("release", id).getId(), "overrideRequestedBy", "someone-else");
    runtime.setVariable(instance("release", id).getId(), "requester", "someone-else");
    assertThatThrownBy(
            () -> completeAs("rm-requester", decide.getId(), Map.of("overrideDecision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("Four-eyes");
  }

  @Test
  void whoApprovedAnOverrideIsReadFromItsDecisionNotFromVariables() {
    ensureUser("rm-co", "release-managers", "compliance-officers");
    String id = submit(productionWithoutSecurityScan());
    actions.override(id, "extended", "Outage", "INC-2", "requester");
    completeAs(
        "rm-co", openTask(id, "decideOverride").getId(), Map.of("overrideDecision", "approve"));
    runJobs();
    Task review = openTask(id, "reviewOverride");
    runtime.setVariable(instance("release", id).getId(), "overrideDecidedBy", "someone-else");

    assertThatThrownBy(
            () -> completeAs("rm-co", review.getId(), Map.of("validationPlan", "Re-scan")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("rm-co approved this override");
    completeAs(
        "compliance-officer", review.getId(), Map.of("validationPlan", "Re-scan within 24 h"));
  }
}
