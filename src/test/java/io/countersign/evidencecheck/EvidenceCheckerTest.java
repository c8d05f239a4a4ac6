package io.countersign.evidencecheck;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.evidencecheck.EvidenceChecker.Verdict;
import io.countersign.manifest.ReleaseManifest.EvidenceItem;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.dmn.engine.DmnDecision;
import org.camunda.bpm.dmn.engine.DmnEngine;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.dmn.Dmn;
import org.junit.jupiter.api.Test;

/**
 * The checker on top of a source (a stand-in for our own port; the live source has its own tests
 * against S3Mock and WireMock), and the shipped policy's evidenceChecks decision.
 */
class EvidenceCheckerTest {
  private static final byte[] PASSING = read("surefire-passing.xml");
  private static final Thresholds JUNIT =
      new Thresholds("junit", null, null, null, null, 1, null, null);

  private final List<String> fetched = new ArrayList<>();

  private EvidenceChecker serving(byte[] content) {
    return new EvidenceChecker(
        new EvidenceSource() {
          @Override
          public Optional<byte[]> fetch(String location, long maxBytes) {
            fetched.add(location);
            return Optional.of(content);
          }

          @Override
          public String mode() {
            return "live";
          }
        },
        1024 * 1024);
  }

  private static EvidenceItem item(byte[] listed) {
    return new EvidenceItem(
        "integration-tests", "s3://artifacts/it.xml", EvidenceChecker.sha256(listed));
  }

