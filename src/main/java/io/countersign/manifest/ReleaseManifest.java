package io.countersign.manifest;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What a requester asks Countersign to release. It names targets configured on the server; it never
 * carries URLs of databases, credentials or secrets.
 *
 * <p>{@code sections} holds the sections target capabilities declare beyond the fields here (see
 * {@link ManifestSection}), by name. They are top-level fields in JSON (hence any-getter and
 * any-setter), so a manifest without one has the canonical form and digest it had before sections
 * existed.
 */
public record ReleaseManifest(
    @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String application,
    @NotBlank @Pattern(regexp = Patterns.VERSION, message = Patterns.VERSION_MESSAGE)
        String version,
    @NotNull String environment,
    @NotBlank
        @Size(max = 64)
        @Pattern(regexp = Patterns.REFERENCE, message = Patterns.REFERENCE_MESSAGE)
        String changeReference,
    @Size(max = 2000) String summary,
    @Size(max = 50) List<@NotNull @Valid EvidenceItem> evidence,
    @Valid DatabaseChange database,
    @Valid LambdaChange lambda,
    @Valid FrontendChange frontend,
    @Valid KubernetesChange kubernetes,
    @Valid VerificationPlan verification,
    @Valid Drill drill,
    @JsonAnyGetter @JsonAnySetter Map<String, Object> sections) {

  public ReleaseManifest {
    evidence = evidence == null ? List.of() : List.copyOf(evidence);
    sections =
        sections == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(sections));
  }

  /** The manifest with the sections the reader bound. */
  ReleaseManifest withSections(Map<String, Object> bound) {
    return new ReleaseManifest(
        application,
        version,
        environment,
        changeReference,
        summary,
        evidence,
        database,
        lambda,
        frontend,
        kubernetes,
        verification,
        drill,
        bound);
  }

  public boolean hasDatabase() {
    return database != null;
  }

  public boolean hasLambda() {
    return lambda != null && !lambda.functions().isEmpty();
  }

  public boolean hasFrontend() {
    return frontend != null;
  }

  public boolean hasKubernetes() {
    return kubernetes != null && !kubernetes.workloads().isEmpty();
  }

  /**
   * An artifact of the release pipeline (scan report, test results) proven by its digest. Its
   * location is an {@code s3://} or {@code https://} URL ({@link Patterns#EVIDENCE_LOCATION},
   * checked in {@link ManifestRules}).
   */
  public record EvidenceItem(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String type,
      @NotBlank @Size(max = 1024) String location,
      @NotBlank @Pattern(regexp = Patterns.SHA256, message = Patterns.SHA256_MESSAGE)
          String sha256) {}

  /**
   * Flyway migrations for a configured database target. Locations are relative to the target's
   * allowed roots.
   */
  public record DatabaseChange(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
      @NotBlank
          @Size(max = 512)
          @Pattern(regexp = Patterns.RELATIVE_PATH, message = Patterns.RELATIVE_PATH_MESSAGE)
          String migrations,
      @Size(max = 512)
          @Pattern(regexp = Patterns.RELATIVE_PATH, message = Patterns.RELATIVE_PATH_MESSAGE)
          String rollbacks) {}

  public record LambdaChange(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
      @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid LambdaFunction> functions) {

    public LambdaChange {
      functions = functions == null ? List.of() : List.copyOf(functions);
    }
  }

  public record LambdaFunction(
      @NotBlank
          @Pattern(regexp = Patterns.LAMBDA_FUNCTION, message = Patterns.LAMBDA_FUNCTION_MESSAGE)
          String name,
      @Pattern(regexp = Patterns.LAMBDA_ALIAS, message = Patterns.LAMBDA_ALIAS_MESSAGE)
          String alias,
      @NotNull @Valid Artifact artifact,
      @Pattern(regexp = Patterns.TRAFFIC, message = Patterns.TRAFFIC_MESSAGE) String traffic,
      @Valid LambdaConfiguration configuration,
      @Valid TrafficCheck beforeTraffic,
      @Valid TrafficCheck afterTraffic) {

    /** A function whose code only is deployed, with no configuration and no traffic checks. */
    public LambdaFunction(String name, String alias, Artifact artifact, String traffic) {
      this(name, alias, artifact, traffic, null, null, null);
    }

    public String aliasOrDefault() {
      return alias == null ? "live" : alias;
    }

    public String trafficOrDefault() {
      return traffic == null ? "all-at-once" : traffic;
    }
  }

  /**
   * The function's configuration as this release sets it; what is left out stays as it is. {@code
   * layers} are layer version ARNs, all of them (Lambda replaces the list). Environment values are
   * literals or references to Secrets Manager or Parameter Store, resolved when deployed: a secret
   * is never a literal of a manifest.
   */
  public record LambdaConfiguration(
      @jakarta.validation.constraints.Min(128) @jakarta.validation.constraints.Max(10240)
          Integer memory,
      @jakarta.validation.constraints.Min(1) @jakarta.validation.constraints.Max(900)
          Integer timeout,
      @Size(max = 5)
          List<
                  @NotNull
                  @Pattern(
                      regexp = Patterns.LAYER_VERSION_ARN,
                      message = Patterns.LAYER_VERSION_ARN_MESSAGE)
                  String>
              layers,
      @Size(max = 64) Map<String, @NotNull @Valid EnvironmentValue> environment) {}

  /**
   * One environment variable's value: exactly one of a literal {@code value}, a Secrets Manager
   * secret ({@code secretsManager}: name or ARN, optionally one {@code jsonKey} of a JSON secret
   * and a pinned {@code versionId}) or a Parameter Store parameter ({@code parameterStore}: name,
   * optionally {@code name:version}).
   */
  public record EnvironmentValue(
      @Size(max = 4096) String value,
      @Size(max = 2048) String secretsManager,
      @Size(max = 256) String jsonKey,
      @Size(max = 64) String versionId,
      @Size(max = 2048) String parameterStore) {}

  /**
   * A check of a published Lambda version, as CodeDeploy's BeforeAllowTraffic and AfterAllowTraffic
   * hooks: either the new version is invoked with the team's test {@code event}, or the named
   * validation {@code function} is invoked (it is told the function, alias and version). It passes
   * when the invocation returns without a function error and, if {@code jsonField} is given, the
   * response's field equals {@code jsonValue}.
   */
  public record TrafficCheck(
      Map<String, Object> event,
      @Pattern(regexp = Patterns.LAMBDA_FUNCTION, message = Patterns.LAMBDA_FUNCTION_MESSAGE)
          String function,
      @Size(max = 256)
          @Pattern(
              regexp = "\\$(?:\\.[A-Za-z0-9_-]{1,64}+|\\[[0-9]{1,4}+\\])++",
              message = "must be a JSON path such as $.status or $.checks[0].state")
          String jsonField,
      @Size(max = 256) String jsonValue,
      @Pattern(
              regexp = "PT[0-9]{1,2}(\\.[0-9]{1,3})?S",
              message = "must be a duration in seconds such as PT5S or PT0.5S")
          String timeout) {}

  /**
   * An object in an artifacts bucket (S3), and optionally the SHA-256 of its bytes: given, the
   * deployment checks it (Lambda's CodeSha256, the front end's zip) and promotion compares it.
   */
  public record Artifact(
      @NotBlank @Pattern(regexp = Patterns.BUCKET, message = Patterns.BUCKET_MESSAGE) String bucket,
      @NotBlank
          @Size(max = 1024)
          @Pattern(regexp = Patterns.OBJECT_KEY, message = Patterns.OBJECT_KEY_MESSAGE)
          String key,
      @Pattern(regexp = Patterns.SHA256, message = Patterns.SHA256_MESSAGE) String sha256) {

    /** An artifact named by bucket and key only: its bytes are not pinned. */
    public Artifact(String bucket, String key) {
      this(bucket, key, null);
    }
  }

  /** A static site build published to a configured site target (S3 bucket + CloudFront). */
  public record FrontendChange(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
      @NotNull @Valid Artifact artifact) {}

  public record KubernetesChange(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
      @NotBlank @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String namespace,
      @Pattern(regexp = Patterns.DURATION, message = Patterns.DURATION_MESSAGE) String timeout,
      @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid Workload> workloads) {

    public KubernetesChange {
      workloads = workloads == null ? List.of() : List.copyOf(workloads);
    }

    public String timeoutOrDefault() {
      return timeout == null ? "PT10M" : timeout;
    }
  }

  public record Workload(
      @NotBlank
          @Pattern(regexp = "Deployment|StatefulSet", message = "must be Deployment or StatefulSet")
          String kind,
      @NotBlank @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String name,
      @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid Container> containers) {

    public Workload {
      containers = containers == null ? List.of() : List.copyOf(containers);
    }
  }

  public record Container(
      @NotBlank @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String name,
      @NotBlank @Size(max = 512) @Pattern(regexp = Patterns.IMAGE, message = Patterns.IMAGE_MESSAGE)
          String image) {}

  /** What proves the release healthy afterwards. */
  public record VerificationPlan(
      @Size(max = 20) List<@NotNull @Valid HttpCheck> healthChecks,
      @Size(max = 50) List<@NotNull @Valid HttpCheck> smokeTests,
      @Pattern(regexp = Patterns.DURATION, message = Patterns.DURATION_MESSAGE) String bakeWindow,
      @Pattern(regexp = Patterns.DURATION, message = Patterns.DURATION_MESSAGE) String interval,
      @Size(max = 20) List<@NotNull @Valid MetricRule> metrics,
      @Size(max = 10) List<@NotNull @Valid DataCheck> dataChecks,
      // Left out of the canonical form when empty, so manifests without alarms keep their digest.
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @Size(max = 20)
          List<
                  @NotBlank @Size(max = 255)
                  @Pattern(regexp = Patterns.ALARM_NAME, message = Patterns.ALARM_NAME_MESSAGE)
                  String>
              alarms) {

    public VerificationPlan {
      healthChecks = healthChecks == null ? List.of() : List.copyOf(healthChecks);
      smokeTests = smokeTests == null ? List.of() : List.copyOf(smokeTests);
      metrics = metrics == null ? List.of() : List.copyOf(metrics);
      dataChecks = dataChecks == null ? List.of() : List.copyOf(dataChecks);
      alarms = alarms == null ? List.of() : List.copyOf(alarms);
    }

    /** A plan without CloudWatch alarm gates. */
    public VerificationPlan(
        List<HttpCheck> healthChecks,
        List<HttpCheck> smokeTests,
        String bakeWindow,
        String interval,
        List<MetricRule> metrics,
        List<DataCheck> dataChecks) {
      this(healthChecks, smokeTests, bakeWindow, interval, metrics, dataChecks, null);
    }
  }

  /**
   * One call to a service of the release. Timeout is in seconds with up to milliseconds (PT5S,
   * PT0.5S); jsonField ({@code $.status}, {@code $.checks[0].state}) and jsonValue go together.
   */
  public record HttpCheck(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String name,
      @Pattern(regexp = "GET|HEAD|POST", message = "must be GET, HEAD or POST") String method,
      @NotBlank
          @Size(max = 2048)
          @Pattern(regexp = "https?://[^\\s]+", message = "must be an http(s) URL")
          String url,
      @jakarta.validation.constraints.Min(100) @jakarta.validation.constraints.Max(599)
          Integer expectStatus,
      @Size(max = 512) String bodyContains,
      @Pattern(
              regexp = "PT[0-9]{1,2}(\\.[0-9]{1,3})?S",
              message = "must be a duration in seconds such as PT5S or PT0.5S")
          String timeout,
      @jakarta.validation.constraints.Min(0) @jakarta.validation.constraints.Max(5) Integer retries,
      @Size(max = 256)
          @Pattern(
              regexp = "\\$(?:\\.[A-Za-z0-9_-]{1,64}+|\\[[0-9]{1,4}+\\])++",
              message = "must be a JSON path such as $.status or $.checks[0].state")
          String jsonField,
      @Size(max = 256) String jsonValue) {}

  /**
   * A read-only query against the release's database target: it must return no rows ({@code expect:
   * no-rows}, the default) or exactly one row whose first column is {@code value} ({@code expect:
   * value}). Runs after the migration, after a rollback, or both (the default).
   */
  public record DataCheck(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String name,
      @NotBlank @Size(max = 4000) String sql,
      @Pattern(regexp = "no-rows|value", message = "must be no-rows or value") String expect,
      @Size(max = 256) String value,
      @Pattern(regexp = "migration|rollback|both", message = "must be migration, rollback or both")
          String after) {

    public boolean expectsNoRows() {
      return expect == null || expect.equals("no-rows");
    }

    public boolean runsAfterMigration() {
      return after == null || !after.equals("rollback");
    }

    public boolean runsAfterRollback() {
      return after == null || !after.equals("migration");
    }
  }

  /**
   * A threshold on one metric, measured either by Prometheus ({@code query}, PromQL) or by
   * CloudWatch ({@code cloudwatch}): exactly one of the two (checked by the verification
   * capability).
   */
  public record MetricRule(
      @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String name,
      @Size(min = 1, max = 2048) String query,
      @Valid CloudWatchQuery cloudwatch,
      Double max,
      Double min) {

    /** A Prometheus rule. */
    public MetricRule(String name, String query, Double max, Double min) {
      this(name, query, null, max, min);
    }
  }

  /**
   * A CloudWatch {@code GetMetricData} query: one metric ({@code namespace}, {@code metric}, {@code
   * dimensions}, {@code stat}) or metric math ({@code expression} over {@code metrics}), each with
   * the {@code period} in seconds and how many periods back to look ({@code lookbackPeriods}).
   * Which fields go together is checked by the verification capability.
   */
  public record CloudWatchQuery(
      @Size(min = 1, max = 255)
          @Pattern(
              regexp = Patterns.CLOUDWATCH_NAMESPACE,
              message = Patterns.CLOUDWATCH_NAMESPACE_MESSAGE)
          String namespace,
      @Size(min = 1, max = 255)
          @Pattern(regexp = Patterns.CLOUDWATCH_NAME, message = Patterns.CLOUDWATCH_NAME_MESSAGE)
          String metric,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @Size(max = 30)
          Map<
                  @Size(min = 1, max = 255)
                  @Pattern(
                      regexp = Patterns.CLOUDWATCH_NAME,
                      message = Patterns.CLOUDWATCH_NAME_MESSAGE)
                  String,
                  @NotNull @Size(min = 1, max = 1024)
                  @Pattern(
                      regexp = Patterns.CLOUDWATCH_NAME,
                      message = Patterns.CLOUDWATCH_NAME_MESSAGE)
                  String>
              dimensions,
      @Pattern(regexp = Patterns.CLOUDWATCH_STAT, message = Patterns.CLOUDWATCH_STAT_MESSAGE)
          String stat,
      Integer period,
      @jakarta.validation.constraints.Min(1) @jakarta.validation.constraints.Max(100)
          Integer lookbackPeriods,
      @Size(min = 1, max = 500) String expression,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @Size(max = 10)
          List<@NotNull @Valid CloudWatchMetric> metrics) {

    public CloudWatchQuery {
      dimensions =
          dimensions == null
              ? Map.of()
              : Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
      metrics = metrics == null ? List.of() : List.copyOf(metrics);
    }

    public int periodOrDefault() {
      return period == null ? 60 : period;
    }

    public int lookbackPeriodsOrDefault() {
      return lookbackPeriods == null ? 5 : lookbackPeriods;
    }

    public boolean hasExpression() {
      return expression != null;
    }
  }

  /** One metric of a metric-math expression, named by its {@code id} in the expression. */
  public record CloudWatchMetric(
      @NotBlank
          @Size(max = 255)
          @Pattern(regexp = Patterns.CLOUDWATCH_ID, message = Patterns.CLOUDWATCH_ID_MESSAGE)
          String id,
      @NotBlank
          @Size(max = 255)
          @Pattern(
              regexp = Patterns.CLOUDWATCH_NAMESPACE,
              message = Patterns.CLOUDWATCH_NAMESPACE_MESSAGE)
          String namespace,
      @NotBlank
          @Size(max = 255)
          @Pattern(regexp = Patterns.CLOUDWATCH_NAME, message = Patterns.CLOUDWATCH_NAME_MESSAGE)
          String metric,
      @JsonInclude(JsonInclude.Include.NON_EMPTY) @Size(max = 30)
          Map<
                  @Size(min = 1, max = 255)
                  @Pattern(
                      regexp = Patterns.CLOUDWATCH_NAME,
                      message = Patterns.CLOUDWATCH_NAME_MESSAGE)
                  String,
                  @NotNull @Size(min = 1, max = 1024)
                  @Pattern(
                      regexp = Patterns.CLOUDWATCH_NAME,
                      message = Patterns.CLOUDWATCH_NAME_MESSAGE)
                  String>
              dimensions,
      @NotBlank
          @Pattern(regexp = Patterns.CLOUDWATCH_STAT, message = Patterns.CLOUDWATCH_STAT_MESSAGE)
          String stat) {

    public CloudWatchMetric {
      dimensions =
          dimensions == null
              ? Map.of()
              : Collections.unmodifiableMap(new LinkedHashMap<>(dimensions));
    }
  }

  /**
   * Rehearsal of the rollback path: makes the named dry-run step fail. Refused for production. The
   * reader checks the name against the main steps of the target capabilities.
   */
  public record Drill(@NotBlank String failAt) {}
}
