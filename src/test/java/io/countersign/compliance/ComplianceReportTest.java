package io.countersign.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestInstance.Lifecycle;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.ActiveProfiles;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * The compliance report over real HTTP, on a PostgreSQL database of its own set up as production
 * runs it (owner and runtime roles), so the period holds exactly the releases this class runs: one
 * staging release released, one rejected, one rolled back by a drill and one by request, a
 * production release deployed under an emergency override whose review is still open, and one held
 * at the evidence checkpoint. Jobs run when the test says (no job executor), so every figure is
 * known. The webapps stay with the shared HTTP test app; the printable page is rendered from the
 * same report here and opened in a browser by ComplianceReportBrowserTest.
 */
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "camunda.bpm.job-execution.enabled=false",
      // Engine REST and the webapps keep JVM-wide state that the shared HTTP test app owns.
      "camunda.bpm.process-engine-name=complianceTests",
      "camunda.bpm.webapp.enabled=false",
      "countersign.targets.databases.medication-db.url=jdbc:h2:mem:process-target;DB_CLOSE_DELAY=-1",
      "countersign.targets.databases.medication-db.migration-roots[0]=examples",
      "countersign.backups.directory=" + ApiAppSupport.TEST_WORK + "/backups/compliance",
      "countersign.evidence.signing.key-file=" + ApiAppSupport.EVIDENCE_KEY_FILE,
      "countersign.evidence.checkpoints.file="
          + ApiAppSupport.TEST_WORK
          + "/evidence/compliance-${random.uuid}/checkpoints.jsonl",
      "logging.level.io.countersign=WARN"
    })
@ActiveProfiles({"demo", "postgres"})
@TestInstance(Lifecycle.PER_CLASS)
class ComplianceReportTest extends ProcessTestSupport {
  private static final TwoRoles DB = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("compliance");
  static final String ATTACK = "Patient alerts down <script>alert('pwned')</script> & more";

  @LocalServerPort int port;
  @Autowired ComplianceReports reports;
  private HttpSupport http;
  private String released;
  private String rejected;
  private String overridden;
  private String drilled;
  private String rolledBack;
  private String held;
  private final LocalDate today = LocalDate.now(ZoneOffset.UTC);

  @DynamicPropertySource
  static void postgres(DynamicPropertyRegistry registry) {
    EmbeddedPostgresSupport.register(registry, DB);
  }

  /**
   * Once for the class, in the first test's run (the process coverage listener records per test
   * method, so not in a BeforeAll).
   */
  @BeforeEach
  void releasesOfThePeriod() {
    http = new HttpSupport(port);
    if (released != null) {
      return;
    }
    released = submit(example("staging"));
    approveAll(released);

    rejected = submit(example("staging"));
    completeAs(
        "qa-lead",
        signOffTask(rejected, "qa-leads").getId(),
        Map.of("decision", "reject", "rejectComment", "Flaky tests"));
    runJobs();

    overridden = submitAsIs(productionWithoutSecurityScan(), "requester");
    Response asked =
        http.postJson(
            "requester",
            "/api/releases/" + overridden + "/override",
            Map.of("kind", "extended", "reason", ATTACK, "incidentReference", "INC-7781"));
    assertThat(asked.status()).as(asked.body()).isEqualTo(202);
    completeAs(
        "release-manager",
        openTask(overridden, "decideOverride").getId(),
        Map.of("overrideDecision", "approve", "comment", "Emergency fix"));
    runJobs();
    // Production asks for its post-release evidence once deployed (an override does not skip it).
    postDeploymentEvidence(overridden);

    ObjectNode drill = example("staging");
    drill.putObject("drill").put("failAt", "publishFrontend");
    drilled = submit(drill);
    approveAll(drilled);

    rolledBack = submit(example("staging"));
    approveAll(rolledBack);
    Response rollback =
        http.postJson(
            "requester",
            "/api/releases/" + rolledBack + "/rollback",
            Map.of("reason", "error rate up after release"));
    assertThat(rollback.status()).as(rollback.body()).isEqualTo(202);
    runJobs();

    held = submitAsIs(productionWithoutSecurityScan(), "requester");

    assertThat(
            List.of(
                status(released),
                status(rejected),
                status(overridden),
                status(drilled),
                status(rolledBack),
                status(held)))
        .containsExactly(
            "released", "rejected", "released", "rolled-back", "rolled-back", "requested");
  }

