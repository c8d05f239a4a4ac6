package io.countersign.evidencecheck;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.MigrationState;
import org.flywaydb.core.api.MigrationVersion;

/**
 * A database's migration status as {@code flyway info -outputType=json} prints it (flyway-core's
 * {@code InfoResult}: {@code schemaVersion} and {@code migrations[]}, each with its {@code version}
 * and {@code state}, the display name of a {@link MigrationState}).
 *
 * <p>The file fails when a migration is in a state that means the database and the scripts the
 * pipeline read disagree, or a migration broke: every failed state ({@code Failed}, {@code Failed
 * (Missing)}, {@code Failed (Future)}), {@code Missing} (applied, its script gone), {@code Future}
 * (applied, newer than any script) and {@code Ignored} (a script below the applied version that was
 * left out, out-of-order being off). A state this Flyway does not know fails too. Everything else
 * passes: {@code Pending} and {@code Above Target} (not applied yet), {@code Out of Order} (applied
 * out of order because the project allows it), the baseline states, and the states of re-applied
 * repeatables and undone migrations.
 */
final class FlywayInfo {
  private static final String NOT = "not a Flyway info result: ";
  private static final int MAX_NAMES = 10;

  /** Applied and in the database as the scripts say. */
  private static final Set<MigrationState> APPLIED =
      EnumSet.of(
          MigrationState.SUCCESS,
          MigrationState.BASELINE,
          MigrationState.OUT_OF_ORDER,
          MigrationState.OUTDATED,
          MigrationState.SUPERSEDED);

  /** Not failed, but the database's history and the scripts disagree. */
  private static final Set<MigrationState> DRIFT =
      EnumSet.of(
          MigrationState.MISSING_SUCCESS, MigrationState.FUTURE_SUCCESS, MigrationState.IGNORED);

  private FlywayInfo() {}

  static Reading read(byte[] content, Thresholds t) {
    MigrationVersion atLeast = t.minSchemaVersion() == null ? null : version(t.minSchemaVersion());
    EvidenceReaders.JsonFile file = EvidenceReaders.jsonObject(content, NOT);
    if (file.unreadable() != null) {
      return file.unreadable();
    }
    JsonNode root = file.root();
    if (root.path("error").isObject()) {
      // -outputType=json puts a failed command's error in the payload instead of on stderr.
      return Reading.unreadable(
          NOT
              + "flyway reported an error: "
              + EvidenceReaders.shorten(root.path("error").path("message").asText("")));
    }
    JsonNode operation = root.get("operation");
    if (operation != null && !operation.isNull() && !"info".equals(operation.asText())) {
      return Reading.unreadable(
          NOT + "it is the output of \"" + EvidenceReaders.shorten(operation.asText()) + "\"");
    }
    JsonNode migrations = root.get("migrations");
    if (migrations == null || !migrations.isArray()) {
      return Reading.unreadable(NOT + "it has no \"migrations\" array");
    }
    String schemaVersion = text(root.get("schemaVersion"));

    int applied = 0;
    int pending = 0;
    int failed = 0;
    List<String> problems = new ArrayList<>();
    for (JsonNode migration : migrations) {
      String state = text(migration.get("state"));
      MigrationState known = state(state);
      String name = name(migration, state);
      if (known == null) {
        problems.add(state == null ? name : name + " (a state this Flyway does not know)");
      } else if (known.isFailed()) {
        failed++;
        problems.add(name);
      } else if (DRIFT.contains(known)) {
        problems.add(name);
      } else if (APPLIED.contains(known)) {
        applied++;
      } else if (known == MigrationState.PENDING) {
        pending++;
      }
    }

    Map<String, Object> figures = new LinkedHashMap<>();
    if (schemaVersion != null) {
      figures.put("schemaVersion", schemaVersion); // none on a database with nothing applied
    }
    figures.put("applied", applied);
    figures.put("pending", pending);
    figures.put("failed", failed);
    figures.put("problems", List.copyOf(problems.subList(0, Math.min(MAX_NAMES, problems.size()))));

    List<String> failures = new ArrayList<>();
    if (!problems.isEmpty()) {
      failures.add(
          problems.size()
              + (problems.size() == 1 ? " migration" : " migrations")
              + " failed or out of step with the scripts: "
              + String.join(", ", problems.subList(0, Math.min(3, problems.size())))
              + (problems.size() > 3 ? " and " + (problems.size() - 3) + " more" : ""));
    }
    if (atLeast != null) {
      failures.addAll(belowMinimum(schemaVersion, atLeast, t.minSchemaVersion()));
    }
    return Reading.of(figures, failures);
  }

  private static List<String> belowMinimum(
      String schemaVersion, MigrationVersion atLeast, String written) {
    if (schemaVersion == null) {
      return List.of("no schema version (nothing applied), " + written + " required");
    }
    MigrationVersion actual;
    try {
      actual = MigrationVersion.fromVersion(schemaVersion);
    } catch (FlywayException | NumberFormatException notAVersion) {
      return List.of(
          "schema version \"" + EvidenceReaders.shorten(schemaVersion) + "\" is not a version");
    }
    if (actual.compareTo(atLeast) < 0) {
      return List.of("schema version " + schemaVersion + " is below the " + written + " required");
    }
    return List.of();
  }

  /** The threshold as Flyway reads a version (1.10 after 1.9); a policy mistake if it is none. */
  private static MigrationVersion version(String written) {
    try {
      return MigrationVersion.fromVersion(written);
    } catch (FlywayException | NumberFormatException notAVersion) {
      throw new IllegalArgumentException(
          "minSchemaVersion \"" + written + "\" is not a Flyway version (e.g. 2.4 or 2024.06.1)");
    }
  }

  /** The state whose display name the file shows; null for one this Flyway does not have. */
  private static MigrationState state(String displayName) {
    for (MigrationState state : MigrationState.values()) {
      if (state.getDisplayName().equals(displayName)) {
        return state;
      }
    }
    return null;
  }

  /** "3 index doses Failed", or the description alone for a repeatable migration. */
  private static String name(JsonNode migration, String state) {
    String version = text(migration.get("version"));
    String description = text(migration.get("description"));
    String name = version == null ? "" : version;
    if (description != null) {
      name = name.isEmpty() ? description : name + " " + description;
    }
    return EvidenceReaders.shorten(
        (name.isEmpty() ? "a migration" : name)
            + " "
            + (state == null ? "without a state" : state));
  }

  /** A non-blank text member, or null. */
  private static String text(JsonNode node) {
    if (node == null || !node.isTextual() || node.asText().isBlank()) {
      return null;
    }
    return node.asText();
  }
}
