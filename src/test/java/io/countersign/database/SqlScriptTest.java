package io.countersign.database;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class SqlScriptTest {

  @Test
  void splitsAtTheSemicolonsThatEndStatements() {
    assertThat(
            SqlScript.statements("DROP INDEX a;\nDROP TABLE b ;\n\n  ALTER TABLE c DROP COLUMN d"))
        .containsExactly("DROP INDEX a", "DROP TABLE b", "ALTER TABLE c DROP COLUMN d");
  }

  @Test
  void keepsSemicolonsInsideStringsIdentifiersAndComments() {
    assertThat(
            SqlScript.statements(
                """
        -- a comment; with a semicolon
        INSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;');
        /* block; /* nested; */ still comment; */
        CREATE TABLE "odd;name" ("x;y" INT);
        """))
        .containsExactly(
            "-- a comment; with a semicolon\nINSERT INTO t VALUES ('a;b', 'it''s; fine', E'back\\'slash;')",
            "/* block; /* nested; */ still comment; */\nCREATE TABLE \"odd;name\" (\"x;y\" INT)");
  }

  @Test
  void keepsDollarQuotedBodiesWhole() {
    String function =
        """
        CREATE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
          NEW.a := 1; -- $tag$ is not a delimiter in here
          RETURN NEW;
        END;
        $$""";
    String block = "DO $x$ BEGIN PERFORM 1; RAISE NOTICE '$$'; END $x$";

    assertThat(SqlScript.statements(function + ";\n" + block + ";\nSELECT $1, a$b FROM t;"))
        .containsExactly(function, block, "SELECT $1, a$b FROM t");
  }

  @Test
  void dropsCommentOnlyAndEmptyStatements() {
    assertThat(SqlScript.statements("-- only a comment\n;;  ;\n/* and this */")).isEmpty();
  }

  @Test
  void refusesUnterminatedQuotes() {
    assertThatThrownBy(() -> SqlScript.statements("SELECT 'open"))
        .hasMessageContaining("unterminated string");
    assertThatThrownBy(() -> SqlScript.statements("DO $$ BEGIN"))
        .hasMessageContaining("unterminated dollar-quoted");
    assertThatThrownBy(() -> SqlScript.statements("/* open"))
        .hasMessageContaining("unterminated block comment");
  }

  @Test
  void recognisesTransactionControl() {
    assertThat(SqlScript.controlsTransaction("-- first\nCOMMIT")).isTrue();
    assertThat(SqlScript.controlsTransaction("begin")).isTrue();
    assertThat(SqlScript.controlsTransaction("/* x */ ROLLBACK")).isTrue();
    assertThat(SqlScript.controlsTransaction("DO $$ BEGIN PERFORM 1; END $$")).isFalse();
    assertThat(SqlScript.controlsTransaction("DROP TABLE begin_dates")).isFalse();
  }

  @Test
  void splitsTheRepositorysRollbackScripts() throws Exception {
    assertThat(
            SqlScript.statements(
                Files.readString(
                    Path.of(
                        "examples/medication-tracker/db/rollbacks/U3__add_dose_reminders.sql"))))
        .containsExactly(
            "-- Undoes V3: drops the reminders table and the opt-in column. Reminder rows are lost (they are\n"
                + "-- derived from dose events and are re-created by the app).\nDROP INDEX ix_dose_reminders_due",
            "DROP TABLE dose_reminders",
            "ALTER TABLE patients DROP COLUMN reminder_opt_in");
    assertThat(
            SqlScript.statements(
                Files.readString(
                    Path.of("src/test/resources/db/pg-functions/rollbacks/U2__name_rules.sql"))))
        .hasSize(5);
  }
}
