package io.countersign.database;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Keeps two releases from changing one database at once (migrate, rollback scripts, backup
 * restore). Taken without waiting: a busy database throws an ordinary exception, so the engine
 * retries the job later and, when the retries run out, raises an incident that says who holds the
 * database.
 *
 * <p>On PostgreSQL it is a session-level advisory lock, held by a connection of its own for as long
 * as the change runs, so it also excludes other Countersign nodes and is released by the server if
 * this node dies. The key is fixed: advisory locks belong to one database, so this means "one
 * Countersign change per database", whatever the targets pointing at it are called. The two-int
 * form keeps it apart from Flyway's own single-bigint lock. Other databases (the embedded H2 demo
 * target) get an in-JVM lock per URL.
 */
final class MigrationLock implements AutoCloseable {
  static final int LOCK_CLASS = 0x43534D47; // "CSMG"
  static final int LOCK_ID = 1;
  private static final ConcurrentMap<String, String> IN_JVM = new ConcurrentHashMap<>();

  private final TargetDatabase db;
  private final String releaseId;
  private final Connection session;

  private MigrationLock(TargetDatabase db, String releaseId, Connection session) {
    this.db = db;
    this.releaseId = releaseId;
    this.session = session;
  }

  static MigrationLock acquire(TargetDatabase db, String releaseId) {
    if (!db.properties.postgres()) {
      String holder = IN_JVM.putIfAbsent(db.properties.url(), releaseId);
      if (holder != null) {
        throw busy(db, holder);
      }
      return new MigrationLock(db, releaseId, null);
    }
    Connection c = db.connectOrThrow();
    try {
      c.setClientInfo("ApplicationName", TargetDatabase.applicationName(releaseId));
      try (PreparedStatement s = c.prepareStatement("SELECT pg_try_advisory_lock(?, ?)")) {
        s.setInt(1, LOCK_CLASS);
        s.setInt(2, LOCK_ID);
        try (ResultSet rs = s.executeQuery()) {
          rs.next();
          if (!rs.getBoolean(1)) {
            String holder = holder(c);
            c.close();
            throw busy(db, holder);
          }
        }
      }
      return new MigrationLock(db, releaseId, c);
    } catch (SQLException e) {
      close(c);
      throw new IllegalStateException(
          "cannot lock database target " + db.name + ": " + db.scrub(e.getMessage()), e);
    }
  }

  /** The application name of the session holding the lock: "countersign:<release>". */
  private static String holder(Connection c) throws SQLException {
    try (PreparedStatement s =
        c.prepareStatement(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
                + "WHERE l.locktype = 'advisory' AND l.granted AND l.classid::bigint = ? AND l.objid::bigint = ? "
                + "AND l.objsubid = 2 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())")) {
      s.setLong(1, LOCK_CLASS);
      s.setLong(2, LOCK_ID);
      try (ResultSet rs = s.executeQuery()) {
        return rs.next() && rs.getString(1) != null && !rs.getString(1).isBlank()
            ? rs.getString(1)
            : "unknown";
      }
    }
  }

  private static IllegalStateException busy(TargetDatabase db, String holder) {
    return new IllegalStateException(
        "database "
            + db.name
            + " is being migrated by another release ("
            + holder.replaceFirst("^countersign:", "")
            + "); the step is retried later");
  }

  @Override
  public void close() {
    if (session == null) {
      IN_JVM.remove(db.properties.url(), releaseId);
      return;
    }
    try (PreparedStatement s = session.prepareStatement("SELECT pg_advisory_unlock(?, ?)")) {
      s.setInt(1, LOCK_CLASS);
      s.setInt(2, LOCK_ID);
      s.execute();
    } catch (SQLException e) {
      // Closing the session below releases the lock as well.
    } finally {
      close(session);
    }
  }

  private static void close(Connection c) {
    try {
      c.close();
    } catch (SQLException e) {
      // nothing left to release: the server drops a closed session's locks
    }
  }
}
