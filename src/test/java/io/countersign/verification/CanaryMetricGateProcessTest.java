package io.countersign.verification;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.FakeLambdaApi.AliasState;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * A canary Lambda release whose metric gate fails at its first step: live Lambda against WireMock
 * speaking the Lambda API, the real metric gate asking WireMock speaking Prometheus' query API.
 */
@Import(CanaryMetricGateProcessTest.Credentials.class)
class CanaryMetricGateProcessTest extends ProcessTestSupport {
  private static final String FUNCTION_ERRORS =
      "sum(rate(lambda_errors_total{function=\"{function}\"}[1m])) / sum(rate(lambda_invocations_total{function=\"{function}\"}[1m]))";
  private static final WireMockServer PROMETHEUS = new WireMockServer(options().dynamicPort());
  private static FakeLambdaApi lambda;

  @DynamicPropertySource
  static synchronized void liveTargets(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
      PROMETHEUS.start();
    }
    registry.add("countersign.targets.lambda.mode", () -> "live");
    registry.add(
        "countersign.targets.lambda.targets.medication-aws.endpoints.lambda",
        () -> lambda.endpoint().toString());
    registry.add("countersign.targets.lambda.targets.medication-aws.max-attempts", () -> "1");
    // All traffic is gated at once, without the final hold's timer (LambdaTrafficCheckProcessTest
    // holds it).
    registry.add("countersign.targets.lambda.final-hold", () -> "PT0S");
    registry.add("countersign.targets.verification.mode", () -> "live");
    registry.add(
        "countersign.targets.verification.prometheus.url",
        () -> "http://localhost:" + PROMETHEUS.port());
  }

  @AfterAll
  static void stop() {
    lambda.stop();
    PROMETHEUS.stop();
  }

  @BeforeEach
  void servers() {
    PROMETHEUS.resetAll();
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-api-7");
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-api-8");
  }

  /**
   * Only the API function, as a 10 % canary for 5 minutes, gated on its own error rate (max 1 %).
   */
  private ObjectNode canary() {
    ObjectNode m = example("staging");
    m.remove("database");
    m.remove("frontend");
    m.remove("kubernetes");
    ArrayNode functions = (ArrayNode) m.get("lambda").get("functions");
    functions.remove(0);
    functions.remove(0);
    ((ObjectNode) functions.get(0)).put("traffic", "canary10-5");
    ObjectNode verification = (ObjectNode) m.get("verification");
    verification.remove("healthChecks");
    verification.remove("smokeTests");
    ArrayNode metrics = verification.putArray("metrics");
    metrics
        .addObject()
        .put("name", "function-errors")
        .put("query", FUNCTION_ERRORS)
        .put("max", 0.01);
    return m;
  }

  @Test
  void theGateFailsAtTheFirstStepAndTheAliasGoesBackWithNoWeights() {
    PrometheusStubs.answer(
        PROMETHEUS,
        FUNCTION_ERRORS.replace("{function}", "api_handler"),
        PrometheusStubs.vector("0.042"));
    String id = submit(canary());
    approveAll(id);
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of("8", 0.1));

    fireTimer(id, "lambdaTrafficHold");

    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("function-errors");
    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("7", Map.of());
    assertThat(evidence.entries(id).stream().filter(e -> e.type().equals("metrics-verdict")))
        .anySatisfy(
            e -> {
              assertThat(e.payload().get("verdict").asText()).isEqualTo("FAIL");
              assertThat(e.payload().get("function").asText()).isEqualTo("api_handler");
              assertThat(e.payload().get("percent").asInt()).isEqualTo(10);
            });
  }

  @Test
  void aHealthyCanaryGoesToAllTraffic() {
    PrometheusStubs.answer(
        PROMETHEUS,
        FUNCTION_ERRORS.replace("{function}", "api_handler"),
        PrometheusStubs.vector("0.001"));
    String id = submit(canary());
    approveAll(id);
    fireTimer(id, "lambdaTrafficHold");

    assertThat(lambda.alias("api_handler", "live"))
        .extracting(AliasState::version, AliasState::weights)
        .containsExactly("8", Map.of());
    assertThat(status(id)).isEqualTo("released");
  }

  @TestConfiguration
  static class Credentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }
}
