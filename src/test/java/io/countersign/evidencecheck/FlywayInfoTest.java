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

/**
 * The flyway-info-*.json files are real Flyway 11 output against embedded PostgreSQL, produced by
 * {@link FlywayInfoFilesTest} (see evidence/README.md).
 */
class FlywayInfoTest {

  @Test
  void aFullyMigratedDatabasePassesWithItsFigures() throws IOException {
    Reading reading = FlywayInfo.read(resource("flyway-info-good.json"), atLeast(null));

    assertThat(reading.failures()).isEmpty();
    assertThat(reading.figures())
        .containsExactly(
            Map.entry("schemaVersion", "3"),
            Map.entry("applied", 4),
            Map.entry("pending", 0),
            Map.entry("failed", 0),
            Map.entry("problems", List.of()));
  }

  @Test
  void pendingMigrationsAreCountedNotFailed() throws IOException {
    Reading reading = FlywayInfo.read(resource("flyway-info-pending.json"), atLeast(null));

    assertThat(reading.passed()).isTrue();
    assertThat(reading.figures())
        .containsEntry("schemaVersion", "2")
        .containsEntry("applied", 2)
        .containsEntry("pending", 2)
        .containsEntry("failed", 0);
  }

  @Test
  void aFailedMigrationFailsTheReadingNamingIt() throws IOException {
    Reading reading = FlywayInfo.read(resource("flyway-info-failed.json"), atLeast(null));

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures())
        .containsEntry("schemaVersion", "3")
        .containsEntry("applied", 2)
        .containsEntry("pending", 1)
        .containsEntry("failed", 1)
        .containsEntry("problems", List.of("3 index doses Failed"));
    assertThat(reading.failures())
        .containsExactly(
            "1 migration failed or out of step with the scripts: 3 index doses Failed");
  }

  @Test
  void missingFutureAndIgnoredMigrationsFailAsTheScriptsAndTheDatabaseDisagree()
      throws IOException {
    Reading reading = FlywayInfo.read(resource("flyway-info-drifted.json"), atLeast(null));

    assertThat(reading.passed()).isFalse();
    assertThat(reading.figures())
        .containsEntry("schemaVersion", "4")
        .containsEntry("applied", 2)
        .containsEntry("failed", 0)
        .containsEntry(
            "problems",
            List.of("2 add dose Missing", "4 add schedule Future", "2.5 add dose note Ignored"));
    assertThat(reading.failures())
        .containsExactly(
            "3 migrations failed or out of step with the scripts: 2 add dose Missing, 4 add"
                + " schedule Future, 2.5 add dose note Ignored");
  }

  /** Flyway compares versions part by part as numbers: 1.10 is after 1.9. */
  @ParameterizedTest
  @CsvSource({
    "1.9, 1.9, true",
    "1.10, 1.9, true",
    "1.9, 1.10, false",
    "2, 1.10.3, true",
    "1.0, 1, true",
    "2024.06.1, 2024.6.2, false"
  })
  void theMinimumSchemaVersionComparesAsFlywayVersions(
      String schemaVersion, String minimum, boolean passes) {
    Reading reading = FlywayInfo.read(info(schemaVersion, "Success"), atLeast(minimum));

    assertThat(reading.passed()).isEqualTo(passes);
    if (!passes) {
      assertThat(reading.failures())
          .containsExactly(
              "schema version " + schemaVersion + " is below the " + minimum + " required");
    }
  }

  @Test
  void theMinimumAgainstTheCommittedFiles() throws IOException {
    assertThat(FlywayInfo.read(resource("flyway-info-good.json"), atLeast("3")).passed()).isTrue();
    assertThat(FlywayInfo.read(resource("flyway-info-pending.json"), atLeast("3")).failures())
        .containsExactly("schema version 2 is below the 3 required");
  }

  @Test
  void anEmptyDatabaseHasNoSchemaVersionAndFailsAMinimum() {
    byte[] empty =
        "{\"schemaVersion\": null, \"operation\": \"info\", \"migrations\": []}"
            .getBytes(StandardCharsets.UTF_8);

    assertThat(FlywayInfo.read(empty, atLeast(null)).passed()).isTrue();
    assertThat(FlywayInfo.read(empty, atLeast(null)).figures()).doesNotContainKey("schemaVersion");
    assertThat(FlywayInfo.read(empty, atLeast("1")).failures())
        .containsExactly("no schema version (nothing applied), 1 required");
  }

  @Test
  void aStateThisFlywayDoesNotKnowFails() {
    Reading reading = FlywayInfo.read(info("3", "Rewritten"), atLeast(null));

    assertThat(reading.failures())
        .containsExactly(
            "1 migration failed or out of step with the scripts: 3 Rewritten (a state this Flyway"
                + " does not know)");
  }

  @Test
  void outOfOrderBaselineAndBelowBaselineStatesPass() {
    for (String state : List.of("Out of Order", "Baseline", "Ignored (Baseline)", "Above Target")) {
      assertThat(FlywayInfo.read(info("3", state), atLeast(null)).passed()).as(state).isTrue();
    }
    for (String state : List.of("Failed (Missing)", "Failed (Future)")) {
      assertThat(FlywayInfo.read(info("3", state), atLeast(null)).figures())
          .as(state)
          .containsEntry("failed", 1);
    }
  }

  @Test
  void whatIsNotAnInfoResultIsUnreadable() {
    assertThat(read("{\"metrics\": {}}"))
        .containsExactly("not a Flyway info result: it has no \"migrations\" array");
    assertThat(read("{\"operation\": \"migrate\", \"migrations\": []}"))
        .containsExactly("not a Flyway info result: it is the output of \"migrate\"");
    assertThat(
            read(
                "{\"error\": {\"errorCode\": \"DB_CONNECTION\", \"message\": \"Unable to obtain"
                    + " connection\"}}"))
        .containsExactly(
            "not a Flyway info result: flyway reported an error: Unable to obtain connection");
    assertThat(read("[1, 2]"))
        .containsExactly("not a Flyway info result: the top level is not a JSON object");
    assertThat(read("")).containsExactly("not a Flyway info result: the file is empty");
  }

  @Test
  void aMinimumThatIsNotAVersionIsThePolicysMistake() {
    assertThatThrownBy(() -> FlywayInfo.read(info("1", "Success"), atLeast("two")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("minSchemaVersion \"two\" is not a Flyway version");
  }

  @Test
  void theReadersSendTheFormatHere() throws IOException {
    Thresholds thresholds = new Thresholds("flyway-info", null, null, null, null, null, null, "3");

    assertThat(EvidenceReaders.read(resource("flyway-info-good.json"), thresholds).passed())
        .isTrue();
  }

  private static List<String> read(String content) {
    return FlywayInfo.read(content.getBytes(StandardCharsets.UTF_8), atLeast(null)).failures();
  }

  /** One migration at that version and state, as Flyway prints it. */
  private static byte[] info(String schemaVersion, String state) {
    return ("{\"schemaVersion\": \""
            + schemaVersion
            + "\", \"operation\": \"info\", \"migrations\": [{\"category\": \"Versioned\","
            + " \"version\": \""
            + schemaVersion
            + "\", \"description\": \"\", \"state\": \""
            + state
            + "\"}]}")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Thresholds atLeast(String minSchemaVersion) {
    return new Thresholds("flyway-info", null, null, null, null, null, null, minSchemaVersion);
  }
}
