package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import io.countersign.WebappSession;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ManagementService;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Nobody acts past Countersign's API and models: every way engine REST and the webapps offer around
 * the API is tried, by admins first, against a release waiting for sign-off, and each is refused
 * with nothing changed.
 */
@ApiAppSupport
@ExtendWith(OutputCaptureExtension.class)
class EngineGuardHttpTest {
  private static final List<String> EVERYONE =
      List.of("admin", "process-admin", "release-manager", "tech-lead", "requester");
  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;
  @Autowired RuntimeService runtime;
  @Autowired HistoryService history;
  @Autowired ManagementService management;
  @Autowired IdentityService identity;
  @Autowired TaskService tasks;
  HttpSupport http;
  String releaseId;
  String instanceId;
  String techTask;

  @BeforeEach
  void aReleaseAwaitingSignOff() {
    http = new HttpSupport(port);
    ObjectNode m =
        ManifestFixture.withVersion(
            ManifestFixture.staging(), ManifestFixture.freshVersion("guard"));
    // dev-lead requests releases and is also a tech lead: the four-eyes case.
    Response submitted =
        http.post(
            "dev-lead", "/api/releases", "application/json", ManifestFixture.json(m), Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    releaseId = submitted.json().path("id").asText();
    assertThat(http.afterEvidenceCheck("dev-lead", releaseId).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    instanceId =
        jdbc.queryForObject(
            "SELECT process_instance_id FROM cs_release WHERE id = ?", String.class, releaseId);
    Response techTasks =
        http.get(
            "tech-lead", "/engine-rest/task?maxResults=10&processInstanceBusinessKey=" + releaseId);
    assertThat(techTasks.json())
        .as(techTasks + " / " + http.get("admin", "/api/releases/" + releaseId))
        .hasSize(1);
    techTask = techTasks.json().get(0).path("id").asText();
  }

  private void assertNothingChanged() {
    assertThat(
            jdbc.queryForObject(
                "SELECT status FROM cs_release WHERE id = ?", String.class, releaseId))
        .isEqualTo("awaiting-sign-off");
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Integer.class, releaseId))
        .isZero();
    assertThat(runtime.getVariable(instanceId, "requester")).isEqualTo("dev-lead");
    assertThat(runtime.getVariable(instanceId, "overrideActive")).isEqualTo(false);
    assertThat(runtime.createProcessInstanceQuery().processInstanceBusinessKey(releaseId).count())
        .isEqualTo(2);
  }

  /**
   * Refused: 403 (or 400 for a malformed attempt, 404 for someone who may not even see the
   * definition).
   */
  private static void assertRefused(Response r, String what) {
    assertThat(r.status()).as(what + ": " + r.body()).isIn(400, 403, 404);
  }

  @Test
  void nobodyStartsCountersignsProcessesPastTheApi() {
    for (String user : EVERYONE) {
      for (String key : List.of("release", "sign-off", "deploy")) {
        Map<String, Object> body =
            Map.of(
                "businessKey",
                "rel-bypass",
                "variables",
                Map.of("requester", Map.of("value", "someone")));
        assertRefused(
            http.postJson(user, "/engine-rest/process-definition/key/" + key + "/start", body),
            user + " starting " + key);
        assertRefused(
            http.postJson(
                user, "/engine-rest/process-definition/key/" + key + "/submit-form", body),
            user + " submitting the start form of " + key);
      }
      assertRefused(
          http.postJson(user, "/engine-rest/condition", Map.of("variables", Map.of())),
          user + " conditions");
    }
    Response admin =
        http.postJson("admin", "/engine-rest/process-definition/key/deploy/start", Map.of());
    assertThat(admin.status()).isEqualTo(403);
    assertThat(admin.json().path("message").asText()).contains("only through Countersign's API");
    assertThat(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey("rel-bypass")
                .count())
        .isZero();
  }

