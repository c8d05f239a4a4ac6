package io.countersign.engine;

import static io.countersign.engine.Migrations.execute;
import static io.countersign.engine.Migrations.flyway;
import static io.countersign.engine.Migrations.strings;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * What the owner grants the runtime role after every migrate
 * (afterMigrate__runtime_role_grants.sql).
 */
class RuntimeRoleGrantsTest {
  private static final String ALL = "SELECT,INSERT,UPDATE,DELETE,TRUNCATE,REFERENCES,TRIGGER";

  /** The table privileges a role holds, in the order of ALL. */
  private static String privileges(TwoRoles db, String role, String table) {
    return String.join(
        ",",
        strings(
            db.url(),
            db.owner(),
            "SELECT p FROM unnest(string_to_array('"
                + ALL
                + "', ',')) p"
                + " WHERE has_table_privilege('"
                + role
                + "', '"
                + table
                + "', p)"));
  }

  @Test
  void theRuntimeRoleGetsDataAccessOnlyAndTheAppendOnlyTablesTakeNoChange() {
    TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("grants");
    flyway(db.url(), db.owner(), db.runtime()).migrate();

    assertThat(privileges(db, db.runtime(), "cs_evidence")).isEqualTo("SELECT,INSERT");
    assertThat(privileges(db, db.runtime(), "cs_sign_off")).isEqualTo("SELECT,INSERT");
    assertThat(privileges(db, db.runtime(), "cs_evidence_head")).isEqualTo("SELECT,INSERT,UPDATE");
    assertThat(privileges(db, db.runtime(), "cs_release")).isEqualTo("SELECT,INSERT,UPDATE,DELETE");
    // Attempts are begun and finished, never removed: they prove what was called.
    assertThat(privileges(db, db.runtime(), "cs_attempt")).isEqualTo("SELECT,INSERT,UPDATE");
    // Notifications are published, claimed and marked delivered or failed; dead ones are kept.
    assertThat(privileges(db, db.runtime(), "cs_notification_outbox"))
        .isEqualTo("SELECT,INSERT,UPDATE");
    assertThat(privileges(db, db.runtime(), "cs_schema_history")).isEqualTo("SELECT");
    List<String> engineTables =
        strings(
            db.url(), db.owner(), "SELECT tablename FROM pg_tables WHERE tablename LIKE 'act\\_%'");
    assertThat(engineTables).hasSizeGreaterThan(40);
    for (String table : engineTables) {
      assertThat(privileges(db, db.runtime(), table))
          .as(table)
          .isEqualTo("SELECT,INSERT,UPDATE,DELETE");
    }
    assertThat(
            strings(
                db.url(),
                db.owner(),
                "SELECT count(*) FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner"
                    + " WHERE r.rolname = '"
                    + db.runtime()
                    + "'"))
        .containsExactly("0");
    // It may use the schema, not create in it (PostgreSQL 15 and later no longer let PUBLIC create
    // in public).
    assertThat(
            strings(
                db.url(),
                db.owner(),
                "SELECT p FROM unnest(ARRAY['USAGE', 'CREATE']) p"
                    + " WHERE has_schema_privilege('"
                    + db.runtime()
                    + "', 'public', p)"))
        .containsExactly("USAGE");
  }

  @Test
  void tablesOfLaterMigrationsAreCoveredOnTheNextMigrate() {
    TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("grants_later");
    flyway(db.url(), db.owner(), db.runtime()).migrate();
    // Tables a later migration adds (IF NOT EXISTS: some may come with Countersign's own
    // migrations).
    execute(
        db.url(),
        db.owner(),
        "CREATE TABLE IF NOT EXISTS cs_release_policy (id varchar(64))",
        "CREATE TABLE IF NOT EXISTS cs_override_decision (id varchar(64))",
        "CREATE TABLE cs_grants_test_notes (id varchar(64))",
        "CREATE TABLE grants_test_other (id varchar(64))",
        "CREATE TABLE cs_grants_test_counter (id bigint GENERATED ALWAYS AS IDENTITY, note text)",
        // Granted by hand before: the next migrate puts the table back to what its kind allows.
        "GRANT ALL ON cs_evidence TO " + db.runtime());

    flyway(db.url(), db.owner(), db.runtime()).migrate();

    assertThat(privileges(db, db.runtime(), "cs_release_policy")).isEqualTo("SELECT,INSERT");
    assertThat(privileges(db, db.runtime(), "cs_override_decision")).isEqualTo("SELECT,INSERT");
    assertThat(privileges(db, db.runtime(), "cs_grants_test_notes"))
        .isEqualTo("SELECT,INSERT,UPDATE,DELETE");
    assertThat(privileges(db, db.runtime(), "grants_test_other")).isEmpty();
    assertThat(privileges(db, db.runtime(), "cs_evidence")).isEqualTo("SELECT,INSERT");
    // An identity column draws from its sequence: INSERT works, setting the sequence does not.
    execute(db.url(), db.runtime(), "INSERT INTO cs_grants_test_counter (note) VALUES ('first')");
    assertThatThrownBy(
            () ->
                execute(
                    db.url(), db.runtime(), "SELECT setval('cs_grants_test_counter_id_seq', 100)"))
        .rootCause()
        .hasMessageContaining("permission denied");
  }

  @Test
  void oneUserForBothGrantsNothingAndAMissingRuntimeRoleStopsTheMigration() {
    TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("grants_single");
    flyway(db.url(), db.owner(), db.owner()).migrate();
    assertThat(privileges(db, db.runtime(), "cs_evidence")).isEmpty();
    assertThat(privileges(db, db.runtime(), "act_ru_task")).isEmpty();

    assertThatThrownBy(() -> flyway(db.url(), db.owner(), "grants_nobody").migrate())
        .hasMessageContaining("runtime role \"grants_nobody\" does not exist");
  }
}
