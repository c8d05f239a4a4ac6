package io.countersign.bench;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * Processor time the operating system counted for processes (user and system). On a machine the
 * throughput phase saturates, releases per second move with whatever else runs, while processor
 * time per release is the cost itself.
 */
final class CpuTime {
  private CpuTime() {}

  static Duration of(List<ProcessHandle> processes) {
    return processes.stream()
        .map(p -> p.info().totalCpuDuration().orElse(Duration.ZERO))
        .reduce(Duration.ZERO, Duration::plus);
  }

  /**
   * The embedded PostgreSQL server: its postmaster and every process under it (the backends of both
   * subjects, which run one after the other). A backend that ends within a phase takes its time
   * with it; the connection pools keep theirs open.
   */
  static List<ProcessHandle> postgres(Database database) {
    try (Connection c = database.connect();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT pg_backend_pid()")) {
      rs.next();
      ProcessHandle postmaster =
          ProcessHandle.of(rs.getLong(1))
              .flatMap(ProcessHandle::parent)
              .orElseThrow(() -> new IllegalStateException("no postmaster"));
      return Stream.concat(Stream.of(postmaster), postmaster.descendants()).toList();
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }
}
