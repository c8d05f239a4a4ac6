package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.manifest.Environments;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestParts;
import io.countersign.manifest.ManifestReader;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.CloudWatchQuery;
import io.countersign.manifest.ReleaseManifest.MetricRule;
import io.countersign.process.ManifestStore;
import jakarta.validation.Validation;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.MediaType;

/**
 * CloudWatch metric rules and alarm gates in the manifest, read by the real reader (shape, Bean
 * Validation, the verification check): the issue's YAML reads, every bad field is refused at its
 * path, and the properties bind.
 */
class CloudWatchManifestTest {
  private static final MediaType YAML = MediaType.parseMediaType("application/yaml");
  private static final VerificationProperties CLOUDWATCH =
      new Binder(
              new MapConfigurationPropertySource(
                  Map.of(
                      "countersign.targets.verification.mode", "live",
                      "countersign.targets.verification.cloudwatch.region", "eu-west-1",
                      "countersign.targets.verification.cloudwatch.max-attempts", "2",
                      "countersign.targets.verification.alarms.insufficient-data", "alarm")))
          .bind("countersign.targets.verification", VerificationProperties.class)
          .get();

  private static final String HEAD =
      """
      application: medication-tracker
      version: 2.4.0
      environment: staging
      changeReference: CHG-1
      lambda:
        target: medication-aws
        functions:
          - name: api_handler
            artifact: {bucket: medication-artifacts, key: a.zip}
          - name: data_ingestion
            artifact: {bucket: medication-artifacts, key: b.zip}
      verification:
      """;

  private static final String ISSUE_EXAMPLE =
      HEAD
          + """
            alarms: ["{function}-errors", "medication-api-5xx"]
            metrics:
              - name: errors
                cloudwatch: {namespace: AWS/Lambda, metric: Errors, dimensions: {FunctionName: "{function}"}, stat: Sum, period: 60}
                max: 5
              - name: p95-duration
                cloudwatch: {namespace: AWS/Lambda, metric: Duration, dimensions: {FunctionName: "{function}"}, stat: p95, period: 60, lookbackPeriods: 10}
                max: 500
              - name: error-rate
                cloudwatch:
                  expression: "100 * errors / invocations"
                  metrics:
                    - {id: errors, namespace: AWS/Lambda, metric: Errors, dimensions: {FunctionName: "{function}"}, stat: Sum}
                    - {id: invocations, namespace: AWS/Lambda, metric: Invocations, dimensions: {FunctionName: "{function}"}, stat: Sum}
                  period: 60
                max: 1
          """;

  @Test
  void theIssuesExampleReadsAndEachRuleIsScopedPerFunction() {
    ReleaseManifest manifest = read(CLOUDWATCH, ISSUE_EXAMPLE);

    List<MetricRule> rules = manifest.verification().metrics();
    assertThat(rules).allMatch(MetricRules::scoped);
    assertThat(manifest.verification().alarms())
        .containsExactly("{function}-errors", "medication-api-5xx");
    CloudWatchQuery math = rules.get(2).cloudwatch();
    assertThat(math.hasExpression()).isTrue();
    assertThat(math.periodOrDefault()).isEqualTo(60);
    assertThat(math.lookbackPeriodsOrDefault()).isEqualTo(5);
    assertThat(rules.get(1).cloudwatch().lookbackPeriodsOrDefault()).isEqualTo(10);

    MetricRule scoped = MetricRules.forFunction(rules.get(2), "api_handler");
    assertThat(scoped.name()).isEqualTo("error-rate[api_handler]");
    assertThat(MetricRules.describe(scoped))
        .isEqualTo(
            "100 * errors / invocations where errors = AWS/Lambda Errors {FunctionName=api_handler}"
                + " Sum, invocations = AWS/Lambda Invocations {FunctionName=api_handler} Sum per 60 s");
    assertThat(MetricRules.describe(MetricRules.forFunction(rules.get(0), "data_ingestion")))
        .isEqualTo("AWS/Lambda Errors {FunctionName=data_ingestion} Sum per 60 s");
    assertThat(MetricRules.provider(scoped)).isEqualTo("cloudwatch");
    assertThat(
            MetricRules.expand(rules, List.of("api_handler", "data_ingestion")).stream()
                .map(MetricRule::name))
        .containsExactly(
            "errors[api_handler]",
            "errors[data_ingestion]",
            "p95-duration[api_handler]",
            "p95-duration[data_ingestion]",
            "error-rate[api_handler]",
            "error-rate[data_ingestion]");
    assertThat(
            Alarms.expand(
                manifest.verification().alarms(), List.of("api_handler", "data_ingestion")))
        .containsExactly("api_handler-errors", "data_ingestion-errors", "medication-api-5xx");
    assertThat(Alarms.forFunction(manifest.verification().alarms(), "data_ingestion"))
        .containsExactly("data_ingestion-errors", "medication-api-5xx");
  }

