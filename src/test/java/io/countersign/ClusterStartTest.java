package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import io.countersign.evidence.EvidenceLog;
import io.countersign.evidence.EvidenceSigner;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.context.logging.LoggingApplicationListener;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Several nodes on one PostgreSQL: two whole applications started at the same moment on one empty
 * database both start, and every start-up step (Flyway, the engine's bootstrap, the auto-deployment
 * and its models evidence, groups, authorizations, filters, users) happens exactly once. Both sign
 * with the one configured evidence key. A few rounds, a fresh database each.
 */
class ClusterStartTest {
  private static final int ROUNDS = 2;
  private static final AtomicInteger NODES = new AtomicInteger();
  private static final List<String> GROUPS =
      List.of(
          "camunda-admin",
          "compliance-officers",
          "operations-leads",
          "process-admins",
          "product-owners",
          "qa-leads",
          "release-managers",
          "release-requesters",
          "security-officers",
          "tech-leads");
  private static final List<String> FILTERS =
      List.of(
          "Compliance officer sign-offs",
          "Database restores to confirm",
          "Escalated sign-offs",
          "Inconclusive metrics to decide",
          "Operations lead sign-offs",
          "Overrides to decide",
          "Post-override reviews",
          "Product owner sign-offs",
          "QA lead sign-offs",
          "Security officer sign-offs",
          "Sign-offs past follow-up (escalated)",
          "Tech lead sign-offs");

  private static final Object LOGGING = new Object();
  private static KeyPair key;
  private static ExecutorService pool;

  @BeforeAll
  static void setUp() throws Exception {
    key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    pool = Executors.newFixedThreadPool(2);
  }

  @AfterAll
  static void tearDown() {
    pool.shutdownNow();
  }

  @Test
  void twoNodesStartingTogetherOnAnEmptyDatabaseBothStartAndSetUpEverythingOnce() throws Exception {
    for (int round = 1; round <= ROUNDS; round++) {
      TwoRoles db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("cluster");
      List<ConfigurableApplicationContext> nodes = startTogether(db);
      try {
        assertStartedOnce(db, nodes, "round " + round);
      } finally {
        nodes.forEach(ConfigurableApplicationContext::close);
      }
    }
  }