  @Test
  void theReportHoldsThePeriodsFiguresAsTheEvidenceRecordedThem() {
    Response response = http.get("compliance-officer", period());
    assertThat(response.status()).as(response.body()).isEqualTo(200);
    assertThat(response.contentType()).startsWith("application/json");
    JsonNode report = response.json();

    assertThat(report.path("period").path("from").asText())
        .isEqualTo(today.minusDays(1).toString());
    assertThat(report.path("period").path("to").asText()).isEqualTo(today.toString());
    assertThat(report.path("generatedBy").asText()).isEqualTo("compliance-officer");
    assertThat(Instant.parse(report.path("generatedAt").asText()))
        .isBetween(Instant.now().minus(Duration.ofMinutes(5)), Instant.now());

    JsonNode releases = report.path("releases");
    assertThat(releases.path("total").asInt()).isEqualTo(6);
    assertThat(releases.path("byEnvironment").toString())
        .isEqualTo(
            "[{\"environment\":\"production\",\"total\":2,\"byStatus\":{\"released\":1,\"requested\":1}},"
                + "{\"environment\":\"staging\",\"total\":4,"
                + "\"byStatus\":{\"rejected\":1,\"released\":1,\"rolled-back\":2}}]");
    assertThat(ids(releases.path("list")))
        .containsExactly(released, rejected, overridden, drilled, rolledBack, held);
    assertThat(releases.path("list").get(0).path("requester").asText()).isEqualTo("requester");
    assertThat(releases.path("list").get(0).path("application").asText())
        .isEqualTo("medication-tracker");

    JsonNode signOffs = report.path("signOffs");
    assertThat(signOffs.path("total").asInt()).isEqualTo(7);
    assertThat(signOffs.path("byRole").toString()).isEqualTo("{\"qa-leads\":4,\"tech-leads\":3}");
    List<String> rows = new ArrayList<>();
    signOffs
        .path("byPersonAndRole")
        .forEach(
            r ->
                rows.add(
                    String.join(
                        " ",
                        r.path("user").asText(),
                        r.path("role").asText(),
                        r.path("total").asText(),
                        r.path("approved").asText(),
                        r.path("rejected").asText(),
                        String.valueOf(r.path("releases").size()))));
    assertThat(rows).containsExactly("qa-lead qa-leads 4 3 1 4", "tech-lead tech-leads 3 3 0 3");

    JsonNode overrides = report.path("overrides");
    assertThat(overrides).hasSize(1);
    JsonNode override = overrides.get(0);
    assertThat(override.path("releaseId").asText()).isEqualTo(overridden);
    assertThat(override.path("environment").asText()).isEqualTo("production");
    assertThat(override.path("kind").asText()).isEqualTo("extended");
    assertThat(override.path("reason").asText()).isEqualTo(ATTACK);
    assertThat(override.path("incidentReference").asText()).isEqualTo("INC-7781");
    assertThat(override.path("requestedBy").asText()).isEqualTo("requester");
    assertThat(override.path("decision").asText()).isEqualTo("approve");
    assertThat(override.path("decidedBy").asText()).isEqualTo("release-manager");
    assertThat(override.path("decisionComment").asText()).isEqualTo("Emergency fix");
    assertThat(override.path("granted").asBoolean()).isTrue();
    assertThat(override.path("review").path("status").asText()).isEqualTo("open");
    assertThat(Instant.parse(override.path("review").path("due").asText()))
        .isAfter(Instant.parse(override.path("decidedAt").asText()).plus(Duration.ofHours(23)));
    assertThat(override.path("review").has("reviewedBy")).isFalse();

    JsonNode rollbacks = report.path("rollbacks");
    assertThat(rollbacks.path("total").asInt()).isEqualTo(2);
    assertThat(rollbacks.path("byCause").toString())
        .isEqualTo("{\"requested\":1,\"step failed: publishFrontend\":1}");
    JsonNode drill = rollbacks.path("list").get(0);
    assertThat(drill.path("releaseId").asText()).isEqualTo(drilled);
    assertThat(drill.path("failedStep").asText()).isEqualTo("publishFrontend");
    assertThat(drill.path("reason").asText()).contains("Rollback drill");
    assertThat(drill.path("releaseStatus").asText()).isEqualTo("rolled-back");
    JsonNode requested = rollbacks.path("list").get(1);
    assertThat(requested.path("releaseId").asText()).isEqualTo(rolledBack);
    assertThat(requested.path("requestedBy").asText()).isEqualTo("requester");
    assertThat(requested.path("reason").asText()).contains("error rate up after release");

    List<String> findings = new ArrayList<>();
    report
        .path("openFindings")
        .forEach(f -> findings.add(f.path("kind").asText() + " " + f.path("releaseId").asText()));
    assertThat(findings)
        .containsExactly(
            "held-at-evidence-checkpoint " + held, "override-review-open " + overridden);
    assertThat(report.path("openFindings").get(0).path("detail").asText())
        .contains("missing evidence security-scan");

    assertThat(report.path("evidence").toString())
        .isEqualTo("{\"chains\":6,\"valid\":6,\"invalid\":[]}");
  }

