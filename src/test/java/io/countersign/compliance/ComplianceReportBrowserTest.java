package io.countersign.compliance;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApiAppSupport;
import io.countersign.BrowserScript;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The printable report in a real browser, against the shared HTTP test app: a compliance officer
 * logs in through Tasklist's form, opens /compliance/report, sees the charts and tables, and prints
 * it to PDF, as "PDF" means for this report (e2e/report.mjs, playwright-core on Debian's chromium,
 * like the Tasklist browser tests). The opening is recorded as an html export.
 */
@ApiAppSupport
class ComplianceReportBrowserTest {
  @LocalServerPort int port;
  @Autowired EvidenceLog evidence;

  @Test
  void aComplianceOfficerOpensThePageAndPrintsItToPdf() throws Exception {
    // One release of the period, so the charts have a bar (ended, so no other test meets it).
    HttpSupport http = new HttpSupport(port);
    Response submitted =
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            ManifestFixture.json(
                ManifestFixture.withVersion(
                    ManifestFixture.staging(), ManifestFixture.freshVersion("report"))),
            Map.of());
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String release = submitted.json().path("id").asText();
    http.afterEvidenceCheck("requester", release);
    assertThat(
            http.postJson(
                    "requester",
                    "/api/releases/" + release + "/cancel",
                    Map.of("reason", "compliance report browser test"))
                .status())
        .isEqualTo(202);

    LocalDate today = LocalDate.now(ZoneOffset.UTC);
    JsonNode page =
        openAndPrint(
            "compliance-officer", "/compliance/report?from=" + today.minusDays(1) + "&to=" + today);

    assertThat(page.path("status").asInt()).as(page.toString()).isEqualTo(200);
    assertThat(page.path("title").asText()).startsWith("Compliance report " + today.minusDays(1));
    assertThat(page.path("svgs").asInt()).as("charts").isEqualTo(3);
    assertThat(page.path("bars").asInt()).as("bars and legend swatches").isPositive();
    assertThat(page.path("tables").asInt()).as("tables").isGreaterThanOrEqualTo(2);
    assertThat(page.path("headings"))
        .extracting(JsonNode::asText)
        .anyMatch(h -> h.startsWith("Releases requested in the period"))
        .anyMatch(h -> h.startsWith("Sign-offs by person and role"))
        .anyMatch(h -> h.startsWith("Open findings"));
    assertThat(page.path("scripts").asInt()).isZero();
    assertThat(page.path("requests")).as("the page fetches nothing else").hasSize(1);
    Path pdf = Path.of(page.path("pdf").asText());
    byte[] printed = Files.readAllBytes(pdf);
    assertThat(printed.length).isGreaterThan(1_000);
    assertThat(new String(printed, 0, 5, StandardCharsets.ISO_8859_1)).isEqualTo("%PDF-");

    List<EvidenceEntry> reads = evidence.entries(EvidenceLog.ACCESS_CHAIN);
    EvidenceEntry exported =
        reads.stream()
            .filter(e -> e.type().equals(ComplianceController.EXPORTED))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(exported.actor()).isEqualTo("compliance-officer");
    assertThat(exported.payload().path("format").asText()).isEqualTo("html");
  }

  private JsonNode openAndPrint(String user, String path) throws Exception {
    return BrowserScript.run(
        "report.mjs",
        port,
        "--user",
        user,
        "--password",
        HttpSupport.DEMO_PASSWORD,
        "--path",
        path);
  }
}
