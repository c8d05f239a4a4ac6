package io.countersign.evidencecheck;

import static io.countersign.evidencecheck.K6SummaryTest.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * eslint.sarif and eslint-suppressed.sarif are real output of ESLint 8.57 with
 * {@code @microsoft/eslint-formatter-sarif} 3.1 (the file URI made relative), the second with the
 * eval behind an eslint-disable comment; codeql-style.sarif and trivy-style.sarif are hand-written
 * in the shapes CodeQL and Trivy write.
 */
class SarifReportTest {

  @Test
  void realEslintOutputCountsTheErrorAsHighAndTheWarningAsMedium() throws IOException {
    Reading reading = SarifReport.read(resource("eslint.sarif"), failAt("high"));

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures())
        .containsEntry("findings", Map.of("critical", 0, "high", 1, "medium", 1, "low", 0))
        .containsEntry("suppressed", 0)
        .containsEntry("tools", List.of("ESLint"))
        .containsEntry("failingFindings", List.of("no-eval high src/app.js:2"));
    assertThat(reading.failures())
        .containsExactly("1 finding at high severity or above: no-eval high src/app.js:2");
    assertThat(reading.figures().keySet())
        .containsExactly("findings", "suppressed", "ignored", "tools", "failingFindings");
  }

  @Test
  void theSeverityToFailAtIsInclusiveAndOnlyWhatIsAtOrAboveItFails() throws IOException {
    byte[] eslint = resource("eslint.sarif");

    assertThat(SarifReport.read(eslint, failAt("critical")).passed()).isTrue();
    Reading medium = SarifReport.read(eslint, failAt("medium"));
    assertThat(medium.figures().get("failingFindings"))
        .isEqualTo(List.of("no-eval high src/app.js:2", "eqeqeq medium src/app.js:3"));
    assertThat(medium.failures())
        .containsExactly(
            "2 findings at medium severity or above, the most severe no-eval high src/app.js:2");
  }

  @Test
  void withoutASeverityToFailAtTheFindingsAreOnlyReported() throws IOException {
    Reading reading = SarifReport.read(resource("codeql-style.sarif"), failAt(null));

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("findings", Map.of("critical", 1, "high", 2, "medium", 0, "low", 1))
        .containsEntry("failingFindings", List.of());
  }

  @Test
  void anInSourceSuppressionFromRealEslintOutputIsNotCounted() throws IOException {
    // The same eval as in eslint.sarif, behind an eslint-disable comment with a reason. The
    // formatter writes "suppressions": [] on the warning: an empty array suppresses nothing.
    Reading reading = SarifReport.read(resource("eslint-suppressed.sarif"), failAt("high"));

    assertThat(reading.failures()).isEmpty();
    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("findings", Map.of("critical", 0, "high", 0, "medium", 1, "low", 0))
        .containsEntry("suppressed", 1)
        .containsEntry("failingFindings", List.of());
    assertThat(SarifReport.read(resource("eslint-suppressed.sarif"), failAt("medium")).failures())
        .containsExactly("1 finding at medium severity or above: eqeqeq medium src/app.js:4");
  }

  @Test
  void codeqlRulesInAnExtensionGiveTheSecuritySeverity() throws IOException {
    Reading reading = SarifReport.read(resource("codeql-style.sarif"), failAt("critical"));

    assertThat(reading.failures())
        .containsExactly(
            "1 finding at critical severity or above: js/code-injection critical"
                + " src/server/routes.js:42");
    assertThat(reading.figures())
        .containsEntry("suppressed", 1)
        .containsEntry("tools", List.of("CodeQL"));
  }

  @Test
  void failingFindingsAreListedMostSevereFirstThenInFileOrder() throws IOException {
    Reading reading = SarifReport.read(resource("codeql-style.sarif"), failAt("high"));

    // The accepted suppression is left out; the one still under review counts.
    assertThat(reading.figures().get("failingFindings"))
        .isEqualTo(
            List.of(
                "js/code-injection critical src/server/routes.js:42",
                "js/missing-rate-limiting high src/server/routes.js:17",
                "js/reflected-xss high src/server/render.js:25"));
  }

  @Test
  void trivyScoresOnRulesRankEachVulnerabilityAndAZeroScoreFallsBackToTheLevel()
      throws IOException {
    Reading reading = SarifReport.read(resource("trivy-style.sarif"), failAt("low"));

    assertThat(reading.figures())
        .containsEntry("findings", Map.of("critical", 1, "high", 1, "medium", 1, "low", 1))
        .containsEntry("tools", List.of("Trivy"))
        .containsEntry(
            "failingFindings",
            List.of(
                "CVE-2024-45337 critical app/server:1",
                "CVE-2023-44487 high app/server:1",
                "CVE-2023-3978 medium app/server:1",
                "TEMP-0841856-B18BAF low library/debian:1"));
    assertThat(SarifReport.read(resource("trivy-style.sarif"), failAt("critical")).failures())
        .containsExactly(
            "1 finding at critical severity or above: CVE-2024-45337 critical" + " app/server:1");
  }

  @ParameterizedTest(name = "security-severity {0} is {1}")
  @CsvSource({
    "'\"10.0\"', critical",
    "'\"9.0\"', critical",
    "'\"8.9\"', high",
    "'\"7.0\"', high",
    "'\"6.9\"', medium",
    "'\"4.0\"', medium",
    "'\"3.9\"', low",
    "'\"0.1\"', low",
    "'9.5', critical",
    "' \" 7.5 \" ', high"
  })
  void securitySeverityOnTheResultMapsAsGithubDoes(String score, String severity) {
    // The level says "note" (low): the score, where there is one, decides.
    String result =
        "{\"ruleId\": \"r\", \"level\": \"note\", \"properties\": {\"security-severity\": "
            + score
            + "}}";

    assertThat(severityOf(result, "[]")).isEqualTo(severity);
  }

  @Test
  void securitySeverityOnTheRuleCountsAndTheResultsOwnOverridesIt() {
    String rules =
        "[{\"id\": \"r\", \"defaultConfiguration\": {\"level\": \"note\"},"
            + " \"properties\": {\"security-severity\": \"9.8\"}}]";

    assertThat(severityOf("{\"ruleId\": \"r\"}", rules)).isEqualTo("critical");
    assertThat(severityOf("{\"ruleIndex\": 0}", rules)).isEqualTo("critical");
    assertThat(
            severityOf(
                "{\"ruleId\": \"r\", \"properties\": {\"security-severity\": \"4.2\"}}", rules))
        .isEqualTo("medium");
  }

  @ParameterizedTest(name = "level {0} is {1}")
  @CsvSource({"error, high", "warning, medium", "note, low"})
  void withoutAScoreTheLevelDecides(String level, String severity) {
    assertThat(severityOf("{\"ruleId\": \"r\", \"level\": \"" + level + "\"}", "[]"))
        .isEqualTo(severity);
    String rule = "[{\"id\": \"r\", \"defaultConfiguration\": {\"level\": \"" + level + "\"}}]";
    assertThat(severityOf("{\"ruleId\": \"r\"}", rule)).isEqualTo(severity);
  }

  @Test
  void theResultsLevelOverridesTheRulesDefaultAndNoLevelAtAllIsAWarning() {
    String rule = "[{\"id\": \"r\", \"defaultConfiguration\": {\"level\": \"note\"}}]";

    assertThat(severityOf("{\"ruleId\": \"r\", \"level\": \"error\"}", rule)).isEqualTo("high");
    assertThat(severityOf("{\"ruleId\": \"unknown\"}", rule)).isEqualTo("medium");
    assertThat(
            severityOf(
                "{\"ruleId\": \"r\", \"properties\": {\"security-severity\": \"0.0\"}}", "[]"))
        .isEqualTo("medium");
    assertThat(
            severityOf(
                "{\"ruleId\": \"r\", \"level\": \"error\","
                    + " \"properties\": {\"security-severity\": \"high\"}}",
                "[]"))
        .isEqualTo("high");
  }

  @Test
  void resultsThatAreNotFindingsAreIgnored() {
    String results =
        "{\"ruleId\": \"none\", \"level\": \"none\"},"
            + " {\"ruleId\": \"passed\", \"kind\": \"pass\", \"level\": \"error\"},"
            + " {\"ruleId\": \"review\", \"kind\": \"review\"},"
            + " {\"ruleId\": \"fixed\", \"level\": \"error\", \"baselineState\": \"absent\"},"
            + " {\"ruleId\": \"new\", \"level\": \"error\", \"baselineState\": \"new\"},"
            + " {\"ruleId\": \"failed\", \"kind\": \"fail\", \"level\": \"error\","
            + " \"baselineState\": \"unchanged\"}";

    Reading reading = read(sarif(results, "[]"), "low");

    assertThat(reading.figures())
        .containsEntry("ignored", 4)
        .containsEntry("findings", Map.of("critical", 0, "high", 2, "medium", 0, "low", 0))
        .containsEntry(
            "failingFindings", List.of("new high (no location)", "failed high (no location)"));
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "[{\"kind\": \"inSource\"}]| 1",
        "[{\"kind\": \"external\", \"status\": \"accepted\"}]| 1",
        "[]| 0",
        "[{\"kind\": \"external\", \"status\": \"rejected\"}]| 0",
        "[{\"kind\": \"external\", \"status\": \"underReview\"}]| 0",
        "[{\"status\": \"accepted\"}, {\"status\": \"rejected\"}]| 0"
      })
  void onlyASuppressionInEffectTakesAResultOut(String suppressions, int suppressed) {
    String result =
        "{\"ruleId\": \"r\", \"level\": \"error\", \"suppressions\": " + suppressions + "}";

    Reading reading = read(sarif(result, "[]"), "high");

    assertThat(reading.figures()).containsEntry("suppressed", suppressed);
    assertThat(reading.passed()).isEqualTo(suppressed == 1);
  }

  @Test
  void aLocationGivenOnlyAsAnArtifactIndexIsLookedUp() {
    String log =
        "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"s\"}},"
            + " \"artifacts\": [{\"location\": {\"uri\": \"a.js\"}}, {\"location\": {\"uri\":"
            + " \"b.js\"}}],"
            + " \"results\": [{\"ruleId\": \"r\", \"level\": \"error\", \"locations\":"
            + " [{\"physicalLocation\": {\"artifactLocation\": {\"index\": 1}}}]}]}]}";

    assertThat(read(log, "high").figures().get("failingFindings"))
        .isEqualTo(List.of("r high b.js"));
  }

  @Test
  void aRunThatProducedNoResultsIsNoEvidenceOfAScan() {
    String log =
        "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"Semgrep\"}},"
            + " \"results\": null}, {\"tool\": {\"driver\": {\"name\": \"CodeQL\"}},"
            + " \"invocations\": [{\"executionSuccessful\": false}], \"results\": []}]}";

    Reading reading = read(log, "critical");

    assertThat(reading.passed()).isFalse();
    assertThat(reading.failures())
        .containsExactly(
            "run 1 (Semgrep) has no results array, so it is no evidence of a scan",
            "run 2 (CodeQL) says its scan did not complete successfully");
    assertThat(reading.figures()).containsEntry("tools", List.of("Semgrep", "CodeQL"));
    // Figures only, as the policy asked: reported, not failed.
    assertThat(read(log, null).passed()).isTrue();
    assertThat((List<?>) read(log, null).figures().get("incomplete")).hasSize(2);
  }

  @Test
  void aLogWithNoResultsPasses() {
    Reading reading = read(sarif("", "[]"), "low");

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("findings", Map.of("critical", 0, "high", 0, "medium", 0, "low", 0));
  }

  @Test
  void theSeverityNameIsCheckedAndMayBeInCapitals() throws IOException {
    byte[] eslint = resource("eslint.sarif");

    assertThat(SarifReport.read(eslint, failAt("HIGH")).passed()).isFalse();
    assertThatThrownBy(() -> SarifReport.read(eslint, failAt("severe")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"severe\"");
  }

  @ParameterizedTest
  @ValueSource(strings = {"<sarif/>", "{\"version\": \"2.1.0\", \"runs\": [}", "{} {}"})
  void contentThatIsNotJsonIsUnreadable(String content) {
    Reading reading = read(content, "high");

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures())
        .singleElement()
        .asString()
        .startsWith("not a SARIF log: not JSON (");
  }

  @Test
  void jsonOfAnotherShapeIsUnreadable() throws IOException {
    assertThat(read("[]", "high").failures())
        .containsExactly("not a SARIF log: the top level is not a JSON object");
    assertThat(read("{\"runs\": []}", "high").failures())
        .containsExactly("not a SARIF log: it has no \"version\"");
    assertThat(read("{\"version\": \"2.0.0\", \"runs\": []}", "high").failures())
        .containsExactly("not a SARIF log: version \"2.0.0\", not 2.1.0");
    assertThat(read("{\"version\": \"2.1.0\", \"runs\": {}}", "high").failures())
        .containsExactly("not a SARIF log: it has no \"runs\" array");
    assertThat(SarifReport.read(resource("k6-summary-export.json"), failAt("high")).failures())
        .containsExactly("not a SARIF log: it has no \"version\"");
  }

  @Test
  void oddlyTypedMembersAreReadAsAbsentNotThrown() {
    String log =
        "{\"version\": \"2.1.0\", \"runs\": [7, {\"tool\": \"x\", \"results\": [1, \"a\","
            + " {\"ruleId\": 5, \"ruleIndex\": \"x\", \"level\": 3, \"locations\": \"here\","
            + " \"suppressions\": {}, \"properties\": []}]}]}";

    Reading reading = read(log, "medium");

    assertThat(reading.figures().get("failingFindings"))
        .isEqualTo(List.of("5 medium (no location)"));
  }

  /** The severity of the single result in a one-run log, or "none" when it does not count. */
  private static String severityOf(String result, String rules) {
    Map<?, ?> findings = (Map<?, ?>) read(sarif(result, rules), null).figures().get("findings");
    for (Map.Entry<?, ?> entry : findings.entrySet()) {
      if (!entry.getValue().equals(0)) {
        return (String) entry.getKey();
      }
    }
    return "none";
  }

  private static String sarif(String results, String rules) {
    return "{\"version\": \"2.1.0\", \"runs\": [{\"tool\": {\"driver\": {\"name\": \"Scanner\","
        + " \"rules\": "
        + rules
        + "}}, \"results\": ["
        + results
        + "]}]}";
  }

  private static Reading read(String log, String failAtSeverity) {
    return SarifReport.read(log.getBytes(StandardCharsets.UTF_8), failAt(failAtSeverity));
  }

  private static Thresholds failAt(String severity) {
    return new Thresholds("sarif", null, null, null, null, null, severity, null);
  }
}