  /** Both nodes wait at a latch and then start; each must come up. */
  private static List<ConfigurableApplicationContext> startTogether(TwoRoles db)
      throws InterruptedException {
    CountDownLatch ready = new CountDownLatch(2);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<ConfigurableApplicationContext>> starts = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      String[] args = arguments(db, "node" + NODES.incrementAndGet());
      starts.add(
          pool.submit(
              () -> {
                SpringApplication node = node();
                ready.countDown();
                go.await();
                return node.run(args);
              }));
    }
    assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
    go.countDown();
    List<ConfigurableApplicationContext> nodes = new ArrayList<>();
    List<Throwable> failures = new ArrayList<>();
    for (Future<ConfigurableApplicationContext> start : starts) {
      try {
        nodes.add(start.get(5, TimeUnit.MINUTES));
      } catch (ExecutionException e) {
        failures.add(e.getCause());
      } catch (java.util.concurrent.TimeoutException e) {
        failures.add(e);
      }
    }
    if (!failures.isEmpty()) {
      nodes.forEach(ConfigurableApplicationContext::close);
      AssertionError error = new AssertionError("a node did not start: " + rootMessage(failures));
      failures.forEach(error::addSuppressed);
      throw error;
    }
    return nodes;
  }

  /**
   * The application, with Spring Boot's logging set-up made one at a time: it keeps JVM-wide state
   * (system properties) that two applications starting in one JVM at the same instant trip over
   * (seen: "Unknown format 'CONSOLE_LOG_STRUCTURED_FORMAT_IS_UNDEFINED'"). Separate nodes have a
   * JVM each.
   */
  private static SpringApplication node() {
    SpringApplication app = new SpringApplicationBuilder(CountersignApplication.class).build();
    List<ApplicationListener<?>> listeners = new ArrayList<>();
    for (ApplicationListener<?> listener : app.getListeners()) {
      if (listener instanceof LoggingApplicationListener logging) {
        listeners.add(
            (ApplicationListener<ApplicationEvent>)
                event -> {
                  synchronized (LOGGING) {
                    logging.onApplicationEvent(event);
                  }
                });
      } else {
        listeners.add(listener);
      }
    }
    app.setListeners(listeners);
    return app;
  }

  private static String rootMessage(List<Throwable> failures) {
    Throwable t = failures.get(0);
    while (t.getCause() != null && t.getCause() != t) {
      t = t.getCause();
    }
    return t.toString();
  }

  /**
   * Command-line arguments, not builder properties: those are defaults that application*.yaml
   * overrides.
   */
  private static String[] arguments(TwoRoles db, String node) {
    return new String[] {
      "--spring.profiles.active=demo,postgres",
      "--spring.datasource.url=" + db.url(),
      "--SPRING_DATASOURCE_USERNAME=" + db.runtime(),
      "--SPRING_DATASOURCE_PASSWORD=" + db.runtime(),
      "--SPRING_FLYWAY_USER=" + db.owner(),
      "--SPRING_FLYWAY_PASSWORD=" + db.owner(),
      "--server.port=0",
      // The webapps keep static state for one application per JVM; the shared HTTP test app owns
      // it. Engines register JVM-wide by name.
      "--camunda.bpm.webapp.enabled=false",
      "--camunda.bpm.job-execution.enabled=false",
      "--camunda.bpm.process-engine-name=" + node,
      "--countersign.cluster.node-id=" + node,
      "--camunda.bpm.metrics.db-reporter-activate=false",
      // The starter's own first administrator, beside Countersign's: both at the same moment.
      "--camunda.bpm.admin-user.id=camunda-root",
      "--camunda.bpm.admin-user.password=a-long-unique-passphrase",
      "--countersign.bootstrap-admin.id=root-admin",
      "--countersign.bootstrap-admin.password=another-long-passphrase",
      "--countersign.evidence.signing.private-key="
          + Base64.getEncoder().encodeToString(key.getPrivate().getEncoded()),
      "--countersign.evidence.signing.public-key="
          + Base64.getEncoder().encodeToString(key.getPublic().getEncoded()),
      "--countersign.evidence.signing.key-file="
          + ApiAppSupport.TEST_WORK
          + "/evidence/"
          + node
          + "-${random.uuid}.key",
      "--countersign.evidence.checkpoints.file="
          + ApiAppSupport.TEST_WORK
          + "/evidence/"
          + node
          + "-${random.uuid}/checkpoints.jsonl",
      "--countersign.backups.directory=" + ApiAppSupport.TEST_WORK + "/backups/" + node,
      "--spring.datasource.hikari.connection-timeout=5000",
      "--logging.level.root=WARN"
    };
  }

  private static void assertStartedOnce(
      TwoRoles db, List<ConfigurableApplicationContext> nodes, String round) throws Exception {
    JdbcTemplate owner =
        new JdbcTemplate(new DriverManagerDataSource(db.url(), db.owner(), db.owner()));
    assertThat(
            owner.queryForList(
                "SELECT version FROM cs_schema_history WHERE version IS NOT NULL AND success",
                String.class))
        .as(round + ": Flyway versions")
        .startsWith("1", "1.1", "1.2")
        .doesNotHaveDuplicates();
    assertThat(owner.queryForList("SELECT version_ FROM act_ge_schema_log", String.class))
        .as(round + ": engine schema log")
        .containsExactly("7.24.0");

    assertThat(owner.queryForList("SELECT id_ FROM act_id_group", String.class))
        .as(round + ": groups")
        .containsExactlyInAnyOrderElementsOf(GROUPS);
    List<String> users = owner.queryForList("SELECT id_ FROM act_id_user", String.class);
    assertThat(users)
        .as(round + ": users")
        .doesNotHaveDuplicates()
        .contains("camunda-root", "root-admin", "tech-lead", "process-admin")
        .hasSize(13);
    assertThat(
            owner.queryForList(
                "SELECT group_id_ || ' ' || resource_type_ || ' ' || resource_id_ || ' x' || COUNT(*)"
                    + " FROM act_ru_authorization GROUP BY group_id_, user_id_, resource_type_,"
                    + " resource_id_ HAVING COUNT(*) > 1",
                String.class))
        .as(round + ": authorizations granted twice")
        .isEmpty();
    assertThat(owner.queryForList("SELECT name_ FROM act_ru_filter", String.class))
        .as(round + ": filters")
        .containsExactlyInAnyOrderElementsOf(FILTERS);

    assertThat(owner.queryForObject("SELECT COUNT(*) FROM act_re_deployment", Long.class))
        .as(round + ": deployments")
        .isOne();
    assertThat(
            owner.queryForList(
                "SELECT key_ || ' v' || version_ FROM act_re_procdef ORDER BY key_", String.class))
        .as(round + ": process definitions")
        .containsExactly("deploy v1", "release v1", "sign-off v1");
    assertThat(
            owner.queryForList(
                "SELECT key_ || ' v' || version_ FROM act_re_decision_def", String.class))
        .as(round + ": decision definitions")
        .containsExactlyInAnyOrder(
            "requiredSignOffRoles v1",
            "requiredEvidence v1",
            "signOffDeadlines v1",
            "evidenceChecks v1",
            "promotion v1",
            "changeWindows v1");

    String deploymentId = owner.queryForObject("SELECT id_ FROM act_re_deployment", String.class);
    String keyId = keyId();
    for (ConfigurableApplicationContext node : nodes) {
      EvidenceLog evidence = node.getBean(EvidenceLog.class);
      assertThat(evidence.entries(EvidenceLog.MODELS_CHAIN))
          .as(round + ": the models chain records the one deployment once")
          .singleElement()
          .satisfies(
              entry -> {
                assertThat(entry.type()).isEqualTo("models-deployed");
                assertThat(entry.payload().get("deploymentId").asText()).isEqualTo(deploymentId);
              });
      assertThat(evidence.verify(EvidenceLog.MODELS_CHAIN).valid()).as(round).isTrue();
      assertThat(node.getBean(EvidenceSigner.class).keyId())
          .as(round + ": every node signs with the configured key")
          .isEqualTo(keyId);
    }
  }

  private static String keyId() throws Exception {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getPublic().getEncoded()))
        .substring(0, 16);
  }
}
