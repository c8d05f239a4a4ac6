package io.countersign.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * /actuator/prometheus: authenticated, Countersign's meters there from the start, moved by a
 * release that goes through (staging, dry-run targets) and by one that rolls back; and the Grafana
 * dashboard and the alert rules in deploy/monitoring use only metrics that are emitted.
 */
@ApiAppSupport
class MetricsTest {
  private static final Path DASHBOARD = Path.of("deploy/monitoring/grafana-dashboard.json");
  private static final Path ALERTS = Path.of("deploy/monitoring/prometheus-alerts.yaml");
  private static final String PROMETHEUS = "/actuator/prometheus";

  @LocalServerPort int port;
  @Autowired StateGauges gauges;
  @Autowired TaskService tasks;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void anonymousScrapesAndWrongPasswordsAreRefused() throws Exception {
    HttpResponse<String> anonymous =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + port + PROMETHEUS))
                    .GET()
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(anonymous.body()).doesNotContain("countersign_");
    Response wrong = http.getWithPassword("requester", "not-the-password", PROMETHEUS);
    assertThat(wrong.status()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain("countersign_");
  }

  @Test
  void countersignsMetersExistFromTheStartWithZeroValues() {
    Scrape scrape = scrape();
    assertThat(scrape.value("countersign_rollbacks_total", Map.of("cause", "verification")))
        .isNotNull();
    assertThat(scrape.value("countersign_evidence_verification_failures_total", Map.of()))
        .isNotNull();
    assertThat(
            scrape.value(
                "countersign_releases", Map.of("status", "deploying", "environment", "production")))
        .isNotNull();
    assertThat(scrape.value("countersign_signoffs_overdue", Map.of("role", "qa-leads")))
        .isNotNull();
    assertThat(
            scrape.value(
                "countersign_step_duration_seconds_count",
                Map.of("step", "verifyRelease", "outcome", "completed")))
        .isNotNull();
    assertThat(scrape.names())
        .contains(
            "countersign_incidents_open",
            "countersign_jobs_queue",
            "countersign_jobs_executor_busy_threads",
            "countersign_jobs_executor_max_threads",
            "countersign_release_duration_seconds_bucket",
            "countersign_signoff_wait_seconds_bucket",
            "countersign_overrides_total",
            "countersign_notifications_deliveries_total");
  }

  @Test
  void aReleaseMovesTheMetersAndTheDashboardAndAlertsUseOnlyEmittedMetrics() throws IOException {
    gauges.refresh();
    Scrape before = scrape();
    ObjectNode manifest = ManifestFixture.production();
    manifest.put("version", ManifestFixture.freshVersion("metrics"));
    http.releaseInStaging(manifest);

    // Evidence meters move just after the commit that the API already shows.
    Map<String, String> stagingReleased = Map.of("environment", "staging", "outcome", "released");
    Scrape after =
        await("release meters")
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> {
                  gauges.refresh();
                  return scrape();
                },
                s ->
                    s.value("countersign_release_duration_seconds_count", stagingReleased)
                        > before.value(
                            "countersign_release_duration_seconds_count", stagingReleased));
    Map<String, String> released = Map.of("status", "released", "environment", "staging");
    assertThat(after.value("countersign_releases", released))
        .isEqualTo(before.value("countersign_releases", released) + 1);
    assertThat(after.value("countersign_release_duration_seconds_count", stagingReleased))
        .isEqualTo(before.value("countersign_release_duration_seconds_count", stagingReleased) + 1);
    assertThat(after.sum("countersign_signoff_wait_seconds_count"))
        .isGreaterThan(before.sum("countersign_signoff_wait_seconds_count"));
    assertThat(after.value("countersign_signoff_wait_seconds_count", Map.of("role", "tech-leads")))
        .isGreaterThan(0);
    assertThat(
            after.value(
                "countersign_step_duration_seconds_count",
                Map.of("step", "migrateDatabase", "outcome", "completed")))
        .isGreaterThan(0);
    // Bounded tags: no release id anywhere in the scrape.
    assertThat(after.text()).doesNotContain(manifest.path("version").asText());

    Set<String> used = new TreeSet<>();
    used.addAll(dashboardMetrics());
    used.addAll(alertMetrics());
    assertThat(used)
        .as("metrics the dashboard and the alerts use")
        .contains(
            "countersign_releases_oldest_age_seconds",
            "countersign_incidents_open",
            "countersign_signoffs_overdue",
            "countersign_evidence_verification_failures_total");
    assertThat(after.names()).containsAll(used);
  }

  @Test
  void aReleaseThatFailsCountsItsRollbackByCause() {
    Scrape before = scrape();
    ObjectNode manifest = ManifestFixture.production();
    manifest.put("version", ManifestFixture.freshVersion("metrics-drill"));
    manifest.putObject("drill").put("failAt", "verifyRelease");
    http.runInStaging(manifest, "rolled-back");

    Map<String, String> drill = Map.of("cause", "drill");
    Scrape after =
        await("rollback meters")
            .atMost(Duration.ofSeconds(10))
            .until(
                () -> {
                  gauges.refresh();
                  return scrape();
                },
                s ->
                    s.value(
                            "countersign_release_duration_seconds_count",
                            Map.of("environment", "staging", "outcome", "rolled-back"))
                        > before.value(
                            "countersign_release_duration_seconds_count",
                            Map.of("environment", "staging", "outcome", "rolled-back")));
    assertThat(after.value("countersign_rollbacks_total", drill))
        .isEqualTo(before.value("countersign_rollbacks_total", drill) + 1);
    Map<String, String> rolledBack = Map.of("environment", "staging", "outcome", "rolled-back");
    assertThat(after.value("countersign_release_duration_seconds_count", rolledBack))
        .isEqualTo(before.value("countersign_release_duration_seconds_count", rolledBack) + 1);
    assertThat(
            after.value(
                "countersign_releases", Map.of("status", "rolled-back", "environment", "staging")))
        .isGreaterThanOrEqualTo(1);
  }

  @Test
  void openSignOffsPastTheirEscalationAreCountedPerRole() {
    ObjectNode manifest = ManifestFixture.staging();
    manifest.put("version", ManifestFixture.freshVersion("metrics-overdue"));
    Response submitted = http.postJson("requester", "/api/releases", manifest);
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String id = submitted.json().path("id").asText();
    assertThat(http.afterEvidenceCheck("requester", id).path("status").asText())
        .isEqualTo("awaiting-sign-off");
    Task qa =
        await("the QA lead's sign-off task")
            .atMost(Duration.ofSeconds(30))
            .until(
                () ->
                    tasks
                        .createTaskQuery()
                        .processInstanceBusinessKey(id)
                        .taskCandidateGroup("qa-leads")
                        .singleResult(),
                task -> task != null);
    gauges.refresh();
    Scrape before = scrape();
    assertThat(before.value("countersign_signoffs_open", Map.of("role", "qa-leads")))
        .isGreaterThanOrEqualTo(1);

    // The escalation time as the policy would have set it, passed.
    qa.setFollowUpDate(Date.from(Instant.now().minus(Duration.ofHours(1))));
    tasks.saveTask(qa);
    gauges.refresh();
    Scrape after = scrape();
    assertThat(after.value("countersign_signoffs_overdue", Map.of("role", "qa-leads")))
        .isEqualTo(before.value("countersign_signoffs_overdue", Map.of("role", "qa-leads")) + 1);
    assertThat(after.value("countersign_signoffs_oldest_age_seconds", Map.of("role", "qa-leads")))
        .isGreaterThanOrEqualTo(0);
    Map<String, String> awaiting = Map.of("status", "awaiting-sign-off", "environment", "staging");
    assertThat(after.value("countersign_releases", awaiting)).isGreaterThanOrEqualTo(1);

    // Cancelled: nothing left open for other tests, and the gauge comes down again.
    Response cancelled =
        http.postJson("requester", "/api/releases/" + id + "/cancel", Map.of("reason", "metrics"));
    assertThat(cancelled.status()).as(cancelled.body()).isEqualTo(202);
    await("overdue sign-off gone")
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              gauges.refresh();
              return scrape().value("countersign_signoffs_overdue", Map.of("role", "qa-leads"));
            },
            overdue ->
                overdue.equals(
                    before.value("countersign_signoffs_overdue", Map.of("role", "qa-leads"))));
  }

  @Test
  void theAlertRulesAreValidPrometheusRuleGroups() throws IOException {
    JsonNode rules = new YAMLMapper().readTree(ALERTS.toFile());
    assertThat(rules.path("groups").isArray()).isTrue();
    Set<String> alerts = new TreeSet<>();
    for (JsonNode group : rules.path("groups")) {
      assertThat(group.path("name").asText()).isNotBlank();
      assertThat(group.path("rules").isArray() && !group.path("rules").isEmpty()).isTrue();
      for (JsonNode rule : group.path("rules")) {
        String alert = rule.path("alert").asText();
        assertThat(alert).as("alert name").matches("[A-Za-z][A-Za-z0-9_]*");
        assertThat(rule.path("expr").asText()).as(alert).isNotBlank();
        assertThat(rule.path("for").asText()).as(alert).matches("\\d+[smhd]");
        assertThat(rule.path("labels").path("severity").asText())
            .as(alert)
            .isIn("warning", "critical");
        for (String annotation : List.of("summary", "description", "runbook")) {
          assertThat(rule.path("annotations").path(annotation).asText())
              .as(alert + " " + annotation)
              .isNotBlank();
        }
        assertThat(rule.path("annotations").path("runbook").asText())
            .as(alert + " runbook: a heading of README.md")
            .isIn(readmeAnchors());
        alerts.add(alert);
      }
    }
    assertThat(alerts)
        .contains(
            "CountersignReleaseStuck",
            "CountersignIncidentsOpen",
            "CountersignSignOffOverdue",
            "CountersignEvidenceVerificationFailure");
  }

  @Test
  void theDashboardIsAGrafanaDashboardOnAPrometheusVariable() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    assertThat(dashboard.path("title").asText()).isNotBlank();
    List<JsonNode> panels = panels(dashboard);
    assertThat(panels).hasSizeGreaterThan(10);
    for (JsonNode panel : panels) {
      assertThat(panel.path("title").asText()).isNotBlank();
      assertThat(panel.path("datasource").path("uid").asText()).isEqualTo("${DS_PROMETHEUS}");
      assertThat(panel.path("targets")).isNotEmpty();
    }
    assertThat(dashboard.path("templating").path("list").findValuesAsText("name"))
        .contains("DS_PROMETHEUS");
  }

  @Test
  void metricNamesAreFoundInPromql() {
    assertThat(
            metricNames(
                "histogram_quantile(0.95, sum by (le, step) (rate(a_seconds_bucket{x=~\"b|c\"}"
                    + "[$__rate_interval]))) > on(le) b_total offset 5m and max(c) > 2 * 3600"))
        .containsExactlyInAnyOrder("a_seconds_bucket", "b_total", "c");
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> panels = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      if (panel.path("type").asText().equals("row")) {
        panel.path("panels").forEach(panels::add);
      } else {
        panels.add(panel);
      }
    }
    return panels;
  }

  private static Set<String> dashboardMetrics() throws IOException {
    JsonNode dashboard = new ObjectMapper().readTree(DASHBOARD.toFile());
    Set<String> names = new TreeSet<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        names.addAll(metricNames(target.path("expr").asText()));
      }
    }
    Pattern labelValues = Pattern.compile("label_values\\(\\s*([a-zA-Z_:][a-zA-Z0-9_:]*)");
    for (JsonNode variable : dashboard.path("templating").path("list")) {
      Matcher m = labelValues.matcher(variable.path("definition").asText());
      if (m.find()) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  private static Set<String> alertMetrics() throws IOException {
    Set<String> names = new TreeSet<>();
    for (JsonNode group : new YAMLMapper().readTree(ALERTS.toFile()).path("groups")) {
      for (JsonNode rule : group.path("rules")) {
        names.addAll(metricNames(rule.path("expr").asText()));
      }
    }
    return names;
  }

  private static final Set<String> KEYWORDS =
      Set.of(
          "and",
          "or",
          "unless",
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "offset",
          "bool",
          "inf",
          "nan");

  /**
   * The metric names in a PromQL expression: identifiers outside strings, label matchers, ranges
   * and grouping clauses that are neither functions, aggregations nor keywords.
   */
  static Set<String> metricNames(String promql) {
    String bare =
        promql
            .replaceAll("\"(?:[^\"\\\\]|\\\\.)*\"", "\"\"")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\boffset\\s+\\S+", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = Pattern.compile("(?<![\\w$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\\s*\\()?").matcher(bare);
    while (m.find()) {
      if (m.group(2) == null && !KEYWORDS.contains(m.group(1))) {
        names.add(m.group(1));
      }
    }
    return names;
  }

  /** As Prometheus scrapes: HTTP Basic, the text format. */
  private Scrape scrape() {
    String credentials =
        Base64.getEncoder()
            .encodeToString(
                ("requester:" + HttpSupport.DEMO_PASSWORD).getBytes(StandardCharsets.UTF_8));
    try {
      HttpResponse<String> response =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://localhost:" + port + PROMETHEUS))
                      .header("Authorization", "Basic " + credentials)
                      .header("Accept", "text/plain;version=0.0.4;q=0.5,*/*;q=0.1")
                      .GET()
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      return new Scrape(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The Prometheus text format, read line by line: series name, labels, value. */
  record Scrape(String text) {
    private static final Pattern LINE =
        Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{(.*)})?\\s+(\\S+).*$");
    private static final Pattern LABEL =
        Pattern.compile("([a-zA-Z_]\\w*)=\"((?:[^\"\\\\]|\\\\.)*)\"");

    Set<String> names() {
      Set<String> names = new TreeSet<>();
      text.lines()
          .map(LINE::matcher)
          .filter(m -> m.matches() && !m.group(1).startsWith("#"))
          .forEach(m -> names.add(m.group(1)));
      return names;
    }

    /** The value of the first series of the name whose labels include these; null if none. */
    Double value(String name, Map<String, String> labels) {
      for (String line : text.lines().toList()) {
        Matcher m = LINE.matcher(line);
        if (m.matches()
            && m.group(1).equals(name)
            && labels(m.group(2)).entrySet().containsAll(labels.entrySet())) {
          return Double.valueOf(m.group(3));
        }
      }
      return null;
    }

    double sum(String name) {
      double sum = 0;
      for (String line : text.lines().toList()) {
        Matcher m = LINE.matcher(line);
        if (m.matches() && m.group(1).equals(name)) {
          sum += Double.parseDouble(m.group(3));
        }
      }
      return sum;
    }

    private static Map<String, String> labels(String text) {
      Map<String, String> labels = new HashMap<>();
      if (text != null) {
        Matcher m = LABEL.matcher(text);
        while (m.find()) {
          labels.put(m.group(1), m.group(2));
        }
      }
      return labels;
    }
  }

  /** GitHub's anchors of README.md's headings: lower case, punctuation dropped, spaces as '-'. */
  private static Set<String> readmeAnchors() {
    try {
      Set<String> anchors = new TreeSet<>();
      for (String line : java.nio.file.Files.readAllLines(Path.of("README.md"))) {
        if (line.startsWith("#")) {
          String title = line.replaceFirst("^#+\\s*", "").toLowerCase(java.util.Locale.ROOT);
          anchors.add("README.md#" + title.replaceAll("[^a-z0-9 _-]", "").replace(' ', '-'));
        }
      }
      return anchors;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
