package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.DemoApprovers;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * What the console reads besides a release's detail, through the API: the diff against the release
 * running in the environment before it, and the models as they ran. An application of this class's
 * own, so no other class's release is "the one running before".
 */
@ApiAppSupport
class ConsoleApiTest {
  @LocalServerPort int port;
  @Autowired TaskService tasks;
  HttpSupport http;
  String application;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
    application = "console-diff-" + UUID.randomUUID().toString().substring(0, 8);
  }

  @Test
  void aReleaseShowsWhatItChangesAgainstTheOneRunningBeforeIt() {
    ObjectNode first = manifest("3.0.0");
    String running = release(first);

    Response none = http.get("requester", "/api/releases/" + running + "/diff");
    assertThat(none.status()).isEqualTo(200);
    assertThat(none.json().hasNonNull("against")).as(none.body()).isFalse();
    assertThat(none.json().path("changes")).isEmpty();

    ObjectNode second = manifest("3.1.0");
    ((ObjectNode) second.at("/lambda/functions/0/artifact"))
        .put("key", "lambda/data_ingestion/3.1.0/function.zip");
    ((ObjectNode) second.at("/kubernetes/workloads/0/containers/0"))
        .put("image", "registry.medication.example/medication/backend:3.1.0");
    String next = submit(second);

    Response diff = http.get("requester", "/api/releases/" + next + "/diff");
    assertThat(diff.status()).as(diff.body()).isEqualTo(200);
    JsonNode body = diff.json();
    assertThat(body.path("against").path("id").asText()).isEqualTo(running);
    assertThat(body.path("against").path("version").asText()).isEqualTo("3.0.0");
    List<String> changes = new ArrayList<>();
    body.path("changes")
        .forEach(
            c ->
                changes.add(
                    c.path("path").asText()
                        + ": "
                        + c.path("before").asText()
                        + " -> "
                        + c.path("after").asText()));
    assertThat(changes)
        .containsExactlyInAnyOrder(
            "version: 3.0.0 -> 3.1.0",
            "lambda.functions[data_ingestion].artifact.key: lambda/data_ingestion/2.4.0/function.zip"
                + " -> lambda/data_ingestion/3.1.0/function.zip",
            "kubernetes.workloads[backend].containers[api].image:"
                + " registry.medication.example/medication/backend:2.4.0"
                + " -> registry.medication.example/medication/backend:3.1.0");

    assertThat(http.get("requester", "/api/releases/rel-20000101-nothin/diff").status())
        .isEqualTo(404);
    cancel(next);
  }

  @Test
  void theModelsComeWithTheStateOfEveryElementThatRan() {
    String released = release(manifest("4.0.0"));

    Response diagram = http.get("requester", "/api/releases/" + released + "/diagram");
    assertThat(diagram.status()).as(diagram.body()).isEqualTo(200);
    JsonNode processes = diagram.json().path("processes");
    List<String> keys = new ArrayList<>();
    processes.forEach(p -> keys.add(p.path("definitionKey").asText()));
    assertThat(keys).containsExactly("release", "sign-off", "deploy");
    JsonNode deploy = processes.get(2);
    assertThat(deploy.path("xml").asText()).contains("<bpmn:process id=\"deploy\"");
    Map<String, String> states = new java.util.HashMap<>();
    deploy
        .path("elements")
        .forEach(e -> states.put(e.path("id").asText(), e.path("state").asText()));
    assertThat(states)
        .containsEntry("publishFrontend", "completed")
        .containsEntry("markReleased", "completed")
        .doesNotContainKey("revertLambda");
    assertThat(processes.get(0).path("elements").toString()).contains("\"state\":\"active\"");

    assertThat(http.get("qa-lead", "/api/releases/" + released + "/diagram").status())
        .as("approvers read every release")
        .isEqualTo(200);
  }

  private ObjectNode manifest(String version) {
    ObjectNode manifest = ManifestFixture.withVersion(ManifestFixture.staging(), version);
    manifest.put("application", application);
    manifest.remove("database");
    ((ObjectNode) manifest.get("verification")).put("bakeWindow", "PT0S");
    return manifest;
  }

  private String submit(ObjectNode manifest) {
    Response submitted = http.postJson("requester", "/api/releases", manifest);
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().path("id").asText();
    await()
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () ->
                tasks
                        .createTaskQuery()
                        .processInstanceBusinessKey(id)
                        .taskDefinitionKey("approveRelease")
                        .count()
                    == 2);
    return id;
  }

  private String release(ObjectNode manifest) {
    String id = submit(manifest);
    for (Task task : tasks.createTaskQuery().processInstanceBusinessKey(id).list()) {
      String role =
          tasks.getIdentityLinksForTask(task.getId()).stream()
              .filter(link -> link.getGroupId() != null)
              .findFirst()
              .orElseThrow()
              .getGroupId();
      Response done =
          http.postJson(
              DemoApprovers.BY_ROLE.get(role),
              "/engine-rest/task/" + task.getId() + "/complete",
              DemoApprovers.APPROVE);
      assertThat(done.status()).as(done.body()).isEqualTo(204);
    }
    await(id + " released")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> http.get("requester", "/api/releases/" + id).json().path("status").asText(),
            "released"::equals);
    return id;
  }

  private void cancel(String id) {
    Response cancelled =
        http.postJson(
            "requester", "/api/releases/" + id + "/cancel", Map.of("reason", "test over"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
  }
}