  @Test
  void aPeriodWithoutTheReleasesCountsNothingButStillShowsWhatIsOpen() {
    JsonNode report =
        http.get("admin", "/api/compliance/report?from=2020-01-01&to=2020-12-31").json();
    assertThat(report.path("releases").path("total").asInt()).isZero();
    assertThat(report.path("signOffs").path("total").asInt()).isZero();
    assertThat(report.path("overrides")).isEmpty();
    assertThat(report.path("rollbacks").path("total").asInt()).isZero();
    // Findings are as of now, whatever the period: the open review and the held release.
    assertThat(report.path("openFindings")).hasSize(2);
  }

  @Test
  void withoutDatesTheReportCoversTheLast30Days() {
    JsonNode period = http.get("admin", "/api/compliance/report").json().path("period");
    assertThat(period.path("to").asText()).isEqualTo(today.toString());
    assertThat(period.path("from").asText()).isEqualTo(today.minusDays(29).toString());
  }

  @Test
  void everyExportIsRecordedInTheEvidenceAccessChainWhichStillVerifies() {
    assertThat(http.get("admin", period()).status()).isEqualTo(200);

    EvidenceEntry exported = last();
    assertThat(exported.type()).isEqualTo("compliance-report-exported");
    assertThat(exported.actor()).isEqualTo("admin");
    assertThat(exported.payload().path("format").asText()).isEqualTo("json");
    assertThat(exported.payload().path("from").asText()).isEqualTo(today.minusDays(1).toString());
    assertThat(exported.payload().path("to").asText()).isEqualTo(today.toString());
    assertThat(exported.payload().path("groups").toString()).isEqualTo("[\"camunda-admin\"]");
    assertThat(evidence.verify(EvidenceLog.ACCESS_CHAIN).valid()).isTrue();
    // The report reads the release chains; it appends nothing to them.
    assertThat(evidence.verify(overridden).valid()).isTrue();
  }

  @Test
  void everyoneElseIsRefusedAndTheRefusalIsRecorded() {
    for (String user :
        List.of("requester", "tech-lead", "release-manager", "qa-lead", "dev-lead")) {
      Response refused = http.get(user, period());
      assertThat(refused.status()).as(user).isEqualTo(403);
      assertThat(refused.contentType()).startsWith("application/problem+json");
      assertThat(refused.body()).doesNotContain(overridden);
      EvidenceEntry recorded = last();
      assertThat(recorded.type()).as(user).isEqualTo("compliance-report-refused");
      assertThat(recorded.actor()).isEqualTo(user);
      assertThat(recorded.payload().path("format").asText()).isEqualTo("json");
      assertThat(recorded.payload().path("reason").asText())
          .startsWith(user + " may not read the compliance report");
    }
    // Bad parameters do not get a refused reader further: access is checked first.
    assertThat(http.get("requester", "/api/compliance/report?from=yesterday").status())
        .isEqualTo(403);
    assertThat(last().type()).isEqualTo("compliance-report-refused");

    long entries = evidence.entries(EvidenceLog.ACCESS_CHAIN).size();
    // No credentials, a wrong password: refused before anyone is known, so nothing to record.
    assertThat(http.get(null, period()).status()).isEqualTo(401);
    assertThat(http.getWithPassword("compliance-officer", "wrong", period()).status())
        .isEqualTo(401);
    // The printable page takes the webapps' login only; HTTP Basic there checks no password.
    Response page = http.get("compliance-officer", "/compliance/report");
    assertThat(page.status()).isEqualTo(401);
    assertThat(page.body()).contains("Log in first").doesNotContain("<svg");
    // Engine REST has no way to it.
    for (String user : List.of("compliance-officer", "admin", "requester")) {
      Response engine = http.get(user, "/engine-rest/compliance/report");
      assertThat(engine.status()).as(user).isIn(404, 403);
      assertThat(engine.body()).doesNotContain(overridden);
    }
    assertThat(evidence.entries(EvidenceLog.ACCESS_CHAIN)).hasSize((int) entries);
    assertThat(evidence.verify(EvidenceLog.ACCESS_CHAIN).valid()).isTrue();
  }

