package io.countersign.evidencecheck;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.EmbeddedPostgresSupport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.FlywayException;
import org.flywaydb.core.api.output.InfoOutput;
import org.flywaydb.core.api.output.InfoResult;
import org.flywaydb.core.internal.util.JsonUtils;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Produces the flyway-info-*.json files under evidence/ for real: Flyway 11 (our flyway-core)
 * migrates an embedded PostgreSQL database, then its {@code info()} result, the {@link InfoResult}
 * that {@code flyway info -outputType=json} prints, is written with flyway-core's own JSON mapper
 * ({@link JsonUtils}). Only {@code filepath} is rewritten, relative to the migrations directory, so
 * no build machine's path is committed.
 *
 * <p>Every run produces the files again and checks that the committed ones still have their shape
 * (the same members, the same states per version); {@code -Dcountersign.evidence.regenerate=true}
 * writes them over the committed ones instead.
 */
class FlywayInfoFilesTest {
  private static final Path COMMITTED = Path.of("src/test/resources/evidence");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Map<String, String> DATABASES = new HashMap<>();

  @TempDir static Path work;

  private static Map<String, String> produced;

  @BeforeAll
  static void produce() throws IOException {
    produced =
        Map.of(
            "flyway-info-good.json", good(),
            "flyway-info-pending.json", pending(),
            "flyway-info-failed.json", failed(),
            "flyway-info-drifted.json", drifted());
    if (Boolean.getBoolean("countersign.evidence.regenerate")) {
      for (Map.Entry<String, String> file : produced.entrySet()) {
        Files.writeString(COMMITTED.resolve(file.getKey()), file.getValue() + "\n");
      }
    }
  }

  /** Three versioned migrations and a repeatable one, all applied. */
  private static String good() throws IOException {
    Path sql = migrations("good", "V1", "V2", "V3", "R");
    Flyway flyway = flyway("good", sql, null);
    flyway.migrate();
    return info(flyway, sql);
  }

  /** Applied up to version 2; versions 3 and 4 are waiting. */
  private static String pending() throws IOException {
    Path sql = migrations("pending", "V1", "V2", "V3", "V4");
    flyway("pending", sql, "2").migrate();
    return info(flyway("pending", sql, null), sql);
  }

  /**
   * Version 3 runs outside a transaction (as long data changes are often made to) and its second
   * statement names a column that does not exist: the first cannot be rolled back, so Flyway
   * records version 3 as failed and version 4 stays pending.
   */
  private static String failed() throws IOException {
    Path sql = migrations("failed", "V1", "V2", "V3-fails", "V4");
    Flyway flyway = flyway("failed", sql, null);
    assertThatThrownBy(flyway::migrate).isInstanceOf(FlywayException.class);
    return info(flyway, sql);
  }

  /**
   * The database was migrated to version 4 from other scripts than the ones the pipeline reads now:
   * version 2's script is gone (Missing), 4 is beyond the newest script (Future), and 2.5 was added
   * below the applied version without out-of-order (Ignored).
   */
  private static String drifted() throws IOException {
    Path applied = migrations("drifted-applied", "V1", "V2", "V3", "V4");
    flyway("drifted", applied, null).migrate();
    Path sql = migrations("drifted", "V1", "V2_5", "V3");
    return info(flyway("drifted", sql, null), sql);
  }

  private static Path migrations(String scenario, String... scripts) throws IOException {
    Path dir = Files.createDirectories(work.resolve(scenario).resolve("sql"));
    for (String script : scripts) {
      switch (script) {
        case "V1" ->
            write(
                dir,
                "V1__create_medication.sql",
                "CREATE TABLE medication (id bigint PRIMARY KEY, name text NOT NULL);");
        case "V2" ->
            write(
                dir,
                "V2__add_dose.sql",
                "CREATE TABLE dose (id bigint PRIMARY KEY,"
                    + " medication_id bigint NOT NULL REFERENCES medication (id),"
                    + " taken_at timestamptz NOT NULL);");
        case "V2_5" ->
            write(dir, "V2_5__add_dose_note.sql", "ALTER TABLE dose ADD COLUMN note text;");
        case "V3" ->
            write(
                dir,
                "V3__index_doses.sql",
                "CREATE INDEX dose_taken_at ON dose (medication_id, taken_at);");
        case "V3-fails" -> {
          write(
              dir,
              "V3__index_doses.sql",
              "ALTER TABLE dose ADD COLUMN amount_mg numeric;\n"
                  + "CREATE INDEX dose_taken_at ON dose (medication_id, taken_on);");
          write(dir, "V3__index_doses.sql.conf", "executeInTransaction=false");
        }
        case "V4" -> write(dir, "V4__add_schedule.sql", "CREATE TABLE schedule (id bigint);");
        case "R" ->
            write(
                dir,
                "R__medication_doses_view.sql",
                "CREATE OR REPLACE VIEW medication_doses AS SELECT m.name, count(d.id) AS doses"
                    + " FROM medication m LEFT JOIN dose d ON d.medication_id = m.id"
                    + " GROUP BY m.name;");
        default -> throw new IllegalArgumentException(script);
      }
    }
    return dir;
  }