  @Test
  void theCanonicalFormOfAManifestWithoutTheNewFieldsIsWhatItWas() {
    String prometheusOnly =
        HEAD
            + """
              metrics:
                - {name: errors, query: "sum(rate(errors[1m]))", max: 1}
            """;
    String cloudWatchWithoutDimensions =
        HEAD
            + """
              metrics:
                - {name: throttles, cloudwatch: {namespace: AWS/Lambda, metric: Throttles, stat: Sum}, max: 1}
            """;

    assertThat(
            ManifestStore.canonical(
                read(VerificationProperties.of("dry-run", Map.of()), prometheusOnly)))
        .contains(
            "\"metrics\":[{\"max\":1,\"name\":\"errors\",\"query\":\"sum(rate(errors[1m]))\"}]")
        .doesNotContain("alarms")
        .doesNotContain("cloudwatch");
    assertThat(ManifestStore.canonical(read(CLOUDWATCH, cloudWatchWithoutDimensions)))
        .contains(
            "\"cloudwatch\":{\"metric\":\"Throttles\",\"namespace\":\"AWS/Lambda\",\"stat\":\"Sum\"}");
  }

  @Test
  void badValuesAreRefusedEachAtItsPath() {
    String bad =
        HEAD
            + """
              alarms: ["ok-alarm", "tab\\there", ""]
              metrics:
                - name: bad-stat
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Median, period: 45}
                  max: 1
                - name: bad-ids
                  cloudwatch:
                    expression: "a + b"
                    metrics:
                      - {id: Errors, namespace: AWS/Lambda, metric: Errors, stat: Sum}
                      - {id: b, namespace: ":bad", metric: Errors, stat: p101}
                  max: 1
                - name: long-look-back
                  cloudwatch: {namespace: Medication, metric: Latency, stat: p99.9, period: 10, lookbackPeriods: 101}
                  max: 1
                - name: unknown-field
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Sum, region: us-east-1}
                  max: 1
                - name: long-expression
                  cloudwatch:
                    expression: "%s"
                    metrics: [{id: a, namespace: AWS/Lambda, metric: Errors, stat: Sum}]
                  max: 1
                - name: control-in-dimension
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Sum, dimensions: {FunctionName: "a\\nb"}}
                  max: 1
            """
                .formatted("a + ".repeat(130) + "a");

    assertThat(errors(CLOUDWATCH, bad))
        .containsExactlyInAnyOrder(
            new FieldError(
                "$.verification.alarms[1]",
                "must be a CloudWatch alarm name (no control characters)"),
            new FieldError("$.verification.alarms[2]", "must not be blank"),
            new FieldError(
                "$.verification.metrics[0].cloudwatch.stat",
                "must be Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p95 or p99.9"),
            new FieldError(
                "$.verification.metrics[1].cloudwatch.metrics[0].id",
                "must start with a lower-case letter, then letters, digits and '_' (CloudWatch's rule)"),
            new FieldError(
                "$.verification.metrics[1].cloudwatch.metrics[1].namespace",
                "must be a CloudWatch namespace such as AWS/Lambda (letters, digits, . - _ / # : and spaces)"),
            new FieldError(
                "$.verification.metrics[1].cloudwatch.metrics[1].stat",
                "must be Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p95 or p99.9"),
            new FieldError(
                "$.verification.metrics[2].cloudwatch.lookbackPeriods",
                "must be less than or equal to 100"),
            new FieldError(
                "$.verification.metrics[3].cloudwatch.region",
                "unknown field; expected one of namespace, metric, dimensions, stat, period,"
                    + " lookbackPeriods, expression, metrics"),
            new FieldError(
                "$.verification.metrics[4].cloudwatch.expression",
                "size must be between 1 and 500"),
            new FieldError(
                "$.verification.metrics[5].cloudwatch.dimensions",
                "must not contain control characters"));
  }

