package io.countersign;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.SpringBootTest.WebEnvironment;
import org.springframework.test.context.ContextConfiguration;

/**
 * The whole application on a random port with its own in-memory databases (engine + Countersign
 * tables, and the medication-db target that Flyway migrates for real) and the job executor on.
 * Every class carrying it shares one cached Spring context, so the app boots once per JVM. An OIDC
 * identity provider (TestIdentityProvider) is configured too, so bearer tokens work beside HTTP
 * Basic. Metrics are exported as in production (a test context otherwise has only the simple
 * registry), so /actuator/prometheus answers (MetricsTest).
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@Documented
@AutoConfigureObservability(tracing = false)
@SpringBootTest(
    webEnvironment = WebEnvironment.RANDOM_PORT,
    properties = {
      "spring.datasource.url=jdbc:h2:mem:api-engine;DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE;LOCK_TIMEOUT=10000",
      "countersign.targets.databases.medication-db.url=" + ApiAppSupport.TARGET_DB_URL,
      // Staging releases that production ones are promoted from migrate a database of their own.
      "countersign.targets.databases.staging-db.mode=live",
      "countersign.targets.databases.staging-db.url=jdbc:h2:mem:api-staging-target;DB_CLOSE_DELAY=-1",
      "countersign.targets.databases.staging-db.username=sa",
      "countersign.targets.databases.staging-db.password=",
      "countersign.targets.databases.staging-db.migration-roots=examples",
      "countersign.targets.databases.staging-db.backup=h2-script",
      "countersign.backups.directory=" + ApiAppSupport.TEST_WORK + "/backups/api",
      // A throttled test client stays throttled for the whole test, however slow the machine.
      "countersign.security.login-throttle.initial-delay=PT1M",
      // Development (which no other HTTP test releases to) is open one minute a week, so that a
      // release can be caught waiting for its window (ChangeWindowGuardHttpTest).
      "countersign.change-windows.environments.development[0].days=MON",
      "countersign.change-windows.environments.development[0].from=00:00",
      "countersign.change-windows.environments.development[0].to=00:01",
      "countersign.change-windows.environments.development[0].zone=UTC",
      // Never ./var: one test key for every context of the build, checkpoints in a file of this
      // context's own.
      "countersign.evidence.signing.key-file=" + ApiAppSupport.EVIDENCE_KEY_FILE,
      "countersign.evidence.checkpoints.file="
          + ApiAppSupport.TEST_WORK
          + "/evidence/api-${random.uuid}/checkpoints.jsonl"
    })
@ContextConfiguration(initializers = TestIdentityProvider.class)
public @interface ApiAppSupport {
  String TARGET_DB_URL = "jdbc:h2:mem:api-target;DB_CLOSE_DELAY=-1";

  /**
   * Where tests write: the build's own folder (surefire sets countersign.test-work to it), so two
   * builds with different -Dbuild.dir share nothing; target/test-work when a test runs outside
   * Maven.
   */
  String TEST_WORK = "${countersign.test-work:target/test-work}";

  String EVIDENCE_KEY_FILE = TEST_WORK + "/evidence/signing.key";
}
