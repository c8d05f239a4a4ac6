package io.countersign.evidencecheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EvidenceReadersTest {

  private static final byte[] GARBAGE =
      "\u0000\u0001 not any format }{".getBytes(StandardCharsets.UTF_8);

  @Test
  void formatNoneChecksNothingAndPassesWhateverTheContent() {
    Reading reading = EvidenceReaders.read(GARBAGE, Thresholds.NONE);

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures()).isEmpty();
  }

  @Test
  void anUnknownFormatIsAPolicyMistakeAndThrows() {
    Thresholds csv = new Thresholds("csv", null, null, null, null, null, null, null);

    assertThatThrownBy(() -> EvidenceReaders.read(GARBAGE, csv))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("\"csv\"");
    Thresholds unnamed = new Thresholds(null, null, null, null, null, null, null, null);
    assertThatThrownBy(() -> EvidenceReaders.read(GARBAGE, unnamed))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void eachFormatGoesToItsReader() {
    byte[] notAnything = "plain text".getBytes(StandardCharsets.UTF_8);

    assertThat(read(notAnything, "k6-summary").failures().get(0)).startsWith("not a k6 summary: ");
    assertThat(read(notAnything, "junit").failures().get(0)).startsWith("not a JUnit report: ");
    assertThat(read(notAnything, "sarif").failures().get(0)).startsWith("not a SARIF log: ");
    assertThat(read(notAnything, "flyway-info").failures().get(0))
        .startsWith("not a Flyway info result: ");
  }

  @Test
  void noContentIsAnEmptyFileForEveryFormatNotAnException() {
    for (String format : List.of("k6-summary", "junit", "sarif", "flyway-info")) {
      Reading missing = read(null, format);
      Reading empty = read(new byte[0], format);
      Reading blank = read(" \n\t\r\n".getBytes(StandardCharsets.UTF_8), format);
      Reading bomOnly = read(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, format);

      for (Reading reading : List.of(missing, empty, blank, bomOnly)) {
        assertThat(reading.passed()).as(format).isFalse();
        assertThat(reading.figures()).as(format).isEmpty();
        assertThat(reading.failures())
            .as(format)
            .singleElement()
            .asString()
            .endsWith("the file is empty");
      }
    }
  }

  @Test
  void thresholdsAsMapHoldsOnlyTheSetOnesInDeclarationOrder() {
    Thresholds k6 = new Thresholds("k6-summary", 200.0, null, 0.99, 1000, null, null, null);

    assertThat(k6.asMap())
        .containsExactly(
            Map.entry("format", "k6-summary"),
            Map.entry("p95MaxMs", 200.0),
            Map.entry("checksMinRate", 0.99),
            Map.entry("minVus", 1000));
    assertThat(new Thresholds("sarif", null, null, null, null, null, "high", null).asMap())
        .containsExactly(Map.entry("format", "sarif"), Map.entry("failAtSeverity", "high"));
    assertThat(new Thresholds("junit", null, null, null, null, 10, null, null).asMap())
        .containsExactly(Map.entry("format", "junit"), Map.entry("minTests", 10));
    assertThat(Thresholds.NONE.asMap()).containsExactly(Map.entry("format", "none"));
    assertThatThrownBy(() -> k6.asMap().put("minTests", 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void anUnreadableReadingFailsWithItsReasonAndNoFigures() {
    Reading reading = Reading.unreadable("not a k6 summary: the file is empty");

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures()).isEmpty();
    assertThat(reading.failures()).containsExactly("not a k6 summary: the file is empty");
  }

  @Test
  void aReadingPassesExactlyWhenItHasNoFailures() {
    assertThatThrownBy(() -> new Reading(true, Map.of(), List.of("p95 too slow")))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Reading(false, Map.of(), List.of()))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(Reading.of(Map.of(), List.of()).passed()).isTrue();
    assertThat(Reading.of(Map.of(), List.of("x")).passed()).isFalse();
  }

  @Test
  void aReadingKeepsItsFiguresInOrderAndCannotBeChangedAfterwards() {
    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("tests", 7);
    figures.put("failures", 0);
    figures.put("errors", 0);
    List<String> failures = new ArrayList<>();

    Reading reading = new Reading(true, figures, failures);
    figures.put("skipped", 3);
    failures.add("added later");

    assertThat(reading.figures().keySet()).containsExactly("tests", "failures", "errors");
    assertThat(reading.failures()).isEmpty();
    assertThatThrownBy(() -> reading.figures().put("suites", 1))
        .isInstanceOf(UnsupportedOperationException.class);
  }

  private static Reading read(byte[] content, String format) {
    return EvidenceReaders.read(
        content, new Thresholds(format, null, null, null, null, null, null, null));
  }
}