  @Test
  void nobodyWritesTheVariablesOfARelease() {
    Map<String, Object> value = Map.of("value", "{\"application\":\"x\"}", "type", "Json");
    for (String user : List.of("admin", "tech-lead", "dev-lead")) {
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/process-instance/" + instanceId + "/variables/manifest",
              value),
          user + " PUT manifest");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/process-instance/" + instanceId + "/variables",
              Map.of("modifications", Map.of("requester", Map.of("value", "x")))),
          user + " modify variables");
      assertRefused(
          http.json(
              "DELETE",
              user,
              "/engine-rest/process-instance/" + instanceId + "/variables/requester",
              null),
          user + " DELETE requester");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/execution/" + instanceId + "/localVariables/overrideActive",
              Map.of("value", true)),
          user + " PUT execution local variable");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/task/" + techTask + "/variables/requester",
              Map.of("value", "x")),
          user + " PUT task variable");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/task/" + techTask + "/localVariables/requester",
              Map.of("value", "x")),
          user + " PUT task local variable");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/task/" + techTask + "/localVariables",
              Map.of("modifications", Map.of("role", Map.of("value", "qa-leads")))),
          user + " modify task local variables");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/process-instance/variables-async",
              Map.of(
                  "processInstanceIds",
                  List.of(instanceId),
                  "variables",
                  Map.of("requester", Map.of("value", "x")))),
          user + " batch variables");
      // What the sign-off form reads about the other roles and the role's label is the engine's
      // to write: on the sign-off process, and on the task.
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/task/" + techTask + "/variables/signOffStatus",
              Map.of("value", "[]", "type", "Json")),
          user + " PUT signOffStatus");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/task/" + techTask + "/localVariables/roleLabel",
              Map.of("value", "Release manager")),
          user + " PUT roleLabel");
    }
    assertThat(tasks.getVariableLocal(techTask, "roleLabel")).isEqualTo("Tech lead");
    assertThat(tasks.getVariable(techTask, "signOffStatus").toString()).doesNotContain("approved");
    assertNothingChanged();
  }

  @Test
  void nobodyModifiesMigratesCorrelatesRunsJobsOrDeletesARelease() {
    Job timer =
        management.createJobQuery().timers().list().stream()
            .filter(
                j ->
                    releaseId.equals(
                        runtime
                            .createProcessInstanceQuery()
                            .processInstanceId(j.getProcessInstanceId())
                            .singleResult()
                            .getBusinessKey()))
            .findFirst()
            .orElseThrow();
    for (String user : List.of("admin", "release-manager", "dev-lead")) {
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/process-instance/" + instanceId + "/modification",
              Map.of(
                  "instructions",
                  List.of(Map.of("type", "startBeforeActivity", "activityId", "startDeployment")))),
          user + " modification");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/modification/execute",
              Map.of(
                  "processDefinitionId",
                  runtime
                      .createProcessInstanceQuery()
                      .processInstanceId(instanceId)
                      .singleResult()
                      .getProcessDefinitionId(),
                  "processInstanceIds",
                  List.of(instanceId),
                  "instructions",
                  List.of(Map.of("type", "startBeforeActivity", "activityId", "startDeployment")))),
          user + " batch modification");
      String definition =
          runtime
              .createProcessInstanceQuery()
              .processInstanceId(instanceId)
              .singleResult()
              .getProcessDefinitionId();
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/migration/execute",
              Map.of(
                  "migrationPlan",
                  Map.of(
                      "sourceProcessDefinitionId",
                      definition,
                      "targetProcessDefinitionId",
                      definition,
                      "instructions",
                      List.of()),
                  "processInstanceIds",
                  List.of(instanceId))),
          user + " migration");
      for (String message :
          List.of(
              "cancelRelease",
              "rollbackRequested",
              "overrideRequested",
              "postDeploymentEvidencePosted")) {
        assertRefused(
            http.postJson(
                user,
                "/engine-rest/message",
                Map.of(
                    "messageName",
                    message,
                    "businessKey",
                    releaseId,
                    "processVariables",
                    Map.of("overrideRequestedBy", Map.of("value", "x")))),
            user + " correlating " + message);
      }
      assertRefused(
          http.postJson(user, "/engine-rest/signal", Map.of("name", "anything")), user + " signal");
      assertRefused(
          http.json("DELETE", user, "/engine-rest/process-instance/" + instanceId, null),
          user + " delete");
      assertRefused(
          http.postJson(
              user,
              "/engine-rest/process-instance/delete",
              Map.of("processInstanceIds", List.of(instanceId), "deleteReason", "x")),
          user + " batch delete");
      assertRefused(
          http.postJson(user, "/engine-rest/job/" + timer.getId() + "/execute", Map.of()),
          user + " run job");
      assertRefused(
          http.json(
              "PUT",
              user,
              "/engine-rest/job/" + timer.getId() + "/duedate",
              Map.of("duedate", "2020-01-01T00:00:00.000+0000")),
          user + " move job");
    }
    assertThat(management.createJobQuery().jobId(timer.getId()).singleResult().getDuedate())
        .isEqualTo(timer.getDuedate());
    // A refused run is no failed run: it used up none of the step's retries and raised no incident.
    assertThat(management.createJobQuery().jobId(timer.getId()).singleResult().getRetries())
        .isEqualTo(timer.getRetries());
    assertThat(runtime.createIncidentQuery().configuration(timer.getId()).count()).isZero();
    assertNothingChanged();
  }

  @Test
  void fourEyesAndFormFieldsHoldOverEngineRest() {
    Response own =
        http.postJson(
            "dev-lead",
            "/engine-rest/task/" + techTask + "/complete",
            Map.of("variables", Map.of("decision", Map.of("value", "approve"))));
    assertThat(own.status()).as(own.body()).isEqualTo(403);
    assertThat(own.json().path("message").asText())
        .contains("Four-eyes: dev-lead requested release " + releaseId);
    assertThat(
            http.postJson(
                    "dev-lead",
                    "/engine-rest/task/" + techTask + "/claim",
                    Map.of("userId", "dev-lead"))
                .status())
        .isEqualTo(403);
    for (String field :
        List.of(
            "requester",
            "role",
            "roleLabel",
            "manifestSha256",
            "overrideActive",
            "signOffStatus",
            "rollbackPlan",
            "evidenceDetails",
            "overrideSkips")) {
      Response r =
          http.postJson(
              "tech-lead",
              "/engine-rest/task/" + techTask + "/complete",
              Map.of(
                  "variables",
                  Map.of("decision", Map.of("value", "approve"), field, Map.of("value", "x"))));
      assertThat(r.status()).as(field + ": " + r.body()).isEqualTo(400);
      assertThat(r.json().path("message").asText()).contains("'" + field + "'");
      Response submit =
          http.postJson(
              "tech-lead",
              "/engine-rest/task/" + techTask + "/submit-form",
              Map.of(
                  "variables",
                  Map.of("decision", Map.of("value", "approve"), field, Map.of("value", "x"))));
      assertThat(submit.status()).as(field + " via submit-form: " + submit.body()).isEqualTo(400);
    }
    // The form's rule (a rejection needs its reason) holds without the form: over complete and
    // submit-form, a rejection without rejectComment, with a blank one, or with its reason in the
    // approval's comment field is refused, and so is an approval carrying a rejection's reason.
    List<Map<String, Object>> refused =
        List.of(
            Map.of("decision", Map.of("value", "reject")),
            Map.of("decision", Map.of("value", "reject"), "rejectComment", Map.of("value", " ")),
            Map.of("decision", Map.of("value", "reject"), "comment", Map.of("value", "Flaky")),
            Map.of(
                "decision", Map.of("value", "approve"), "rejectComment", Map.of("value", "Flaky")));
    for (Map<String, Object> variables : refused) {
      for (String path : List.of("/complete", "/submit-form")) {
        Response r =
            http.postJson(
                "tech-lead",
                "/engine-rest/task/" + techTask + path,
                Map.of("variables", variables));
        assertThat(r.status()).as(path + " " + variables + ": " + r.body()).isEqualTo(400);
      }
    }
    assertNothingChanged();
    Response ok =
        http.postJson(
            "tech-lead",
            "/engine-rest/task/" + techTask + "/submit-form",
            Map.of("variables", Map.of("decision", Map.of("value", "approve"))));
    assertThat(ok.status()).as(ok.body()).isEqualTo(204);
  }

  @Test
  void aRefusalIsLoggedOnceWithoutAStackTrace(CapturedOutput output) {
    int before = output.getAll().length();
    http.postJson(
        "dev-lead",
        "/engine-rest/task/" + techTask + "/complete",
        Map.of("variables", Map.of("decision", Map.of("value", "approve"))));
    String logged = output.getAll().substring(before);
    assertThat(
            logged
                .lines()
                .filter(l -> l.contains("Four-eyes: dev-lead requested release " + releaseId)))
        .hasSize(1)
        .allSatisfy(line -> assertThat(line).contains("WARN").contains("Refused CompleteTaskCmd"));
    assertThat(logged)
        .doesNotContain("at io.countersign.signoff.FourEyesListener")
        .doesNotContain("ENGINE-16004");
  }

  @Test
  void fourEyesRefusalsInTasklistAre403WithTheSentence() {
    WebappSession tasklist =
        new WebappSession(port, "tasklist", "dev-lead", HttpSupport.DEMO_PASSWORD);
    Response submit =
        tasklist.postJson(
            "/camunda/api/engine/engine/default/task/" + techTask + "/submit-form",
            "{\"variables\":{\"decision\":{\"value\":\"approve\"}}}");
    assertThat(submit.status()).as(submit.body()).isEqualTo(403);
    assertThat(submit.json().path("message").asText())
        .contains("Four-eyes: dev-lead requested release " + releaseId);
    Response claim =
        tasklist.postJson(
            "/camunda/api/engine/engine/default/task/" + techTask + "/claim",
            "{\"userId\":\"dev-lead\"}");
    assertThat(claim.status()).as(claim.body()).isEqualTo(403);
    Response start =
        tasklist.postJson(
            "/camunda/api/engine/engine/default/process-definition/key/release/submit-form",
            "{\"variables\":{},\"businessKey\":\"rel-tasklist\"}");
    assertThat(start.status()).as(start.body()).isEqualTo(403);
    assertNothingChanged();
  }

  @Test
  void onlyProcessAdminsDeployAndTheirGroupIsConfiguration() {
    String model =
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="http://countersign.io/test">
          <bpmn:process id="httpDeployed" isExecutable="true" camunda:historyTimeToLive="P1D">
            <bpmn:startEvent id="s" />%s
          </bpmn:process>
        </bpmn:definitions>
        """;
    assertThat(deploy("admin", model.formatted("")).status()).isEqualTo(403);
    Response script =
        deploy(
            "process-admin",
            model.formatted(
                "<bpmn:scriptTask id=\"x\" scriptFormat=\"javascript\"><bpmn:script>1</bpmn:script></bpmn:scriptTask>"));
    assertThat(script.status()).as(script.body()).isEqualTo(400);
    assertThat(script.body()).contains("Model refused");
    Response ok = deploy("process-admin", model.formatted(""));
    assertThat(ok.status()).as(ok.body()).isEqualTo(200);

    assertRefused(
        http.json("PUT", "admin", "/engine-rest/group/process-admins/members/admin", null),
        "admin joining process-admins");
    assertRefused(
        http.postJson(
            "admin",
            "/engine-rest/authorization/create",
            Map.of(
                "type",
                1,
                "permissions",
                List.of("CREATE"),
                "userId",
                "admin",
                "resourceType",
                9,
                "resourceId",
                "*")),
        "admin granting deployment");
    assertThat(identity.createUserQuery().memberOfGroup("process-admins").list())
        .extracting(u -> u.getId())
        .containsExactly("process-admin");
  }

  private Response deploy(String user, String bpmn) {
    String boundary = "countersign-test-boundary";
    String body =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"deployment-name\"\r\n\r\nhttp-test\r\n"
            + "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"model.bpmn\"; filename=\"model.bpmn\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n"
            + bpmn
            + "\r\n--"
            + boundary
            + "--\r\n";
    return http.post(
        user,
        "/engine-rest/deployment/create",
        "multipart/form-data; boundary=" + boundary,
        body.getBytes(StandardCharsets.UTF_8),
        Map.of());
  }
}