  @Test
  void aFileWhoseDigestDiffersFailsAndIsNotRead() {
    byte[] other = read("surefire-failing.xml");

    Verdict verdict = serving(other).check(item(PASSING), JUNIT);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.outcome()).isEqualTo(Verdict.FAILED);
    assertThat(verdict.computedSha256()).isEqualTo(EvidenceChecker.sha256(other));
    assertThat(verdict.failures())
        .containsExactly(
            "sha256 mismatch: the file's digest is "
                + EvidenceChecker.sha256(other)
                + ", the release lists "
                + EvidenceChecker.sha256(PASSING));
    assertThat(verdict.figures()).isEmpty();
    assertThat(verdict.retryable()).isFalse();
  }

  @Test
  void theListedFileIsReadAgainstItsThresholds() {
    Verdict verdict = serving(PASSING).check(item(PASSING), JUNIT);

    assertThat(verdict.outcome()).isEqualTo(Verdict.PASSED);
    assertThat(verdict.bytes()).isEqualTo(PASSING.length);
    assertThat(verdict.figures()).containsEntry("failures", 0).containsEntry("errors", 0);
    assertThat(verdict.line())
        .startsWith(
            "- integration-tests: passed (sha256 "
                + EvidenceChecker.sha256(PASSING)
                + " matches, "
                + PASSING.length
                + " bytes; tests ")
        .endsWith("\n  s3://artifacts/it.xml");
    assertThat(fetched).containsExactly("s3://artifacts/it.xml");
  }

  @Test
  void failingContentFailsWithTheReadersReasons() {
    byte[] failing = read("surefire-failing.xml");

    Verdict verdict = serving(failing).check(item(failing), JUNIT);

    assertThat(verdict.outcome()).isEqualTo(Verdict.FAILED);
    assertThat(verdict.failures()).isNotEmpty();
    assertThat(EvidenceChecker.reason(verdict))
        .isEqualTo("integration-tests " + String.join("; ", verdict.failures()));
    assertThat(verdict.line()).startsWith("- integration-tests: FAILED: ");
  }

  @Test
  void aMigrationStatusWithAFailedMigrationHoldsTheItemWithItsFigures() {
    byte[] failed = read("flyway-info-failed.json");
    EvidenceItem status =
        new EvidenceItem(
            "migration-status", "s3://artifacts/flyway-info.json", EvidenceChecker.sha256(failed));

    Verdict verdict =
        serving(failed)
            .check(status, new Thresholds("flyway-info", null, null, null, null, null, null, null));

    assertThat(verdict.outcome()).isEqualTo(Verdict.FAILED);
    assertThat(verdict.asMap())
        .containsEntry("format", "flyway-info")
        .extracting("figures")
        .asInstanceOf(org.assertj.core.api.InstanceOfAssertFactories.MAP)
        .containsEntry("schemaVersion", "3")
        .containsEntry("failed", 1);
    assertThat(verdict.line())
        .startsWith(
            "- migration-status: FAILED: 1 migration failed or out of step with the scripts: 3"
                + " index doses Failed");
  }

  @Test
  void aFormatThePolicyMisspeltHoldsTheItemSayingSo() {
    Verdict verdict =
        serving(PASSING)
            .check(
                item(PASSING), new Thresholds("junitt", null, null, null, null, null, null, null));

    assertThat(verdict.outcome()).isEqualTo(Verdict.FAILED);
    assertThat(verdict.failures())
        .singleElement(org.assertj.core.api.InstanceOfAssertFactories.STRING)
        .startsWith("release policy evidenceChecks: unknown evidence format \"junitt\"");
  }

  @Test
  void aSourceThatDidNotAnswerGivesARetryableFailure() {
    EvidenceChecker checker =
        new EvidenceChecker(
            new EvidenceSource() {
              @Override
              public Optional<byte[]> fetch(String location, long maxBytes)
                  throws EvidenceSource.Unavailable {
                throw new EvidenceSource.Unavailable("answered 503", true);
              }

              @Override
              public String mode() {
                return "live";
              }
            },
            1024);

    Verdict verdict = checker.check(item(PASSING), JUNIT);

    assertThat(verdict.passed()).isFalse();
    assertThat(verdict.retryable()).isTrue();
    assertThat(verdict.failures()).containsExactly("unreachable: answered 503");
  }

  @Test
  void inDryRunNothingIsFetchedAndTheFormSaysSo() {
    EvidenceChecker checker = new EvidenceChecker(new DryRunEvidenceSource(), 1024);

    Verdict verdict = checker.check(item(PASSING), JUNIT);

    assertThat(verdict.outcome()).isEqualTo(Verdict.NOT_CHECKED);
    assertThat(verdict.passed()).isTrue();
    assertThat(checker.mode()).isEqualTo("dry-run");
    assertThat(verdict.line())
        .startsWith(
            "- integration-tests: NOT CHECKED (evidence source in dry-run): would fetch"
                + " s3://artifacts/it.xml, compare sha256 "
                + EvidenceChecker.sha256(PASSING)
                + " and read it as junit");
    assertThat(EvidenceChecker.lines(List.of(verdict), List.of("security-scan")))
        .endsWith("- security-scan: MISSING (the policy requires it)");
    assertThat(EvidenceChecker.lines(List.of(), List.of())).isEqualTo("(none attached)");
  }

  @Test
  void theFormShowsFullLocationsAsLinksWhereABrowserCanOpenThemAndFullDigests() {
    Verdict passed = serving(PASSING).check(item(PASSING), JUNIT);
    String sha = EvidenceChecker.sha256(PASSING);
    Verdict https =
        new Verdict(
            "load_tests",
            "https://ci.example/runs/7/k6(summary)_*final*.json",
            sha,
            sha,
            12L,
            passed.thresholds(),
            Verdict.PASSED,
            java.util.Map.of(),
            List.of(),
            false);

    String details = EvidenceChecker.details(List.of(passed, https), List.of("security-scan"));

    assertThat(details)
        .contains("- Location: `s3://artifacts/it.xml`")
        .contains("- SHA-256: `" + sha + "`")
        .doesNotContain("…")
        // A link that opens beside Tasklist; its text escaped so Markdown shows it as written.
        .contains(
            "- Location: <a href=\"https://ci.example/runs/7/k6(summary)_*final*.json\""
                + " target=\"_blank\" rel=\"noopener\">https://ci\\.example/runs/7/k6\\(summary\\)"
                + "\\_\\*final\\*\\.json</a>")
        .contains("**load\\_tests**: passed")
        .endsWith("**security\\-scan**: MISSING (the policy requires it)");
    // What came from a file or a manifest cannot become markup.
    assertThat(EvidenceChecker.text("<img src=x onerror=alert(1)> [a](javascript:x) & 'q'"))
        .isEqualTo(
            "&lt;img src=x onerror=alert\\(1\\)&gt; \\[a\\]\\(javascript:x\\) &amp; &#39;q&#39;");
  }

  @Test
  void thresholdsComeFromThePolicysOutputsAndDefaultToTheDigestOnly() {
    Map<String, Object> outputs = new LinkedHashMap<>();
    outputs.put("format", "k6-summary");
    outputs.put("p95MaxMs", 200.0);
    outputs.put("minVus", 1000);
    outputs.put("minSchemaVersion", "2.4");

    assertThat(EvidenceChecker.thresholds(outputs))
        .isEqualTo(new Thresholds("k6-summary", 200.0, null, null, 1000, null, null, "2.4"));
    assertThat(EvidenceChecker.thresholds(null)).isEqualTo(Thresholds.NONE);
    assertThat(EvidenceChecker.thresholds(Map.of())).isEqualTo(Thresholds.NONE);
  }

  /** The shipped policy: the users' own targets for each kind of evidence. */
  @Test
  void theShippedPolicyReadsEachTypeAsTheUsersPlansSay() throws Exception {
    DmnEngine dmn = DmnEngineConfiguration.createDefaultDmnEngineConfiguration().buildEngine();
    DmnDecision checks;
    try (InputStream in = Files.newInputStream(Path.of("bpmn/release-policy.dmn"))) {
      checks = dmn.parseDecision("evidenceChecks", Dmn.readModelFromStream(in));
    }
    for (String environment : List.of("staging", "production")) {
      assertThat(thresholds(dmn, checks, environment, "performance-tests"))
          .isEqualTo(new Thresholds("k6-summary", 200.0, 0.001, null, 1000, null, null, null));
      assertThat(thresholds(dmn, checks, environment, "integration-tests"))
          .isEqualTo(new Thresholds("junit", null, null, null, null, 1, null, null));
      assertThat(thresholds(dmn, checks, environment, "security-scan"))
          .isEqualTo(new Thresholds("sarif", null, null, null, null, null, "high", null));
      assertThat(thresholds(dmn, checks, environment, "migration-status"))
          .isEqualTo(new Thresholds("flyway-info", null, null, null, null, null, null, null));
      assertThat(thresholds(dmn, checks, environment, "build-log")).isEqualTo(Thresholds.NONE);
    }
  }

  private static Thresholds thresholds(
      DmnEngine dmn, DmnDecision checks, String environment, String type) {
    return EvidenceChecker.thresholds(
        dmn.evaluateDecisionTable(
                checks,
                Variables.createVariables()
                    .putValue("environment", environment)
                    .putValue("evidenceType", type))
            .getSingleResult()
            .getEntryMap());
  }

  private static byte[] read(String name) {
    try {
      return Files.readAllBytes(Path.of("src/test/resources/evidence", name));
    } catch (java.io.IOException unreadable) {
      throw new IllegalStateException(unreadable);
    }
  }
}
