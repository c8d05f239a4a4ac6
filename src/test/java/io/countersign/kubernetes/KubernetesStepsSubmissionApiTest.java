package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The kubernetesSteps rules at submission, over real HTTP: each broken rule of the
 * hospital-integration example is a 400 problem naming the field's path, and no release starts. The
 * steps are by their place in the example: 0 drain-workers (job), 1 migrate, 2 backend (a manifest
 * set of ConfigMap, Deployment, Service), 3 frontend (a set), 4 verify-db (job), 5 ingress
 * (switchTraffic).
 */
@ApiAppSupport
class KubernetesStepsSubmissionApiTest {
  private static final String STEPS = "$.kubernetesSteps.steps";

  @LocalServerPort int port;
  @Autowired HistoryService history;
  @Autowired JdbcTemplate jdbc;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  static Stream<Arguments> refusals() {
    return Stream.of(
        refusal(
            "a Secret in a manifest set",
            m ->
                backendObjects(m)
                    .addObject()
                    .put("apiVersion", "v1")
                    .put("kind", "Secret")
                    .putObject("metadata")
                    .put("name", "hospital-db"),
            STEPS + "[2].apply.objects[3].kind",
            ManifestSets.SECRETS),
        refusal(
            "a kind outside the target's allow-list",
            m ->
                backendObjects(m)
                    .addObject()
                    .put("apiVersion", "batch/v1")
                    .put("kind", "CronJob")
                    .putObject("metadata")
                    .put("name", "nightly"),
            STEPS + "[2].apply.objects[3].kind",
            "kind 'CronJob' is not allowed on target 'hospital-cluster' (allowed: ConfigMap,"
                + " Service, Deployment, StatefulSet, Ingress)"),
        refusal(
            "an object in a namespace the target does not allow",
            m ->
                ((ObjectNode) backendObjects(m).get(0).get("metadata"))
                    .put("namespace", "kube-system"),
            STEPS + "[2].apply.objects[0].metadata.namespace",
            "namespace 'kube-system' is not allowed on target 'hospital-cluster' (allowed:"
                + " hospital-staging, hospital)"),
        refusal(
            "a traffic switch naming both an ingress and a service",
            m -> ((ObjectNode) step(m, 5).get("switchTraffic")).put("service", "backend"),
            STEPS + "[5].switchTraffic",
            "switches exactly one of ingress or service"),
        refusal(
            "a downgrade that does not name {previous}",
            m ->
                ((ObjectNode) step(m, 1).get("migration"))
                    .putArray("downgrade")
                    .add("alembic")
                    .add("downgrade")
                    .add("-1"),
            STEPS + "[1].migration.downgrade",
            "must name the revision to go back to as {previous} (the one the current command"
                + " printed before migrating)"),
        refusal(
            "a job environment variable with neither a secret nor a configMap",
            m -> ((ObjectNode) step(m, 4).at("/job/env/0")).remove("secret"),
            STEPS + "[4].job.env[0]",
            "takes its value from exactly one of secret or configMap; literal values are not"
                + " accepted, so no secret is ever written into a release"),
        refusal(
            "a step of two types",
            m -> step(m, 3).set("switchTraffic", step(m, 5).get("switchTraffic").deepCopy()),
            STEPS + "[3]",
            "a step has exactly one of apply, job, migration, switchTraffic, canary; found apply,"
                + " switchTraffic"),
        refusal(
            "a step name used twice",
            m -> step(m, 3).put("name", "backend"),
            STEPS + "[3].name",
            "step 'backend' is named twice (also " + STEPS + "[2])"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("refusals")
  void aBrokenRuleIs400AtItsPathAndStartsNothing(
      String rule, Consumer<ObjectNode> breakIt, String path, String message) {
    ObjectNode manifest = HospitalIntegrationDryRunProcessTest.hospitalExample();
    breakIt.accept(manifest);
    Counts before = counts();

    Response response = http.postJson("requester", "/api/releases", manifest);

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.errorPaths()).containsExactly(path);
    assertThat(messages(response.json())).containsExactly(message);
    assertThat(counts()).isEqualTo(before);
  }

  /**
   * A literal value is not a field of an environment variable: the reader refuses it by its path,
   * without echoing the value.
   */
  @Test
  void aLiteralEnvironmentValueIs400AtTheVariable() {
    ObjectNode manifest = HospitalIntegrationDryRunProcessTest.hospitalExample();
    ObjectNode variable = (ObjectNode) step(manifest, 4).at("/job/env/0");
    variable.remove("secret");
    variable.put("value", "postgresql://integration:hunter2@db.hospital.example/integration");
    Counts before = counts();

    Response response = http.postJson("requester", "/api/releases", manifest);

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.errorPaths()).containsExactly(STEPS + "[4].job.env[0].value");
    assertThat(messages(response.json()))
        .containsExactly("unknown field; expected one of name, secret, configMap");
    assertThat(response.body()).doesNotContain("hunter2");
    assertThat(counts()).isEqualTo(before);
  }

  private static Arguments refusal(
      String rule, Consumer<ObjectNode> breakIt, String path, String message) {
    return Arguments.of(rule, breakIt, path, message);
  }

  private static ObjectNode step(ObjectNode manifest, int index) {
    return (ObjectNode) manifest.at("/kubernetesSteps/steps/" + index);
  }

  private static ArrayNode backendObjects(ObjectNode manifest) {
    return (ArrayNode) step(manifest, 2).at("/apply/objects");
  }

  private static List<String> messages(JsonNode problem) {
    return problem.path("errors").findValuesAsText("message");
  }

  /** What only a submission creates. */
  record Counts(long processes, long releases) {}

  private Counts counts() {
    return new Counts(
        history.createHistoricProcessInstanceQuery().processDefinitionKey("release").count(),
        jdbc.queryForObject("SELECT COUNT(*) FROM cs_release", Long.class));
  }
}
