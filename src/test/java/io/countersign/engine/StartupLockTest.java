package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.zaxxer.hikari.HikariDataSource;
import io.countersign.EmbeddedPostgresSupport;
import io.countersign.EmbeddedPostgresSupport.TwoRoles;
import java.lang.reflect.Method;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.core.annotation.Order;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The cluster-wide start-up lock on PostgreSQL: one node at a time holds it, the next waits until
 * it is released (or gives up after its timeout, naming the setting), and a released lock leaves
 * nothing behind in the pooled connection. On H2 it holds nothing.
 */
class StartupLockTest {
  private TwoRoles db;
  private HikariDataSource nodeA;
  private HikariDataSource nodeB;
  private JdbcTemplate observer;

  @BeforeEach
  void database() {
    db = EmbeddedPostgresSupport.newDatabaseWithTwoRoles("startup_lock");
    nodeA = pool(db.url(), db.runtime());
    nodeB = pool(db.url(), db.runtime());
    observer = new JdbcTemplate(pool(db.url(), db.owner()));
  }

  @AfterEach
  void close() {
    nodeA.close();
    nodeB.close();
    ((HikariDataSource) observer.getDataSource()).close();
  }

  private static HikariDataSource pool(String url, String user) {
    HikariDataSource pool = new HikariDataSource();
    pool.setJdbcUrl(url);
    pool.setUsername(user);
    pool.setPassword(user);
    // One connection: the lock's, once released, is the one every later caller gets.
    pool.setMaximumPoolSize(1);
    return pool;
  }

  /** Sessions holding (true) or waiting for (false) the start-up lock. */
  private List<Boolean> lockRequests() {
    return observer.queryForList(
        "SELECT granted FROM pg_locks WHERE locktype = 'advisory'"
            + " AND ((classid::bigint << 32) | objid::bigint) = ? ORDER BY granted DESC",
        Boolean.class,
        StartupLock.KEY);
  }

  @Test
  void theNextNodeWaitsUntilTheFirstReleasesTheLock() throws Exception {
    StartupLock first = new StartupLock(nodeA, Duration.ofMinutes(1));
    StartupLock second = new StartupLock(nodeB, Duration.ofMinutes(1));
    first.acquire();
    first.acquire(); // holding it already: no second wait on itself
    assertThat(lockRequests()).containsExactly(true);

    CompletableFuture<Void> waiting = CompletableFuture.runAsync(second::acquire);
    await().atMost(Duration.ofSeconds(30)).until(() -> lockRequests().equals(List.of(true, false)));
    assertThat(waiting).isNotDone();

    first.release();
    waiting.get(30, TimeUnit.SECONDS);
    assertThat(second.isHeld()).isTrue();
    assertThat(first.isHeld()).isFalse();
    assertThat(lockRequests()).containsExactly(true);

    second.destroy(); // a context that closes, also after a failed start
    assertThat(lockRequests()).isEmpty();
    // The pooled connection goes back without the lock or the lock timeout.
    JdbcTemplate next = new JdbcTemplate(nodeB);
    assertThat(next.queryForObject("SHOW lock_timeout", String.class)).isEqualTo("0");
    assertThat(
            next.queryForObject("SELECT pg_try_advisory_lock(?)", Boolean.class, StartupLock.KEY))
        .isTrue();
    next.queryForObject("SELECT pg_advisory_unlock(?)", Boolean.class, StartupLock.KEY);
  }

  @Test
  void aNodeThatCannotGetTheLockInTimeRefusesToStartNamingTheSetting() {
    StartupLock first = new StartupLock(nodeA, Duration.ofMinutes(1));
    first.acquire();
    StartupLock second = new StartupLock(nodeB, Duration.ofMillis(200));
    assertThatThrownBy(second::acquire)
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("countersign.cluster.startup-lock-timeout")
        .hasMessageContaining(String.valueOf(StartupLock.KEY));
    assertThat(second.isHeld()).isFalse();
    first.release();
    // The refused attempt left its pool usable and nothing waiting.
    assertThat(lockRequests()).isEmpty();
    assertThat(new JdbcTemplate(nodeB).queryForObject("SELECT 1", Integer.class)).isOne();
  }

  @Test
  void flywayMigratesUnderTheLock() {
    StartupLock lock = new StartupLock(nodeA, Duration.ofMinutes(1));
    lock.migrate(Migrations.flyway(db.url(), db.owner(), db.runtime()));
    assertThat(lock.isHeld()).isTrue();
    assertThat(lockRequests()).containsExactly(true);
    assertThat(
            observer.queryForList(
                "SELECT version FROM cs_schema_history WHERE version IS NOT NULL", String.class))
        .contains("1", "1.1", "1.2");
    lock.onReady(null);
    assertThat(lockRequests()).isEmpty();
  }

  @Test
  void itIsReleasedOnlyAfterTheAccessSetUpHasRun() throws Exception {
    // Both listen to ApplicationReadyEvent; Spring calls them in @Order.
    Method setUp =
        Class.forName("io.countersign.identity.AccessSetup")
            .getMethod("onReady", ApplicationReadyEvent.class);
    Method release = StartupLock.class.getMethod("onReady", ApplicationReadyEvent.class);
    assertThat(setUp.getAnnotation(Order.class).value())
        .isLessThan(release.getAnnotation(Order.class).value());
  }

  @Test
  void onH2ItHoldsNothing() {
    try (HikariDataSource h2 = new HikariDataSource()) {
      h2.setJdbcUrl("jdbc:h2:mem:startup-lock;DB_CLOSE_DELAY=-1");
      h2.setUsername("sa");
      h2.setPassword("");
      h2.setMaximumPoolSize(1);
      StartupLock lock = new StartupLock(h2, Duration.ofMinutes(1));
      lock.acquire();
      lock.preInit(null);
      assertThat(lock.isHeld()).isFalse();
      lock.release();
      assertThat(new JdbcTemplate(h2).queryForObject("SELECT 1", Integer.class)).isOne();
    }
  }
}