  @Test
  void badParametersAreAProblemNamingEachOne() {
    long entries = evidence.entries(EvidenceLog.ACCESS_CHAIN).size();
    Map<String, List<String>> cases =
        Map.of(
            "?from=2026-13-01&to=last-week", List.of("$.query.from", "$.query.to"),
            "?from=2026-02-30", List.of("$.query.from"),
            "?from=2026-03-10&to=2026-03-09", List.of("$.query.to"),
            "?from=2024-01-01&to=2025-02-04", List.of("$.query.to"),
            "?to=20260101", List.of("$.query.to"));
    cases.forEach(
        (query, paths) -> {
          Response problem = http.get("compliance-officer", "/api/compliance/report" + query);
          assertThat(problem.status()).as(query).isEqualTo(400);
          assertThat(problem.contentType()).startsWith("application/problem+json");
          assertThat(problem.json().path("type").asText())
              .isEqualTo("https://countersign.io/problems/invalid-request");
          assertThat(problem.errorPaths()).as(query).containsExactlyElementsOf(paths);
        });
    assertThat(
            http.get("compliance-officer", "/api/compliance/report?from=2024-01-01&to=2025-02-04")
                .json()
                .path("errors")
                .get(0)
                .path("message")
                .asText())
        .contains("at most 400 days");
    // 400 days exactly is accepted.
    assertThat(
            http.get("compliance-officer", "/api/compliance/report?from=2024-01-01&to=2025-02-03")
                .status())
        .isEqualTo(200);
    assertThat(evidence.entries(EvidenceLog.ACCESS_CHAIN)).hasSize((int) entries + 1);
  }

  @Test
  void thePrintablePageShowsTheSameReportWithWhatRequestersWroteAsText() {
    String html =
        ReportPage.render(
            reports.build(new ReportPeriod(today.minusDays(1), today), "compliance-officer"));
    assertThat(html)
        .contains(
            "Patient alerts down &lt;script&gt;alert(&#39;pwned&#39;)&lt;/script&gt; &amp; more")
        .doesNotContain("<script")
        .contains("@media print", "size:A4", overridden, held, "override-review-open")
        .contains(
            "Releases per environment, by status", "Sign-offs per role", "Rollbacks per cause");
    assertThat(html.split("<svg", -1)).hasSize(4);
    assertThat(html.replace("http://www.w3.org/2000/svg", ""))
        .as("nothing fetched")
        .doesNotContain("http://", "https://");
  }

  private String period() {
    return "/api/compliance/report?from=" + today.minusDays(1) + "&to=" + today;
  }

  private EvidenceEntry last() {
    List<EvidenceEntry> entries = evidence.entries(EvidenceLog.ACCESS_CHAIN);
    return entries.get(entries.size() - 1);
  }

  private static List<String> ids(JsonNode list) {
    List<String> ids = new ArrayList<>();
    list.forEach(r -> ids.add(r.path("id").asText()));
    return ids;
  }

  private ObjectNode productionWithoutSecurityScan() {
    ObjectNode m = example("production");
    ArrayNode items = (ArrayNode) m.get("evidence");
    for (int i = items.size() - 1; i >= 0; i--) {
      if ("security-scan".equals(items.get(i).path("type").asText())) {
        items.remove(i);
      }
    }
    return m;
  }
}
