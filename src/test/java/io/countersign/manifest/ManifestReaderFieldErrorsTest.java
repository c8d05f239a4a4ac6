package io.countersign.manifest;

import static io.countersign.manifest.ManifestReaderFixtures.changed;
import static io.countersign.manifest.ManifestReaderFixtures.object;
import static io.countersign.manifest.ManifestReaderFixtures.reader;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.http.MediaType;

/** One mistake at a time in an otherwise valid manifest: exactly its path is reported. */
class ManifestReaderFieldErrorsTest {
  private static final String PRODUCTION = "release-production.yaml";
  private static final String STAGING = "release-staging.yaml";

  private final ManifestReader reader = reader();

  static Stream<Arguments> mistakes() {
    return Stream.of(
        // Shape: unknown fields, JSON types, enum values.
        mistake(
            "unknown top-level field",
            PRODUCTION,
            m -> m.put("approver", "alice"),
            "$.approver",
            "unknown field"),
        mistake(
            "unknown nested field",
            PRODUCTION,
            m -> fn(m, 0).put("handler", "index.handler"),
            "$.lambda.functions[0].handler",
            "unknown field; expected one of name, alias, artifact, traffic"),
        mistake(
            "unknown field with a name that needs brackets",
            PRODUCTION,
            m -> m.put("change ref", "x"),
            "$['change ref']",
            "unknown field"),
        mistake(
            "version as a number",
            PRODUCTION,
            m -> m.put("version", 2.4),
            "$.version",
            "must be a string (put the value in quotes)"),
        mistake(
            "expectStatus as a string",
            PRODUCTION,
            m -> object(m, "/verification/healthChecks/0").put("expectStatus", "200"),
            "$.verification.healthChecks[0].expectStatus",
            "must be a whole number"),
        mistake(
            "expectStatus as a fraction",
            PRODUCTION,
            m -> object(m, "/verification/healthChecks/0").put("expectStatus", 200.5),
            "$.verification.healthChecks[0].expectStatus",
            "must be a whole number"),
        mistake(
            "metric threshold as a string",
            PRODUCTION,
            m -> object(m, "/verification/metrics/0").put("max", "0.01"),
            "$.verification.metrics[0].max",
            "must be a finite number"),
        mistake(
            "unknown environment",
            PRODUCTION,
            m -> m.put("environment", "qa"),
            "$.environment",
            "unknown environment 'qa'; expected one of development, staging, production"),
        mistake(
            "environment null", PRODUCTION, m -> m.putNull("environment"), "$.environment", null),
        mistake(
            "evidence as an object",
            PRODUCTION,
            m -> m.putObject("evidence").put("type", "security-scan"),
            "$.evidence",
            "must be an array"),
        mistake(
            "evidence item null",
            PRODUCTION,
            m -> ((ArrayNode) m.get("evidence")).insertNull(1),
            "$.evidence[1]",
            "must not be null"),
        mistake(
            "kubernetes as a string",
            PRODUCTION,
            m -> m.put("kubernetes", "medication-cluster"),
            "$.kubernetes",
            "must be an object"),
        mistake(
            "lambda without functions",
            PRODUCTION,
            m -> object(m, "/lambda").remove("functions"),
            "$.lambda.functions",
            "is required"),
        mistake(
            "lambda functions null",
            PRODUCTION,
            m -> object(m, "/lambda").putNull("functions"),
            "$.lambda.functions",
            "must not be null"),
        mistake(
            "function without artifact",
            PRODUCTION,
            m -> fn(m, 1).remove("artifact"),
            "$.lambda.functions[1].artifact",
            "is required"),
        // Bean Validation on the records.
        mistake(
            "missing application", PRODUCTION, m -> m.remove("application"), "$.application", null),
        mistake(
            "empty application, one message",
            PRODUCTION,
            m -> m.put("application", ""),
            "$.application",
            null),
        mistake(
            "bad application name",
            PRODUCTION,
            m -> m.put("application", "Medication Tracker"),
            "$.application",
            Patterns.NAME_MESSAGE),
        mistake(
            "bad version",
            PRODUCTION,
            m -> m.put("version", "v 2.4"),
            "$.version",
            Patterns.VERSION_MESSAGE),
        mistake(
            "missing changeReference",
            PRODUCTION,
            m -> m.remove("changeReference"),
            "$.changeReference",
            null),
        mistake(
            "summary too long",
            PRODUCTION,
            m -> m.put("summary", "x".repeat(2001)),
            "$.summary",
            null),
        mistake(
            "bad sha256",
            PRODUCTION,
            m ->
                object(m, "/evidence/1")
                    .put(
                        "sha256",
                        "2D17B79DA484ADF7E438E18F74D1A27CBF9ECF690ADB0F4EBFB1A1C16D780FD7"),
            "$.evidence[1].sha256",
            Patterns.SHA256_MESSAGE),
        mistake(
            "evidence item without location",
            PRODUCTION,
            m -> object(m, "/evidence/0").remove("location"),
            "$.evidence[0].location",
            null),
        mistake(
            "lambda with no functions",
            PRODUCTION,
            m -> object(m, "/lambda").putArray("functions"),
            "$.lambda.functions",
            null),
        mistake(
            "bad function name",
            PRODUCTION,
            m -> fn(m, 2).put("name", "api handler"),
            "$.lambda.functions[2].name",
            Patterns.LAMBDA_FUNCTION_MESSAGE),
        mistake(
            "numeric alias",
            PRODUCTION,
            m -> fn(m, 2).put("alias", "42"),
            "$.lambda.functions[2].alias",
            Patterns.LAMBDA_ALIAS_MESSAGE),
        mistake(
            "traffic canary without numbers",
            PRODUCTION,
            m -> fn(m, 2).put("traffic", "canary"),
            "$.lambda.functions[2].traffic",
            Patterns.TRAFFIC_MESSAGE),
        mistake(
            "bad bucket",
            PRODUCTION,
            m -> object(m, "/lambda/functions/0/artifact").put("bucket", "Medication_Artifacts"),
            "$.lambda.functions[0].artifact.bucket",
            Patterns.BUCKET_MESSAGE),
        mistake(
            "object key with '..'",
            PRODUCTION,
            m -> object(m, "/frontend/artifact").put("key", "web/../../secrets.zip"),
            "$.frontend.artifact.key",
            Patterns.OBJECT_KEY_MESSAGE),
        mistake(
            "artifact digest in upper case",
            PRODUCTION,
            m -> object(m, "/frontend/artifact").put("sha256", "AB".repeat(32)),
            "$.frontend.artifact.sha256",
            Patterns.SHA256_MESSAGE),
        mistake(
            "migrations with '..'",
            PRODUCTION,
            m -> object(m, "/database").put("migrations", "examples/../../etc"),
            "$.database.migrations",
            Patterns.RELATIVE_PATH_MESSAGE),
        mistake(
            "migrations as an absolute path",
            PRODUCTION,
            m -> object(m, "/database").put("migrations", "/etc/flyway"),
            "$.database.migrations",
            Patterns.RELATIVE_PATH_MESSAGE),
        mistake(
            "bad namespace",
            PRODUCTION,
            m -> object(m, "/kubernetes").put("namespace", "Medication"),
            "$.kubernetes.namespace",
            Patterns.DNS_LABEL_MESSAGE),
        mistake(
            "bad image reference",
            PRODUCTION,
            m ->
                object(m, "/kubernetes/workloads/0/containers/0")
                    .put("image", "Registry.Medication.Example/Backend:2.4.0"),
            "$.kubernetes.workloads[0].containers[0].image",
            Patterns.IMAGE_MESSAGE),
        mistake(
            "workload kind Pod",
            PRODUCTION,
            m -> object(m, "/kubernetes/workloads/1").put("kind", "Pod"),
            "$.kubernetes.workloads[1].kind",
            "must be Deployment or StatefulSet"),
        mistake(
            "rollout timeout 10m",
            PRODUCTION,
            m -> object(m, "/kubernetes").put("timeout", "10m"),
            "$.kubernetes.timeout",
            Patterns.DURATION_MESSAGE),
        mistake(
            "bake window 10m",
            PRODUCTION,
            m -> object(m, "/verification").put("bakeWindow", "10m"),
            "$.verification.bakeWindow",
            Patterns.DURATION_MESSAGE),
        mistake(
            "health check over ftp",
            PRODUCTION,
            m ->
                object(m, "/verification/healthChecks/0")
                    .put("url", "ftp://api.medication.example/health"),
            "$.verification.healthChecks[0].url",
            "must be an http(s) URL"),
        mistake(
            "smoke test method DELETE",
            PRODUCTION,
            m -> object(m, "/verification/smokeTests/0").put("method", "DELETE"),
            "$.verification.smokeTests[0].method",
            "must be GET, HEAD or POST"),
        mistake(
            "expectStatus 99",
            PRODUCTION,
            m -> object(m, "/verification/smokeTests/1").put("expectStatus", 99),
            "$.verification.smokeTests[1].expectStatus",
            null),
        mistake(
            "drill step unknown",
            STAGING,
            m -> m.putObject("drill").put("failAt", "deployEverything"),
            "$.drill.failAt",
            ManifestReaderFixtures.DRILL_STEP_MESSAGE),
        // Rules across fields.
        mistake(
            "drill in production",
            PRODUCTION,
            m -> m.putObject("drill").put("failAt", "deployLambda"),
            "$.drill.failAt",
            "rollback drills are not allowed in production"),
        mistake(
            "duplicate evidence type",
            PRODUCTION,
            m -> object(m, "/evidence/2").put("type", "security-scan"),
            "$.evidence[2].type",
            "duplicate evidence type 'security-scan'; already at $.evidence[0]"),
        mistake(
            "duplicate function",
            PRODUCTION,
            m -> fn(m, 1).put("name", "data_ingestion"),
            "$.lambda.functions[1].name",
            "duplicate function 'data_ingestion'; already at $.lambda.functions[0]"),
        mistake(
            "duplicate workload",
            STAGING,
            m -> object(m, "/kubernetes/workloads/1").put("name", "backend"),
            "$.kubernetes.workloads[1].name",
            "duplicate workload 'Deployment backend'; already at $.kubernetes.workloads[0]"),
        mistake(
            "metric min above max",
            PRODUCTION,
            m -> object(m, "/verification/metrics/1").put("min", 0.9),
            "$.verification.metrics[1].min",
            "must not be greater than max (0.5)"),
        mistake(
            "metric without threshold",
            STAGING,
            m -> object(m, "/verification/metrics/0").remove("max"),
            "$.verification.metrics[0]",
            "needs a threshold: max, min or both"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("mistakes")
  void reportsExactlyThePathOfTheMistake(
      String name, String base, Consumer<ObjectNode> change, String path, String message) {
    byte[] body = changed(base, change);

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class, () -> reader.read(body, MediaType.APPLICATION_JSON));

    if (e == null) {
      fail("accepted a manifest with: " + name);
    }
    assertThat(e.errors()).extracting(FieldErrors.FieldError::path).containsExactly(path);
    if (message != null) {
      assertThat(e.errors().get(0).message()).startsWith(message);
    }
  }

  private static Arguments mistake(
      String name, String base, Consumer<ObjectNode> change, String path, String message) {
    return Arguments.of(name, base, change, path, message);
  }

  private static ObjectNode fn(ObjectNode manifest, int index) {
    return object(manifest, "/lambda/functions/" + index);
  }

  static List<String> paths(InvalidManifestException e) {
    return e.errors().stream().map(FieldErrors.FieldError::path).toList();
  }
}
