package io.countersign.signoff;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.process.EscalationPriority;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.FilterService;
import org.camunda.bpm.engine.FormService;
import org.camunda.bpm.engine.filter.Filter;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.task.IdentityLink;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * sign-off.bpmn and four-eyes. The requester here is a tech lead ("lead-requester"), so the
 * engine's authorizations would let them work the tech-lead task: only the four-eyes listener
 * stands in the way.
 */
class SignOffProcessTest extends ProcessTestSupport {
  private static final String REQUESTER = "lead-requester";
  private static final String DUAL = "dual-lead";

  @Autowired FormService forms;
  @Autowired FilterService filters;

  @BeforeEach
  void users() {
    createUser(REQUESTER, "tech-leads", "release-requesters");
    createUser(DUAL, "tech-leads", "qa-leads");
  }

  @AfterEach
  void removeUsers() {
    identity.deleteUser(REQUESTER);
    identity.deleteUser(DUAL);
  }

  private void createUser(String id, String... groups) {
    if (identity.createUserQuery().userId(id).count() == 0) {
      User u = identity.newUser(id);
      u.setPassword("irrelevant");
      identity.saveUser(u);
      for (String g : groups) {
        identity.createMembership(id, g);
      }
    }
  }

  private void assertRefused(Runnable action, String taskId) {
    assertRefused(action, taskId, "Four-eyes");
  }

  private void assertRefused(Runnable action, String taskId, String message) {
    String assigneeBefore = tasks.createTaskQuery().taskId(taskId).singleResult().getAssignee();
    assertThatThrownBy(action::run).hasMessageContaining(message);
    Task after = tasks.createTaskQuery().taskId(taskId).singleResult();
    assertThat(after).as("the task stays open").isNotNull();
    assertThat(after.getAssignee()).isEqualTo(assigneeBefore);
  }

  @Test
  void theRequesterCannotCompleteASignOffOfTheirOwnReleaseByAnyPath() {
    String id = submit(example("staging"), REQUESTER);
    String task = signOffTask(id, "tech-leads").getId();

    assertRefused(() -> completeAs(REQUESTER, task, Map.of("decision", "approve")), task);
    assertRefused(
        () -> asUser(REQUESTER, () -> forms.submitTaskForm(task, Map.of("decision", "approve"))),
        task);
    assertRefused(() -> asUser(REQUESTER, () -> tasks.claim(task, REQUESTER)), task);
    assertRefused(() -> asUser("tech-lead", () -> tasks.delegateTask(task, REQUESTER)), task);
    assertRefused(() -> tasks.setAssignee(task, REQUESTER), task);
    // Without an authenticated caller and without an assignee nobody can be held to the decision.
    assertRefused(
        () -> tasks.complete(task, Map.of("decision", "approve")), task, "identified user");
    assertThat(evidenceTypes(id)).doesNotContain("sign-off");
  }

  @Test
  void aResolveByTheRequesterIsRefusedAndByTheDelegateAccepted() {
    String id = submit(example("staging"), REQUESTER);
    String task = signOffTask(id, "tech-leads").getId();
    asUser(
        "tech-lead",
        () -> {
          tasks.claim(task, "tech-lead");
          tasks.delegateTask(task, DUAL);
        });
    assertRefused(
        () -> asUser(REQUESTER, () -> tasks.resolveTask(task, Map.of("decision", "approve"))),
        task);

    asUser(DUAL, () -> tasks.resolveTask(task, Map.of("decision", "approve")));
    assertThat(tasks.createTaskQuery().taskId(task).singleResult().getAssignee())
        .isEqualTo("tech-lead");
    completeAs("tech-lead", task, Map.of());
    assertThat(
            jdbc.queryForObject(
                "SELECT user_id FROM cs_sign_off WHERE release_id = ? AND role = 'tech-leads'",
                String.class,
                id))
        .isEqualTo("tech-lead");
  }

