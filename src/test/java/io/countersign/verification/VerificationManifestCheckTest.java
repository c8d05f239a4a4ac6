package io.countersign.verification;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.manifest.Environments;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestParts;
import io.countersign.manifest.ManifestReader;
import io.countersign.manifest.ReleaseManifest;
import jakarta.validation.Validation;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.boot.context.properties.source.MapConfigurationPropertySource;
import org.springframework.http.MediaType;

class VerificationManifestCheckTest {
  static final VerificationProperties PROPERTIES =
      VerificationProperties.of(
          "dry-run",
          Map.of(
              "staging", List.of("staging.medication.example"),
              "production", List.of("medication.example", "api.medication.example"),
              "development", List.of("localhost")));

  @Test
  void bindsTheYamlShapeWithDefaults() {
    VerificationProperties bound =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.verification.mode", "dry-run",
                        "countersign.targets.verification.allowed-hosts.staging[0]",
                            "staging.medication.example",
                        "countersign.targets.verification.allowed-hosts.production[0]",
                            "medication.example",
                        "countersign.targets.verification.allowed-hosts.production[1]",
                            "api.medication.example",
                        "countersign.targets.verification.allowed-hosts.development[0]",
                            "localhost")))
            .bind("countersign.targets.verification", VerificationProperties.class)
            .get();

    assertThat(bound).isEqualTo(PROPERTIES);
    assertThat(bound.bakeWindow()).isEqualTo(Duration.ofMinutes(10));
    assertThat(bound.interval()).isEqualTo(Duration.ofMinutes(1));
  }

  @Test
  void bindsTheLiveSettingsAndRefusesCredentialsInThePrometheusUrl() {
    VerificationProperties bound =
        new Binder(
                new MapConfigurationPropertySource(
                    Map.of(
                        "countersign.targets.verification.mode", "live",
                        "countersign.targets.verification.inconclusive", "fail",
                        "countersign.targets.verification.prometheus.url",
                            "http://prometheus.monitoring:9090",
                        "countersign.targets.verification.prometheus.timeout", "PT5S")))
            .bind("countersign.targets.verification", VerificationProperties.class)
            .get();

    assertThat(bound.live()).isTrue();
    assertThat(bound.inconclusive()).isEqualTo(VerificationProperties.Inconclusive.FAIL);
    assertThat(bound.prometheus().url()).hasToString("http://prometheus.monitoring:9090");
    assertThat(bound.prometheus().timeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(PROPERTIES.inconclusive()).isEqualTo(VerificationProperties.Inconclusive.PAUSE);
    assertThat(PROPERTIES.prometheus().configured()).isFalse();
    assertThatThrownBy(
            () ->
                new VerificationProperties.Prometheus(
                    java.net.URI.create("http://admin:pw@prometheus:9090"), null))
        .hasMessage("countersign.targets.verification.prometheus.url must not carry credentials");
  }

  @Test
  void acceptsAllowedHostsOfTheManifestsEnvironment() throws Exception {
    assertThat(
            errors(
                "staging",
                "\"healthChecks\":["
                    + check("https://STAGING.medication.example/health")
                    + "],"
                    + "\"smokeTests\":["
                    + check("http://staging.medication.example:8080/login")
                    + "]"))
        .isEmpty();
  }

  @Test
  void refusesHostsOfOtherEnvironmentsWithTheirPath() throws Exception {
    assertThat(
            errors(
                "staging",
                "\"healthChecks\":["
                    + check("https://staging.medication.example/health")
                    + ","
                    + check("https://medication.example/health")
                    + "],\"smokeTests\":["
                    + check("https://evil.example/")
                    + "]"))
        .containsExactly(
            new FieldError(
                "$.verification.healthChecks[1].url",
                "host 'medication.example' is not allowed for staging (allowed: staging.medication.example)"),
            new FieldError(
                "$.verification.smokeTests[0].url",
                "host 'evil.example' is not allowed for staging (allowed: staging.medication.example)"));
  }

  @Test
  void refusesUserInfoTricksAndCredentials() throws Exception {
    assertThat(
            errors(
                "production",
                "\"healthChecks\":["
                    + check("https://medication.example@evil.example/")
                    + ","
                    + check("https://user:secret@medication.example/")
                    + "]"))
        .extracting(FieldError::message)
        .containsExactly("must not carry credentials", "must not carry credentials");
  }

  @Test
  void metricThresholdsAreLeftToTheManifestRules() throws Exception {
    // ManifestRules reports a rule without a bound or with min > max; this check must not repeat
    // it.
    assertThat(
            errors(
                "staging",
                "\"metrics\":[{\"name\":\"latency\",\"query\":\"q\"},"
                    + "{\"name\":\"odd\",\"query\":\"q\",\"min\":2,\"max\":1}]"))
        .isEmpty();
  }

  @Test
  void intervalMustNotSpinTheEngine() throws Exception {
    assertThat(errors("staging", "\"interval\":\"PT1S\""))
        .containsExactly(new FieldError("$.verification.interval", "must be at least PT10S"));
    assertThat(errors("staging", "\"interval\":\"PT30S\",\"bakeWindow\":\"PT0S\"")).isEmpty();
  }

  @Test
  void checkOptionsMustMakeSense() throws Exception {
    assertThat(
            errors(
                "staging",
                "\"healthChecks\":["
                    + "{\"name\":\"a\",\"url\":\"https://staging.medication.example/\",\"timeout\":\"PT0.05S\"},"
                    + "{\"name\":\"b\",\"url\":\"https://staging.medication.example/\",\"timeout\":\"PT31S\"},"
                    + "{\"name\":\"c\",\"url\":\"https://staging.medication.example/\",\"jsonField\":\"$.status\"},"
                    + "{\"name\":\"d\",\"url\":\"https://staging.medication.example/\",\"jsonValue\":\"UP\"},"
                    + "{\"name\":\"e\",\"method\":\"HEAD\",\"url\":\"https://staging.medication.example/\",\"bodyContains\":\"x\"},"
                    + "{\"name\":\"f\",\"url\":\"https://staging.medication.example/\",\"timeout\":\"PT0.3S\",\"retries\":0,"
                    + "\"jsonField\":\"$.checks[0].state\",\"jsonValue\":\"ok\"}]"))
        .containsExactly(
            new FieldError(
                "$.verification.healthChecks[0].timeout", "must be between PT0.1S and PT30S"),
            new FieldError(
                "$.verification.healthChecks[1].timeout", "must be between PT0.1S and PT30S"),
            new FieldError(
                "$.verification.healthChecks[2].jsonValue", "is required with jsonField"),
            new FieldError(
                "$.verification.healthChecks[3].jsonField", "is required with jsonValue"),
            new FieldError(
                "$.verification.healthChecks[4].method", "HEAD has no body to check; use GET"));
  }

  @Test
  void checksThatCouldOutlastTheJobAreRefused() throws Exception {
    String slow =
        "{\"name\":\"s%d\",\"url\":\"https://staging.medication.example/\",\"timeout\":\"PT30S\",\"retries\":1}";
    String quick =
        "{\"name\":\"q\",\"url\":\"https://staging.medication.example/\",\"timeout\":\"PT2S\",\"retries\":0}";
    assertThat(
            errors(
                "staging",
                "\"smokeTests\":["
                    + String.format(slow, 1)
                    + ","
                    + String.format(slow, 2)
                    + ","
                    + quick
                    + "]"))
        .containsExactly(
            new FieldError(
                "$.verification",
                "health checks and smoke tests could take 122 s when every attempt times out; at most 120 s are allowed"
                    + " (fewer checks, retries or a shorter timeout)"));
    assertThat(errors("staging", "\"smokeTests\":[" + String.format(slow, 1) + "]")).isEmpty();
  }

  @Test
  void metricRulesNeedAPrometheusInLiveModeAndFunctionsToBeScoped() throws Exception {
    VerificationProperties live = VerificationProperties.of("live", PROPERTIES.allowedHosts());
    String rules =
        "\"metrics\":[{\"name\":\"errors\",\"query\":\"rate(errors{function=\\\"{function}\\\"}[1m])\",\"max\":0.01}]";

    assertThat(errors(live, "staging", "", rules))
        .containsExactly(
            new FieldError(
                "$.verification.metrics",
                "this server has no Prometheus configured to ask "
                    + "(countersign.targets.verification.prometheus.url)"),
            new FieldError(
                "$.verification.metrics[0].query",
                "uses {function} but the manifest has no Lambda functions to put there"));
    assertThat(errors(PROPERTIES, "staging", LAMBDA, rules)).isEmpty();
  }

  @Test
  void dataChecksOnlyReadTheReleasesDatabase() throws Exception {
    String checks =
        "\"dataChecks\":["
            + "{\"name\":\"orphans\",\"sql\":\"SELECT r.id FROM dose_reminders r LEFT JOIN dose_events e ON e.id = r.dose_event_id WHERE e.id IS NULL\"},"
            + "{\"name\":\"count\",\"sql\":\"WITH p AS (SELECT id FROM patients) SELECT count(*) FROM p\",\"expect\":\"value\",\"value\":\"0\"},"
            + "{\"name\":\"two\",\"sql\":\"SELECT 1; DROP TABLE patients\"},"
            + "{\"name\":\"wipe\",\"sql\":\"DELETE FROM patients\"},"
            + "{\"name\":\"sneaky\",\"sql\":\"WITH d AS (DELETE FROM patients RETURNING id) SELECT count(*) FROM d\"},"
            + "{\"name\":\"copy\",\"sql\":\"SELECT * INTO backup FROM patients\"},"
            + "{\"name\":\"hidden\",\"sql\":\"SELECT 1 /* ; */\"},"
            + "{\"name\":\"novalue\",\"sql\":\"SELECT 1\",\"expect\":\"value\"},"
            + "{\"name\":\"orphans\",\"sql\":\"SELECT 1\",\"value\":\"1\"}]";

    assertThat(errors(PROPERTIES, "staging", DATABASE, checks))
        .containsExactly(
            new FieldError(
                "$.verification.dataChecks[2].sql", "must be a single statement without ';'"),
            new FieldError(
                "$.verification.dataChecks[3].sql", "must be a query starting with SELECT or WITH"),
            new FieldError(
                "$.verification.dataChecks[4].sql",
                "must only read: 'DELETE' is not allowed in a data check"),
            new FieldError(
                "$.verification.dataChecks[5].sql",
                "must only read: 'INTO' is not allowed in a data check"),
            new FieldError(
                "$.verification.dataChecks[6].sql", "must be a single statement without ';'"),
            new FieldError("$.verification.dataChecks[7].value", "is required with expect: value"),
            new FieldError("$.verification.dataChecks[8].name", "duplicate data check 'orphans'"),
            new FieldError(
                "$.verification.dataChecks[8].value",
                "is only for expect: value (this check expects no rows)"));
    assertThat(
            errors(
                PROPERTIES,
                "staging",
                "",
                "\"dataChecks\":[{\"name\":\"a\",\"sql\":\"SELECT 1\"}]"))
        .containsExactly(
            new FieldError(
                "$.verification.dataChecks",
                "need the database section: they run against its target"));
  }

  @Test
  void dataCheckSqlRefusals() {
    assertThat(DataCheckSql.refusal("select id from patients where updated_at > now()")).isNull();
    assertThat(DataCheckSql.refusal("SELECT replace(name, 'a', 'b') FROM medications")).isNull();
    assertThat(DataCheckSql.refusal("SELECT 1 -- comment")).isEqualTo("must not contain comments");
    assertThat(DataCheckSql.refusal("SELECT 1 FOR UPDATE"))
        .isEqualTo("must only read: 'UPDATE' is not allowed in a data check");
    assertThat(DataCheckSql.refusal("SELECT nextval('s')"))
        .isEqualTo("must only read: 'NEXTVAL' is not allowed in a data check");
    assertThat(DataCheckSql.refusal("EXPLAIN SELECT 1"))
        .isEqualTo("must be a query starting with SELECT or WITH");
    assertThat(DataCheckSql.refusal("SELECT '" + "x".repeat(4000) + "'"))
        .isEqualTo("must be at most 4000 characters");
  }

  @Test
  void theManifestReaderRefusesBadFieldsThenHostsOffTheAllowList() {
    ManifestReader reader =
        new ManifestReader(
            Validation.buildDefaultValidatorFactory().getValidator(),
            ManifestParts.of(
                List.of(), List.of(new VerificationManifestCheck(PROPERTIES)), List.of()),
            Environments.defaults());
    String malformed =
        manifest(
            "{\"healthChecks\":[{\"name\":\"a\",\"url\":\"https://staging.medication.example/\","
                + "\"timeout\":\"5s\",\"retries\":9,\"jsonField\":\"status\",\"jsonValue\":\"UP\"}],"
                + "\"dataChecks\":[{\"name\":\"a\",\"sql\":\"SELECT 1\",\"expect\":\"rows\",\"after\":\"never\"}]}");
    String offList =
        manifest(
            "{\"healthChecks\":[{\"name\":\"a\",\"url\":\"http://169.254.169.254/latest/meta-data\"}]}");

    assertThatThrownBy(
            () ->
                reader.read(malformed.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldError::path)
                    .containsExactlyInAnyOrder(
                        "$.verification.healthChecks[0].timeout",
                        "$.verification.healthChecks[0].retries",
                        "$.verification.healthChecks[0].jsonField",
                        "$.verification.dataChecks[0].expect",
                        "$.verification.dataChecks[0].after"));
    assertThatThrownBy(
            () -> reader.read(offList.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .containsExactly(
                        new FieldError(
                            "$.verification.healthChecks[0].url",
                            "host '169.254.169.254' is not allowed for staging (allowed: staging.medication.example)")));
  }

  private static String manifest(String verification) {
    return "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\"staging\","
        + "\"changeReference\":\"CHG-1\",\"verification\":"
        + verification
        + "}";
  }

  private static final String DATABASE =
      "\"database\":{\"target\":\"medication-db\",\"migrations\":\"db/migration\"},";
  private static final String LAMBDA =
      "\"lambda\":{\"target\":\"medication-aws\",\"functions\":[{\"name\":\"api_handler\","
          + "\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"a.zip\"}}]},";

  private static List<FieldError> errors(
      VerificationProperties properties, String environment, String sections, String plan)
      throws Exception {
    String manifest =
        "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\""
            + environment
            + "\",\"changeReference\":\"CHG-1\","
            + sections
            + "\"verification\":{"
            + plan
            + "}}";
    FieldErrors errors = new FieldErrors();
    new VerificationManifestCheck(properties)
        .check(new ObjectMapper().readValue(manifest, ReleaseManifest.class), errors);
    return errors.list();
  }

  private static List<FieldError> errors(String environment, String plan) throws Exception {
    String manifest =
        "{\"application\":\"medication-tracker\",\"version\":\"2.4.0\",\"environment\":\""
            + environment
            + "\",\"changeReference\":\"CHG-1\",\"verification\":{"
            + plan
            + "}}";
    FieldErrors errors = new FieldErrors();
    new VerificationManifestCheck(PROPERTIES)
        .check(new ObjectMapper().readValue(manifest, ReleaseManifest.class), errors);
    return errors.list();
  }

  private static String check(String url) {
    return "{\"name\":\"c\",\"url\":\"" + url + "\"}";
  }
}