  private static void write(Path dir, String name, String content) throws IOException {
    Files.writeString(dir.resolve(name), content + "\n", StandardCharsets.UTF_8);
  }

  /** One database per scenario, so the drifted one is migrated and read by two configurations. */
  private static Flyway flyway(String scenario, Path sql, String target) {
    String url =
        DATABASES.computeIfAbsent(
            scenario, s -> EmbeddedPostgresSupport.newDatabase("flyway_info_" + s.charAt(0)));
    var configuration =
        Flyway.configure()
            .dataSource(url, "postgres", "postgres")
            .locations("filesystem:" + sql)
            // As teams with non-transactional migrations must set it: under the default
            // transaction-level lock a failed one's history row is rolled back with the lock.
            .configuration(Map.of("flyway.postgresql.transactional.lock", "false"))
            .loggers("slf4j");
    if (target != null) {
      configuration.target(target);
    }
    return configuration.load();
  }

  private static String info(Flyway flyway, Path sql) {
    InfoResult result = flyway.info().getInfoResult();
    for (InfoOutput migration : result.migrations) {
      if (migration.filepath != null && !migration.filepath.isEmpty()) {
        migration.filepath = "sql/" + Path.of(migration.filepath).getFileName();
      }
    }
    String json = JsonUtils.toJson(result);
    assertThat(json).doesNotContain(sql.getParent().toString());
    return json;
  }

  @Test
  void theCommittedFilesAreWhatFlywayWritesToday() throws IOException {
    for (Map.Entry<String, String> file : produced.entrySet()) {
      JsonNode fresh = JSON.readTree(file.getValue());
      JsonNode committed = JSON.readTree(COMMITTED.resolve(file.getKey()).toFile());

      assertThat(names(committed)).as(file.getKey()).isEqualTo(names(fresh));
      assertThat(states(committed)).as(file.getKey()).isEqualTo(states(fresh));
      assertThat(committed.path("schemaVersion")).isEqualTo(fresh.path("schemaVersion"));
    }
  }

  @Test
  void theScenariosShowTheStatesTheyAreNamedFor() throws IOException {
    assertThat(states(JSON.readTree(produced.get("flyway-info-good.json"))))
        .containsExactly("1 Success", "2 Success", "3 Success", " Success");
    assertThat(states(JSON.readTree(produced.get("flyway-info-pending.json"))))
        .containsExactly("1 Success", "2 Success", "3 Pending", "4 Pending");
    assertThat(states(JSON.readTree(produced.get("flyway-info-failed.json"))))
        .containsExactly("1 Success", "2 Success", "3 Failed", "4 Pending");
    assertThat(states(JSON.readTree(produced.get("flyway-info-drifted.json"))))
        .containsExactlyInAnyOrder(
            "1 Success", "2 Missing", "2.5 Ignored", "3 Success", "4 Future");
  }

  /** Every member name at every depth, as path.name. */
  private static TreeSet<String> names(JsonNode node) {
    TreeSet<String> names = new TreeSet<>();
    collect(node, "", names);
    return names;
  }

  private static void collect(JsonNode node, String path, TreeSet<String> names) {
    if (node.isObject()) {
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        names.add(path + name);
        collect(node.get(name), path + name + ".", names);
      }
    } else if (node.isArray()) {
      for (JsonNode element : node) {
        collect(element, path + "[].", names);
      }
    }
  }

  private static List<String> states(JsonNode info) {
    List<String> states = new ArrayList<>();
    for (JsonNode migration : info.path("migrations")) {
      states.add(migration.path("version").asText() + " " + migration.path("state").asText());
    }
    return states;
  }
}