  @Test
  void fieldsThatDoNotGoTogetherAreRefusedEachAtItsPath() {
    String bad =
        HEAD
            + """
              alarms: ["ok-alarm", "ok-alarm"]
              metrics:
                - name: both
                  query: sum(rate(errors[1m]))
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Sum}
                  max: 1
                - name: neither
                  max: 1
                - name: bad-period
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Sum, period: 45}
                  max: 1
                - name: missing
                  cloudwatch: {stat: Sum, metrics: [{id: a, namespace: AWS/Lambda, metric: Errors, stat: Sum}]}
                  max: 1
                - name: bad-ids
                  cloudwatch:
                    expression: "a + result"
                    namespace: AWS/Lambda
                    metrics:
                      - {id: result, namespace: AWS/Lambda, metric: Errors, stat: Sum}
                      - {id: a, namespace: AWS/Lambda, metric: Errors, stat: Sum}
                      - {id: a, namespace: AWS/Lambda, metric: Throttles, stat: Sum}
                  max: 1
                - name: no-inputs
                  cloudwatch: {expression: "a * 2", period: 0}
                  max: 1
                - name: hour
                  cloudwatch: {namespace: AWS/Lambda, metric: Errors, stat: Sum, period: 3600}
                  max: 1
            """;

    assertThat(errors(CLOUDWATCH, bad))
        .containsExactlyInAnyOrder(
            new FieldError("$.verification.alarms[1]", "duplicate alarm 'ok-alarm'"),
            new FieldError(
                "$.verification.metrics",
                "this server has no Prometheus configured to ask "
                    + "(countersign.targets.verification.prometheus.url)"),
            new FieldError(
                "$.verification.metrics[0].cloudwatch",
                "give either query (Prometheus) or cloudwatch, not both"),
            new FieldError(
                "$.verification.metrics[1]",
                "needs a query (Prometheus) or cloudwatch (a CloudWatch metric)"),
            new FieldError(
                "$.verification.metrics[2].cloudwatch.period",
                "must be 1, 5, 10, 30 or a multiple of 60 seconds up to 86400"),
            new FieldError(
                "$.verification.metrics[3].cloudwatch.namespace",
                "is required (e.g. AWS/Lambda), or give an expression"),
            new FieldError(
                "$.verification.metrics[3].cloudwatch.metric",
                "is required (e.g. Errors), or give an expression"),
            new FieldError(
                "$.verification.metrics[3].cloudwatch.metrics",
                "are the inputs of an expression: give one, or no metrics"),
            new FieldError(
                "$.verification.metrics[4].cloudwatch.namespace",
                "is for one metric; with an expression, each of its metrics has its own"),
            new FieldError(
                "$.verification.metrics[4].cloudwatch.metrics[0].id",
                "'result' is reserved for the expression"),
            new FieldError(
                "$.verification.metrics[4].cloudwatch.metrics[2].id", "duplicate id 'a'"),
            new FieldError(
                "$.verification.metrics[5].cloudwatch.metrics",
                "an expression needs the metrics it names (id, namespace, ...)"),
            new FieldError(
                "$.verification.metrics[5].cloudwatch.period",
                "must be 1, 5, 10, 30 or a multiple of 60 seconds up to 86400"));
  }

  @Test
  void cloudWatchRulesAndAlarmsNeedACloudWatchInLiveModeAndFunctionsToScope() {
    VerificationProperties noCloudWatch = VerificationProperties.of("live", Map.of());
    String plan =
        """
        application: medication-tracker
        version: 2.4.0
        environment: staging
        changeReference: CHG-1
        verification:
          alarms: ["{function}-errors"]
          metrics:
            - name: errors
              cloudwatch: {namespace: AWS/Lambda, metric: Errors, dimensions: {FunctionName: "{function}"}, stat: Sum}
              max: 5
        """;

    assertThat(errors(noCloudWatch, plan))
        .containsExactlyInAnyOrder(
            new FieldError(
                "$.verification.metrics",
                "this server has no CloudWatch configured to ask "
                    + "(countersign.targets.verification.cloudwatch.region)"),
            new FieldError(
                "$.verification.metrics[0].cloudwatch",
                "uses {function} but the manifest has no Lambda functions to put there"),
            new FieldError(
                "$.verification.alarms",
                "this server has no CloudWatch configured to ask "
                    + "(countersign.targets.verification.cloudwatch.region)"),
            new FieldError(
                "$.verification.alarms[0]",
                "uses {function} but the manifest has no Lambda functions to put there"));
  }

