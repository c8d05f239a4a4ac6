package io.countersign.signoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ProcessTestSupport;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Four-eyes, role and override checks read who requested a release, which role a task is for and
 * who asked for or decided an override from Countersign's tables. Each test first changes the
 * variables those checks once read (as a caller of engine REST could), then tries the act the
 * variables would have allowed.
 */
class TrustedIdentitiesTest extends ProcessTestSupport {
  @BeforeEach
  void aUserWithTwoHats() {
    ensureUser("two-hats", "tech-leads", "qa-leads");
  }

  private Task taskFor(String releaseId, String role) {
    return signOffTask(releaseId, role);
  }

  @Test
  void theRequesterIsReadFromTheReleaseNotFromTheTasksVariables() {
    String id =
        submit(example("staging"), "dev-lead"); // dev-lead requests releases and is a tech lead
    Task tech = taskFor(id, "tech-leads");
    runtime.setVariable(instance("release", id).getId(), "requester", "someone-else");
    tasks.setVariableLocal(tech.getId(), "requester", "someone-else");

    assertThatThrownBy(() -> completeAs("dev-lead", tech.getId(), Map.of("decision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("dev-lead requested release " + id);
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Integer.class, id))
        .isZero();
  }

  @Test
  void completingMayNotCarryVariablesTheFormDoesNotDeclare() {
    String id = submit(example("staging"), "dev-lead");
    Task tech = taskFor(id, "tech-leads");
    for (String field :
        List.of("requester", "role", "manifest", "overrideActive", "manifestSha256")) {
      assertThatThrownBy(
              () ->
                  completeAs("tech-lead", tech.getId(), Map.of("decision", "approve", field, "x")))
          .as(field)
          .isInstanceOf(FormFieldValidationException.class)
          .hasMessageContaining("'" + field + "'");
    }
    assertThatThrownBy(() -> completeAs("tech-lead", tech.getId(), Map.of("decision", "maybe")))
        .isInstanceOf(FormFieldValidationException.class)
        .hasMessageContaining("one of approve, reject");
    assertThatThrownBy(
            () -> completeAs("tech-lead", tech.getId(), Map.of("decision", Map.of("a", 1))))
        .isInstanceOf(FormFieldValidationException.class);
    assertThatThrownBy(
            () ->
                completeAs(
                    "tech-lead",
                    tech.getId(),
                    Map.of("decision", "approve", "<img src=x onerror=alert(1)>", "x")))
        .isInstanceOf(FormFieldValidationException.class)
        .hasMessageContaining("unusual name")
        .hasMessageNotContaining("<img");
    // Read-only fields may come back unchanged, as Tasklist may send them.
    completeAs(
        "tech-lead",
        tech.getId(),
        Map.of("decision", "approve", "application", "medication-tracker"));
    assertThat(
            jdbc.queryForObject(
                "SELECT user_id FROM cs_sign_off WHERE release_id = ? AND role = 'tech-leads'",
                String.class,
                id))
        .isEqualTo("tech-lead");
  }

  @Test
  void theRoleOfATaskIsTheOneItWasCreatedForAndOnlyItsMembersAct() {
    String id = submit(example("staging"));
    Task qa = taskFor(id, "qa-leads");
    // Rewrite the role the task would have read, and let tech leads see the QA task.
    runtime.setVariableLocal(
        tasks.createTaskQuery().taskId(qa.getId()).singleResult().getExecutionId(),
        "role",
        "tech-leads");
    tasks.addCandidateGroup(qa.getId(), "tech-leads");

    assertThatThrownBy(() -> completeAs("tech-lead", qa.getId(), Map.of("decision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("not in group qa-leads");
    assertThatThrownBy(() -> asUser("tech-lead", () -> tasks.claim(qa.getId(), "tech-lead")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("not in group qa-leads");
    assertThat(tasks.createTaskQuery().taskId(qa.getId()).singleResult().getAssignee()).isNull();

    completeAs("qa-lead", qa.getId(), Map.of("decision", "approve"));
    approve(id, "tech-leads");
    assertThat(
            jdbc.queryForList(
                "SELECT role || '=' || user_id FROM cs_sign_off WHERE release_id = ? ORDER BY role",
                String.class,
                id))
        .containsExactly("qa-leads=qa-lead", "tech-leads=tech-lead");
  }

  @Test
  void onePersonSignsForOneRoleOfARelease() {
    String id = submit(example("staging"));
    completeAs("two-hats", taskFor(id, "tech-leads").getId(), Map.of("decision", "approve"));
    Task qa = taskFor(id, "qa-leads");
    assertThatThrownBy(() -> completeAs("two-hats", qa.getId(), Map.of("decision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("two-hats already signed release " + id + " as tech-leads");
    assertThatThrownBy(() -> asUser("two-hats", () -> tasks.claim(qa.getId(), "two-hats")))
        .isInstanceOf(AuthorizationException.class);
  }

  @Test
  void releaseManagersSignForARoleOnlyOnceItWasEscalated() {
    String id = submit(example("staging"));
    Task tech = taskFor(id, "tech-leads");
    tasks.addCandidateGroup(
        tech.getId(), "release-managers"); // an admin adds the group by hand: not an escalation
    assertThatThrownBy(
            () -> completeAs("release-manager", tech.getId(), Map.of("decision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("not in group tech-leads");

    fireTimer(id, "escalationDue");
    completeAs("release-manager", tech.getId(), Map.of("decision", "approve"));
    assertThat(
            evidence.entries(id).stream()
                .filter(e -> e.type().equals("sign-off"))
                .findFirst()
                .orElseThrow()
                .payload()
                .path("escalated")
                .asBoolean())
        .isTrue();
  }

  @Test
  void aTaskCountersignDidNotRegisterCannotBeActedOn() {
    String id = submit(example("staging"));
    Task tech = taskFor(id, "tech-leads");
    jdbc.update("DELETE FROM cs_task WHERE task_id = ?", tech.getId());
    assertThatThrownBy(() -> completeAs("tech-lead", tech.getId(), Map.of("decision", "approve")))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("not registered");
  }
}
