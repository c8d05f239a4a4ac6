package io.countersign.verification;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudWatchApi;
import io.countersign.aws.FakeCloudWatchApi.Datapoint;
import io.countersign.aws.FakeLambdaApi;
import java.time.Instant;
import java.util.Date;
import java.util.Map;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;

/**
 * What the CloudWatch process tests share: live Lambda against a fake of the Lambda API, the live
 * verification adapter against a fake of CloudWatch's Query API (started once per test class, as
 * each class with its own properties has its own context), and the release they gate.
 */
abstract class CloudWatchProcessSupport extends ProcessTestSupport {
  static final Map<String, String> API = Map.of("FunctionName", "api_handler");
  static final Instant START = Instant.parse("2026-12-01T09:00:00Z");
  static FakeLambdaApi lambda;
  static FakeCloudWatchApi cloudWatch;

  @DynamicPropertySource
  static synchronized void liveTargets(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
      cloudWatch = FakeCloudWatchApi.startServer();
    }
    registry.add("countersign.targets.lambda.mode", () -> "live");
    // No final hold: the tests move the clock for the bake window's evaluations only.
    registry.add("countersign.targets.lambda.final-hold", () -> "PT0S");
    registry.add(
        "countersign.targets.lambda.targets.medication-aws.endpoints.lambda",
        () -> lambda.endpoint().toString());
    registry.add("countersign.targets.lambda.targets.medication-aws.max-attempts", () -> "1");
    registry.add("countersign.targets.verification.mode", () -> "live");
    registry.add("countersign.targets.verification.cloudwatch.region", () -> "eu-west-1");
    registry.add(
        "countersign.targets.verification.cloudwatch.endpoints.cloudwatch",
        () -> cloudWatch.endpoint().toString());
    registry.add("countersign.targets.verification.cloudwatch.max-attempts", () -> "1");
  }

  @AfterAll
  static void stop() {
    // The next class's context starts them again, on ports of their own.
    if (lambda != null) {
      lambda.stop();
      cloudWatch.stop();
      lambda = null;
      cloudWatch = null;
    }
  }

  @BeforeEach
  void servers() {
    ClockUtil.setCurrentTime(Date.from(START));
    cloudWatch.reset();
    lambda.reset();
    lambda.function("api_handler", "live", 7, "sha-api-7");
    lambda.artifact("medication-artifacts", "lambda/api_handler/2.4.0/function.zip", "sha-api-8");
    cloudWatch.alarm("api_handler-errors", "OK", "Threshold not crossed", START);
  }

  /**
   * The API function only, shifted as {@code traffic} says, watched for a minute every 30 s; no
   * health checks, Prometheus rules or data checks.
   */
  ObjectNode release(String traffic) {
    ObjectNode m = example("staging");
    m.remove("database");
    m.remove("frontend");
    m.remove("kubernetes");
    ArrayNode functions = (ArrayNode) m.get("lambda").get("functions");
    functions.remove(0);
    functions.remove(0);
    ((ObjectNode) functions.get(0)).put("traffic", traffic);
    ObjectNode verification = (ObjectNode) m.get("verification");
    verification.remove("healthChecks");
    verification.remove("smokeTests");
    verification.remove("dataChecks");
    verification.remove("metrics");
    verification.put("bakeWindow", "PT1M").put("interval", "PT30S");
    return m;
  }

  /** Lambda's Errors (Sum per minute) of the shifting function, at most 5. */
  static ObjectNode errorsRule(ObjectNode m) {
    ObjectNode rule = ((ObjectNode) m.get("verification")).putArray("metrics").addObject();
    rule.put("name", "errors").put("max", 5);
    ObjectNode cw = rule.putObject("cloudwatch");
    cw.put("namespace", "AWS/Lambda").put("metric", "Errors").put("stat", "Sum");
    cw.putObject("dimensions").put("FunctionName", "{function}");
    return m;
  }

  static ObjectNode alarms(ObjectNode m, String... names) {
    ArrayNode list = ((ObjectNode) m.get("verification")).putArray("alarms");
    for (String name : names) {
      list.add(name);
    }
    return m;
  }

  static void errors(double value) {
    cloudWatch.metric(
        "AWS/Lambda",
        "Errors",
        API,
        "Sum",
        new Datapoint(Instant.parse("2026-12-01T08:58:00Z"), 0),
        new Datapoint(Instant.parse("2026-12-01T08:59:00Z"), value));
  }

  /** AWS credentials for the fakes (each concrete class imports it). */
  @TestConfiguration
  static class Credentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }
}
