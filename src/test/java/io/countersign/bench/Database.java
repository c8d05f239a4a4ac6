package io.countersign.bench;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The harness's own view into a database on the embedded server, as its superuser. Pooled: the
 * workers poll every few milliseconds, and a new PostgreSQL connection per poll (a forked backend
 * each) took more CPU than the subject under test.
 */
final class Database implements AutoCloseable {
  private final String url;
  private final HikariDataSource pool;

  Database(String url) {
    this.url = url;
    HikariConfig config = new HikariConfig();
    config.setPoolName("bench-harness");
    config.setJdbcUrl(url);
    config.setUsername("postgres");
    config.setPassword("");
    config.setMaximumPoolSize(4);
    config.setMinimumIdle(0);
    this.pool = new HikariDataSource(config);
  }

  String url() {
    return url;
  }

  Connection connect() throws SQLException {
    return pool.getConnection();
  }

  @Override
  public void close() {
    pool.close();
  }

  Optional<Instant> instant(String sql, Object... parameters) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        if (!rs.next()) {
          return Optional.empty();
        }
        Timestamp t = rs.getTimestamp(1);
        return Optional.ofNullable(t).map(Timestamp::toInstant);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  long number(String sql, Object... parameters) {
    try (Connection c = connect();
        PreparedStatement s = c.prepareStatement(sql)) {
      for (int i = 0; i < parameters.length; i++) {
        s.setObject(i + 1, parameters[i]);
      }
      try (ResultSet rs = s.executeQuery()) {
        rs.next();
        return rs.getLong(1);
      }
    } catch (SQLException e) {
      throw new IllegalStateException(sql, e);
    }
  }

  /** Rows in every table of the public schema (exact counts). */
  long rows() {
    try (Connection c = connect();
        Statement s = c.createStatement()) {
      List<String> tables = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")) {
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      long rows = 0;
      for (String table : tables) {
        try (ResultSet rs = s.executeQuery("SELECT COUNT(*) FROM \"" + table + "\"")) {
          rs.next();
          rows += rs.getLong(1);
        }
      }
      return rows;
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The database's size on disk, tables, indexes and TOAST included. */
  long bytes() {
    return number("SELECT pg_database_size(current_database())");
  }
}
