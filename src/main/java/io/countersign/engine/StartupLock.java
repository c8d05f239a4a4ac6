package io.countersign.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.flywaydb.core.Flyway;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.flyway.FlywayMigrationStrategy;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The cluster-wide start-up lock: on PostgreSQL a session-level advisory lock ({@value #KEY}) on a
 * connection of its own, so that nodes starting together run their start-up one after the other.
 * Taken before Flyway migrates (Flyway's own lock covers each migration, not its afterMigrate
 * grants) — or, without Flyway, before the engine is built — and held through the engine's
 * bootstrap, the starter's first administrator (a plugin's postProcessEngineBuild), the
 * auto-deployment and its models evidence (right after the engine is built), up to the groups,
 * authorizations, filters and users that AccessSetup creates when the application is ready. Then
 * released, last of the ready listeners; on a failed start when the context closes, and by
 * PostgreSQL itself when the node dies. A no-op on H2, which serves one node only.
 *
 * <p>Every step under it is idempotent anyway: the lock keeps nodes from racing, re-checking keeps
 * a restart from repeating what is there.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE)
class StartupLock extends AbstractProcessEnginePlugin
    implements FlywayMigrationStrategy, DisposableBean {
  /** "Counters" in ASCII; the README names it for operators looking at pg_locks. */
  static final long KEY = 4859231640215712371L;

  private static final Logger LOG = LoggerFactory.getLogger(StartupLock.class);

  private final DataSource dataSource;
  private final Duration timeout;
  private Connection held;
  private Boolean postgres;

  StartupLock(
      DataSource dataSource,
      @Value("${countersign.cluster.startup-lock-timeout:PT10M}") Duration timeout) {
    this.dataSource = dataSource;
    this.timeout = timeout;
  }

  @Override
  public void migrate(Flyway flyway) {
    acquire();
    flyway.migrate();
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    acquire();
  }

  // Last of the ready listeners, after AccessSetup's.
  @EventListener
  @Order(Ordered.LOWEST_PRECEDENCE)
  public void onReady(ApplicationReadyEvent event) {
    release();
  }

  @Override
  public void destroy() {
    release();
  }

  /** Waits for the lock (at most the configured timeout); holding it already, returns at once. */
  synchronized void acquire() {
    if (held != null || Boolean.FALSE.equals(postgres)) {
      return;
    }
    Connection connection = null;
    try {
      connection = dataSource.getConnection();
      postgres = "PostgreSQL".equals(connection.getMetaData().getDatabaseProductName());
      if (!postgres) {
        connection.close();
        return;
      }
      long started = System.nanoTime();
      // SET LOCAL ends with the transaction; the session-level lock outlives it. The pooled
      // connection thus carries the lock and nothing else.
      connection.setAutoCommit(false);
      try (Statement s = connection.createStatement()) {
        s.execute("SET LOCAL lock_timeout = " + Math.max(1, timeout.toMillis()));
        s.execute("SELECT pg_advisory_lock(" + KEY + ")");
      }
      connection.commit();
      connection.setAutoCommit(true);
      held = connection;
      LOG.info(
          "Holding the start-up lock (waited {} ms)",
          Duration.ofNanos(System.nanoTime() - started).toMillis());
    } catch (SQLException e) {
      discard(connection, false);
      throw new IllegalStateException(
          "Could not take the start-up lock (PostgreSQL advisory lock "
              + KEY
              + ") within countersign.cluster.startup-lock-timeout ("
              + timeout
              + "): another node may be stuck starting; see README \"Running several nodes\"",
          e);
    }
  }

  synchronized boolean isHeld() {
    return held != null;
  }

  synchronized void release() {
    if (held == null) {
      return;
    }
    Connection connection = held;
    held = null;
    try (Statement s = connection.createStatement()) {
      s.execute("SELECT pg_advisory_unlock(" + KEY + ")");
      connection.close();
      LOG.info("Released the start-up lock");
    } catch (SQLException e) {
      // A pooled connection must not go back to the pool still holding the lock: end its session.
      LOG.warn("Could not release the start-up lock cleanly; ending its session", e);
      discard(connection, true);
    }
  }

  private static void discard(Connection connection, boolean endSession) {
    if (connection == null) {
      return;
    }
    try {
      if (endSession) {
        connection.abort(Runnable::run);
      } else if (!connection.getAutoCommit()) {
        connection.rollback();
      }
    } catch (SQLException | RuntimeException ignored) {
      // the session is gone either way, and with it anything it held
    }
    try {
      connection.close();
    } catch (SQLException | RuntimeException ignored) {
      // as above
    }
  }
}
