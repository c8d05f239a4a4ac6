package io.countersign.evidencecheck;

import static io.countersign.evidencecheck.K6SummaryTest.resource;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * surefire-passing.xml is a real Surefire report of this project (SqlScriptTest, its {@code
 * <properties>} removed); surefire-failing.xml is it with one failure added by hand. The
 * jest-junit, pytest and PHPUnit files are hand-written in those tools' shapes.
 */
class JUnitReportTest {

  private static final Thresholds ANY_COUNT = thresholds(null);

  @Test
  void aRealSurefireReportWithNoFailuresPasses() throws IOException {
    Reading reading = JUnitReport.read(resource("surefire-passing.xml"), thresholds(7));

    assertThat(reading.failures()).isEmpty();
    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("tests", 7)
        .containsEntry("failures", 0)
        .containsEntry("errors", 0)
        .containsEntry("skipped", 0)
        .containsEntry("suites", 1)
        .containsEntry("failedTests", List.of());
    assertThat(reading.figures().keySet())
        .containsExactly("tests", "failures", "errors", "skipped", "suites", "failedTests");
  }

  @Test
  void theMinimumTestCountIsInclusive() throws IOException {
    byte[] seven = resource("surefire-passing.xml");

    assertThat(JUnitReport.read(seven, thresholds(7)).passed()).isTrue();
    assertThat(JUnitReport.read(seven, thresholds(8)).failures())
        .containsExactly("7 tests ran, fewer than the 8 required");
  }

  @Test
  void aFailedTestFailsTheReadingWhateverTheThresholds() throws IOException {
    Reading reading = JUnitReport.read(resource("surefire-failing.xml"), ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.failures())
        .containsExactly(
            "1 test failed: io.countersign.database.SqlScriptTest"
                + ".splitsAtTheSemicolonsThatEndStatements");
    assertThat(reading.figures())
        .containsEntry("tests", 7)
        .containsEntry("failures", 1)
        .containsEntry("errors", 0)
        .containsEntry(
            "failedTests",
            List.of(
                "io.countersign.database.SqlScriptTest.splitsAtTheSemicolonsThatEndStatements"));
  }

  @Test
  void jestJunitSuitesUnderTestsuitesAreSummed() throws IOException {
    Reading reading = JUnitReport.read(resource("jest-junit.xml"), thresholds(5));

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("tests", 5)
        .containsEntry("skipped", 1)
        .containsEntry("suites", 2)
        .containsEntry("failures", 0);
  }