  @Test
  void alarmsMustFitOneDescribeAlarmsCallOnceExpanded() {
    StringBuilder functions = new StringBuilder();
    for (int i = 0; i < 20; i++) {
      functions
          .append("    - name: fn")
          .append(i)
          .append("\n      artifact: {bucket: medication-artifacts, key: a.zip}\n");
    }
    StringBuilder alarms = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      alarms.append(i == 0 ? "" : ", ").append("\"{function}-alarm").append(i).append('"');
    }
    String manifest =
        """
        application: medication-tracker
        version: 2.4.0
        environment: staging
        changeReference: CHG-1
        lambda:
          target: medication-aws
          functions:
        %s
        verification:
          alarms: [%s]
        """
            .formatted(functions.toString().stripTrailing(), alarms);

    assertThat(errors(CLOUDWATCH, manifest))
        .containsExactly(
            new FieldError(
                "$.verification.alarms",
                "name 120 alarms once {function} is expanded; at most 100 (one DescribeAlarms call)"));
  }

  @Test
  void thePropertiesBindAndAreCheckedAtStart() {
    assertThat(CLOUDWATCH.cloudwatch().configured()).isTrue();
    assertThat(CLOUDWATCH.cloudwatch().aws().maxAttemptsOrDefault()).isEqualTo(2);
    assertThat(CLOUDWATCH.alarms().insufficientData())
        .isEqualTo(VerificationProperties.InsufficientData.ALARM);
    assertThat(VerificationProperties.of("live", Map.of()).alarms().insufficientData())
        .isEqualTo(VerificationProperties.InsufficientData.INCONCLUSIVE);
    assertThat(VerificationProperties.of("live", Map.of()).cloudwatch().problems()).isEmpty();

    VerificationProperties wrong =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.verification.mode", "live",
                        "countersign.targets.verification.cloudwatch.region", "Ireland",
                        "countersign.targets.verification.cloudwatch.endpoints.cloudwatch",
                            "ftp://monitoring")))
            .bind("countersign.targets.verification", VerificationProperties.class)
            .get();
    assertThatThrownBy(() -> new VerificationTargets().verificationTarget(wrong))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "live verification target misconfigured: "
                + "countersign.targets.verification.cloudwatch.region 'Ireland' is not an AWS region"
                + " (e.g. eu-west-1); countersign.targets.verification.cloudwatch.endpoints.cloudwatch"
                + " must be an absolute http(s) URL, not 'ftp://monitoring'");
    // An endpoint without a region is a CloudWatch half configured, not none.
    VerificationProperties half =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.verification.mode", "live",
                        "countersign.targets.verification.cloudwatch.endpoints.cloudwatch",
                            "http://localhost:4566")))
            .bind("countersign.targets.verification", VerificationProperties.class)
            .get();
    assertThat(half.cloudwatch().problems())
        .containsExactly(
            "countersign.targets.verification.cloudwatch.region is required (e.g. eu-west-1)");
  }

  private static ReleaseManifest read(VerificationProperties properties, String yaml) {
    return reader(properties).read(yaml.getBytes(StandardCharsets.UTF_8), YAML);
  }

  private static List<FieldError> errors(VerificationProperties properties, String yaml) {
    try {
      read(properties, yaml);
    } catch (InvalidManifestException e) {
      return e.errors();
    }
    return List.of();
  }

  private static ManifestReader reader(VerificationProperties properties) {
    return new ManifestReader(
        Validation.buildDefaultValidatorFactory().getValidator(),
        ManifestParts.of(List.of(), List.of(new VerificationManifestCheck(properties)), List.of()),
        Environments.defaults());
  }
}