  @Test
  void onePersonCannotSignForTwoRolesOfOneRelease() {
    String id = submit(example("staging"));
    completeAs(DUAL, signOffTask(id, "tech-leads").getId(), Map.of("decision", "approve"));
    String qa = signOffTask(id, "qa-leads").getId();

    assertRefused(() -> completeAs(DUAL, qa, Map.of("decision", "approve")), qa);
    assertRefused(() -> asUser(DUAL, () -> tasks.claim(qa, DUAL)), qa);
    approve(id, "qa-leads");
    runJobs();
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void aRejectionNeedsItsReasonInTheRejectCommentField() {
    String id = submit(example("staging"));
    String task = signOffTask(id, "tech-leads").getId();
    assertThatThrownBy(
            () ->
                completeAs("tech-lead", task, Map.of("decision", "reject", "rejectComment", "  ")))
        .hasMessageContaining("comment is required");
    assertThatThrownBy(() -> completeAs("tech-lead", task, Map.of("decision", "reject")))
        .hasMessageContaining("comment is required");
    // The approval's comment field is hidden on the form when rejecting: a reason sent there is
    // not taken as the rejection's reason.
    assertThatThrownBy(
            () -> completeAs("tech-lead", task, Map.of("decision", "reject", "comment", "Flaky")))
        .hasMessageContaining("rejectComment");
    assertThatThrownBy(
            () ->
                completeAs(
                    "tech-lead",
                    task,
                    Map.of("decision", "approve", "rejectComment", "Looks fine")))
        .hasMessageContaining("cannot come with an approval");
    assertThatThrownBy(() -> completeAs("tech-lead", task, Map.of()))
        .hasMessageContaining("approve or reject");
    assertThat(tasks.createTaskQuery().taskId(task).count()).isOne();
    assertThat(evidenceTypes(id)).doesNotContain("sign-off");

    completeAs("tech-lead", task, Map.of("decision", "reject", "rejectComment", "Flaky tests"));
    assertThat(
            jdbc.queryForObject(
                "SELECT comment FROM cs_sign_off WHERE release_id = ? AND role = 'tech-leads'",
                String.class,
                id))
        .isEqualTo("Flaky tests");
    runJobs();
    assertThat(status(id)).isEqualTo("rejected");
    assertThat(statusReason(id)).contains("tech-lead", "Flaky tests");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
  }

  @Test
  void eachSignOffFormReadsTheRoleLabelAndWhereTheOtherSignOffsStandNow() {
    String id = submit(example("staging"));
    Task tech = signOffTask(id, "tech-leads");
    Task qa = signOffTask(id, "qa-leads");
    assertThat(tasks.getVariableLocal(tech.getId(), "roleLabel")).isEqualTo("Tech lead");
    assertThat(tasks.getVariableLocal(qa.getId(), "roleLabel")).isEqualTo("QA lead");
    assertThat(signOffStatus(qa))
        .containsExactly("tech-leads|Tech lead|waiting", "qa-leads|QA lead|waiting");

    approve(id, "tech-leads");

    // The QA lead's task was created before; its form reads the state of now.
    assertThat(signOffStatus(qa))
        .hasSize(2)
        .contains("qa-leads|QA lead|waiting")
        .anySatisfy(
            line ->
                assertThat(line)
                    .matches(
                        "tech-leads\\|Tech lead\\|approved by tech-lead at"
                            + " \\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2} UTC"));
    approve(id, "qa-leads");
    runJobs();
    assertThat(status(id)).isEqualTo("released");
  }

  @SuppressWarnings("unchecked")
  private List<String> signOffStatus(Task task) {
    return ((List<Map<String, String>>) tasks.getVariable(task.getId(), "signOffStatus"))
        .stream().map(e -> e.get("group") + "|" + e.get("label") + "|" + e.get("status")).toList();
  }

  @Test
  void developmentNeedsNoSignOff() {
    ObjectNode m = example("staging");
    m.put("environment", "development");
    ((ObjectNode) m.get("kubernetes")).put("namespace", "medication-staging");
    m.remove("verification");
    String id = submit(m);
    runJobs();

    assertThat(activities(id, "sign-off")).contains("noSignOffRequired");
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void anOverdueSignOffEscalatesToReleaseManagersWhoCanComplete() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    fireTimer(id, "escalationDue");

    Task qa = signOffTask(id, "qa-leads");
    assertThat(qa.getPriority()).isEqualTo(EscalationPriority.VALUE);
    List<String> groups =
        tasks.getIdentityLinksForTask(qa.getId()).stream().map(IdentityLink::getGroupId).toList();
    assertThat(groups).contains("qa-leads", "release-managers");
    assertThat(evidenceTypes(id)).contains("sign-off-escalated");
    assertThat(
            tasks
                .createTaskQuery()
                .taskId(qa.getId())
                .taskMinPriority(EscalationPriority.VALUE)
                .count())
        .as("the escalation priority marks it")
        .isOne();
    // The stored filter lists it, for the role and for release managers alike.
    Filter overdue =
        filters
            .createFilterQuery()
            .filterName("Sign-offs past follow-up (escalated)")
            .singleResult();
    for (String user : List.of("qa-lead", "release-manager")) {
      asUser(
          user,
          () ->
              assertThat(filters.<Task>listPage(overdue.getId(), 0, 50))
                  .as(user)
                  .extracting(Task::getId)
                  .contains(qa.getId()));
    }

    completeAs("release-manager", qa.getId(), Map.of("decision", "approve"));
    runJobs();
    assertThat(status(id)).isEqualTo("released");
    assertThat(
            evidence.entries(id).stream()
                .filter(e -> e.type().equals("sign-off"))
                .anyMatch(
                    e ->
                        e.actor().equals("release-manager")
                            && e.payload().get("escalated").asBoolean()))
        .isTrue();
  }
}