  @Test
  void pytestFailuresAndErrorsAreBothReportedByName() throws IOException {
    Reading reading = JUnitReport.read(resource("pytest.xml"), thresholds(5));

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures())
        .containsEntry("tests", 5)
        .containsEntry("failures", 1)
        .containsEntry("errors", 1)
        .containsEntry("skipped", 1)
        .containsEntry("suites", 1)
        .containsEntry(
            "failedTests",
            List.of(
                "tests.test_rates.test_rate_rejects_negative",
                "tests.test_store.test_store_round_trip"));
    assertThat(reading.failures())
        .containsExactly(
            "1 test failed: tests.test_rates.test_rate_rejects_negative",
            "1 test ended in an error: tests.test_store.test_store_round_trip");
  }

  @Test
  void nestedSuitesThatRepeatTheirChildrensTotalsAreCountedOnce() throws IOException {
    // PHPUnit: three enclosing suites each say tests="4"; the class suite lists the cases.
    Reading reading = JUnitReport.read(resource("phpunit-nested.xml"), ANY_COUNT);

    assertThat(reading.figures())
        .containsEntry("tests", 4)
        .containsEntry("failures", 1)
        .containsEntry("suites", 1)
        .containsEntry("failedTests", List.of("Tests.PriceTest.testParses with data set #1"));
  }

  @Test
  void withoutCountAttributesTheTestcaseElementsAreCounted() {
    String report =
        """
        <testsuites>
          <testsuite name="a">
            <testcase classname="A" name="one"/>
            <testcase classname="A" name="two"><failure/></testcase>
            <testcase classname="A" name="three"><skipped/></testcase>
          </testsuite>
          <testsuite name="b">
            <testcase name="four"><error message="boom"/></testcase>
          </testsuite>
        </testsuites>
        """;

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.figures())
        .containsEntry("tests", 4)
        .containsEntry("failures", 1)
        .containsEntry("errors", 1)
        .containsEntry("skipped", 1)
        .containsEntry("suites", 2)
        .containsEntry("failedTests", List.of("A.two", "four"));
  }

  @Test
  void aFailureElementCountsEvenWhenTheAttributesSayNone() {
    String report =
        """
        <testsuite tests="2" failures="0" errors="0">
          <testcase classname="A" name="one"/>
          <testcase classname="A" name="two"><failure message="expected 1"/></testcase>
        </testsuite>
        """;

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.failures()).containsExactly("1 test failed: A.two");
  }

  @Test
  void attributesCountWhatTheFileDoesNotList() {
    String summaryOnly = "<testsuite name=\"x\" tests=\"12\" failures=\"0\" errors=\"2\"/>";

    Reading reading = read(summaryOnly, thresholds(12));

    assertThat(reading.figures()).containsEntry("tests", 12).containsEntry("errors", 2);
    assertThat(reading.failures()).containsExactly("2 tests ended in an error");
  }

  @Test
  void hugeCountsDoNotWrapRoundToZero() {
    String report =
        "<testsuites><testsuite tests=\"2147483647\" failures=\"2147483647\"/>"
            + "<testsuite tests=\"1\" failures=\"1\"/></testsuites>";

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).containsEntry("failures", Integer.MAX_VALUE);
  }

  @Test
  void countsThatAreNotWholeNumbersFallBackToTheElements() {
    String report =
        "<testsuite tests=\"lots\" failures=\"-3\" errors=\"1.5\">"
            + "<testcase name=\"a\"/><testcase name=\"b\"><error/></testcase></testsuite>";

    assertThat(read(report, ANY_COUNT).figures())
        .containsEntry("tests", 2)
        .containsEntry("failures", 0)
        .containsEntry("errors", 1);
  }

  @Test
  void flakyAndRerunFailuresAreNotFailures() {
    // Surefire's rerunFailingTestsCount: a test that passed on a rerun keeps a <flakyFailure>.
    String report =
        """
        <testsuite tests="1" failures="0" errors="0" flakes="1">
          <testcase classname="A" name="flaky">
            <flakyFailure message="timeout" type="java.lang.AssertionError">stack</flakyFailure>
          </testcase>
        </testsuite>
        """;

    assertThat(read(report, ANY_COUNT).passed()).isTrue();
  }

  @Test
  void atMostTenFailedNamesAreKeptAndTheSentenceCountsTheRest() {
    String cases =
        IntStream.range(0, 12)
            .mapToObj(i -> "<testcase classname=\"A\" name=\"t" + i + "\"><failure/></testcase>")
            .collect(Collectors.joining());

    Reading reading = read("<testsuite>" + cases + "</testsuite>", ANY_COUNT);

    assertThat(reading.figures()).containsEntry("failures", 12);
    assertThat(reading.figures().get("failedTests"))
        .isEqualTo(IntStream.range(0, 10).mapToObj(i -> "A.t" + i).toList());
    assertThat(reading.failures()).containsExactly("12 tests failed: A.t0, A.t1, A.t2 and 9 more");
  }

  @Test
  void anEmptyTestsuitesRootHasNoTestsAndFailsAMinimum() {
    assertThat(read("<testsuites/>", ANY_COUNT).figures()).containsEntry("tests", 0);
    assertThat(read("<testsuites/>", thresholds(1)).failures())
        .containsExactly("0 tests ran, fewer than the 1 required");
  }

  @Test
  void anotherXmlRootIsUnreadable() {
    Reading reading = read("<html><body><testsuite tests=\"3\"/></body></html>", ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures())
        .containsExactly(
            "not a JUnit report: its root element is <html>, not <testsuite> or <testsuites>");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "{\"tests\": 7}",
        "<testsuite tests=\"7\"><testcase name=\"a\">",
        "<testsuite/><testsuite/>",
        "tests=7 failures=0"
      })
  void contentThatIsNotWellFormedXmlIsUnreadable(String content) {
    Reading reading = read(content, ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures())
        .singleElement()
        .asString()
        .startsWith("not a JUnit report: not well-formed XML (line 1: ");
  }

  @Test
  void aDoctypeIsRefusedEvenWithoutEntities() {
    String report = "<!DOCTYPE testsuite><testsuite tests=\"1\"><testcase name=\"a\"/></testsuite>";

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures())
        .containsExactly(
            "not a JUnit report: it has a DOCTYPE declaration, which evidence may not have (DTDs"
                + " and entities are refused)");
  }

  @Test
  void anExternalEntityIsNeverResolved(@TempDir Path dir) throws Exception {
    Path secret = dir.resolve("secret.txt");
    String marker = "MARKER-" + System.nanoTime();
    Files.writeString(secret, marker);
    String report =
        "<?xml version=\"1.0\"?>\n"
            + "<!DOCTYPE testsuite [<!ENTITY leak SYSTEM \""
            + secret.toUri()
            + "\">]>\n"
            + "<testsuite tests=\"1\" failures=\"1\">"
            + "<testcase classname=\"A\" name=\"x\"><failure>&leak;</failure></testcase>"
            + "</testsuite>";
    // The same file read by a parser left at its defaults does leak the marker: the test can fail.
    assertThat(naiveFailureText(report)).isEqualTo(marker);

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures()).singleElement().asString().contains("DOCTYPE");
    assertThat(reading.toString()).doesNotContain(marker);
  }

  @Test
  void anExternalDtdIsNeverFetched(@TempDir Path dir) throws Exception {
    Path dtd = dir.resolve("evil.dtd");
    String marker = "MARKER-" + System.nanoTime();
    Files.writeString(dtd, "<!ENTITY leak \"" + marker + "\">");
    String report =
        "<!DOCTYPE testsuite SYSTEM \""
            + dtd.toUri()
            + "\"><testsuite><testcase name=\"&leak;\"><failure/></testcase></testsuite>";
    // Fetched, the DTD's entity would become a failed test's name, which the reading reports.
    assertThat(
            DocumentBuilderFactory.newDefaultInstance()
                .newDocumentBuilder()
                .parse(new ByteArrayInputStream(report.getBytes(StandardCharsets.UTF_8)))
                .getDocumentElement()
                .getFirstChild()
                .getAttributes()
                .getNamedItem("name")
                .getNodeValue())
        .isEqualTo(marker);

    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.failures()).singleElement().asString().contains("DOCTYPE");
    assertThat(reading.toString()).doesNotContain(marker);
  }

  @Test
  @Timeout(10)
  void anEntityExpansionBombIsRefusedAtOnce() {
    StringBuilder entities = new StringBuilder("<!ENTITY l0 \"lol\">");
    for (int i = 1; i < 10; i++) {
      entities.append(
          String.format(
              "<!ENTITY l%d \"&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;&l%d;\">",
              i, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1, i - 1));
    }
    String report = "<!DOCTYPE testsuite [" + entities + "]><testsuite name=\"&l9;\"/>";

    long started = System.nanoTime();
    Reading reading = read(report, ANY_COUNT);

    assertThat(reading.failures()).singleElement().asString().contains("DOCTYPE");
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(2));
  }

  /** The failure's text as a parser left at its defaults expands it. */
  private static String naiveFailureText(String report) throws Exception {
    return DocumentBuilderFactory.newDefaultInstance()
        .newDocumentBuilder()
        .parse(new ByteArrayInputStream(report.getBytes(StandardCharsets.UTF_8)))
        .getElementsByTagName("failure")
        .item(0)
        .getTextContent();
  }

  private static Reading read(String report, Thresholds thresholds) {
    return JUnitReport.read(report.getBytes(StandardCharsets.UTF_8), thresholds);
  }

  private static Thresholds thresholds(Integer minTests) {
    return new Thresholds("junit", null, null, null, null, minTests, null, null);
  }
}
