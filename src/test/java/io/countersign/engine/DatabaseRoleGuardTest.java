package io.countersign.engine;

import static io.countersign.engine.Migrations.execute;
import static io.countersign.engine.Migrations.flyway;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.CountersignApplication;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.jdbc.datasource.SimpleDriverDataSource;
import org.springframework.mock.env.MockEnvironment;

/** Production refuses to connect as a user that could rewrite the evidence; other profiles warn. */
@ExtendWith(OutputCaptureExtension.class)
class DatabaseRoleGuardTest {
  private static TwoRoles db;

  @BeforeAll
  static void migrate() {
    db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("guard");
    flyway(db.url(), db.owner(), db.runtime()).migrate();
  }

  private static DataSource as(String user) {
    return new SimpleDriverDataSource(new org.postgresql.Driver(), db.url(), user, user);
  }

  private static DatabaseRoleGuard guard(String user, String profile) {
    MockEnvironment environment = new MockEnvironment();
    environment.setActiveProfiles(profile);
    return new DatabaseRoleGuard(as(user), environment);
  }

  @Test
  void productionRefusesAnEngineThatWouldChangeTheSchemaItself() {
    for (String update : new String[] {"true", "create-drop", "create"}) {
      assertThatThrownBy(() -> guard(db.runtime(), "production").refuseSchemaUpdate(update))
          .as(update)
          .hasMessageContaining("camunda.bpm.database.schema-update must be false in production");
    }
    assertThatCode(() -> guard(db.runtime(), "production").refuseSchemaUpdate("false"))
        .doesNotThrowAnyException();
    assertThatCode(() -> guard(db.runtime(), "postgres").refuseSchemaUpdate("true"))
        .doesNotThrowAnyException();
  }

  @Test
  void productionAcceptsTheRuntimeRoleOfTheTwoRoleSetUp() {
    assertThat(DatabaseRoleGuard.problems(as(db.runtime()))).isEmpty();
    assertThatCode(() -> guard(db.runtime(), "production").check()).doesNotThrowAnyException();
  }

  @Test
  void productionRefusesTheOwnerOfTheTables() {
    assertThatThrownBy(() -> guard(db.owner(), "production").check())
        .hasMessageContaining("could rewrite the evidence")
        .hasMessageContaining("owns, or is a member of the role that owns")
        .hasMessageContaining("cs_evidence (owner " + db.owner() + ")");
  }

  @Test
  void productionRefusesAMemberOfTheOwningRole() {
    String member = db.owner() + "_member";
    execute(
        db.url(),
        "postgres",
        "CREATE ROLE " + member + " LOGIN PASSWORD '" + member + "'",
        "GRANT " + db.owner() + " TO " + member);
    assertThatThrownBy(() -> guard(member, "production").check())
        .hasMessageContaining("cs_evidence (owner " + db.owner() + ")");
  }

  @Test
  void productionRefusesASuperuserAndARoleThatCanCreateRoles() {
    assertThatThrownBy(() -> guard("postgres", "production").check())
        .hasMessageContaining("'postgres' is a superuser");
    String creator = db.runtime() + "_creator";
    execute(
        db.url(),
        "postgres",
        "CREATE ROLE " + creator + " LOGIN CREATEROLE PASSWORD '" + creator + "'");
    assertThatThrownBy(() -> guard(creator, "production").check())
        .hasMessageContaining("'" + creator + "' has CREATEROLE");
  }

  @Test
  void otherProfilesOnlyWarn(CapturedOutput output) {
    assertThatCode(() -> guard(db.owner(), "postgres").check()).doesNotThrowAnyException();
    assertThat(output).contains("could rewrite the evidence").contains("(refused in production)");
  }

  @Test
  void theProductionApplicationDoesNotStartAsTheOwner(@TempDir Path dir) throws Exception {
    KeyPair key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Base64.Encoder base64 = Base64.getEncoder();
    // One user for both: Flyway and the application connect as the owner. Without the webapps:
    // stopping them clears JVM-wide statics (Cockpit's runtime delegate) that every other app's
    // webapps in the JVM need.
    SpringApplicationBuilder app =
        new SpringApplicationBuilder(CountersignApplication.class).profiles("production");
    assertThatThrownBy(
            () ->
                app.run(
                        "--spring.datasource.url=" + db.url(),
                        "--spring.datasource.username=" + db.owner(),
                        "--spring.datasource.password=" + db.owner(),
                        "--server.port=0",
                        "--camunda.bpm.webapp.enabled=false",
                        "--camunda.bpm.process-engine-name=guardTest",
                        "--camunda.bpm.job-execution.enabled=false",
                        "--camunda.bpm.metrics.db-reporter-activate=false",
                        // Production requires a configured key; the database check must refuse.
                        "--countersign.evidence.signing.private-key="
                            + base64.encodeToString(key.getPrivate().getEncoded()),
                        "--countersign.evidence.signing.public-key="
                            + base64.encodeToString(key.getPublic().getEncoded()),
                        "--countersign.backups.directory=" + dir.resolve("backups"),
                        "--logging.level.root=WARN")
                    .close())
        .hasStackTraceContaining("could rewrite the evidence")
        .hasStackTraceContaining("cs_evidence (owner " + db.owner() + ")");
  }
}
