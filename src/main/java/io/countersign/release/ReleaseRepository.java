package io.countersign.release;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * The release read model (cs_release): what the API lists and shows; the process keeps it current.
 */
@Repository
public class ReleaseRepository {
  static final Set<String> FINAL =
      Set.of("rejected", "expired", "cancelled", "rolled-back", "failed");

  static final int REASON_LENGTH = 2000;

  private final JdbcTemplate jdbc;

  ReleaseRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public record ReleaseRow(
      String id,
      String application,
      String version,
      String environment,
      String changeReference,
      String status,
      String statusReason,
      String requester,
      String processInstanceId,
      String manifestSha256,
      boolean active,
      Instant createdAt,
      Instant updatedAt) {}

  void insert(ReleaseRow r, String idempotencyKey) {
    jdbc.update(
        """
        INSERT INTO cs_release (id, application, version, environment, change_reference, status, status_reason,
          requester, process_instance_id, idempotency_key, manifest_sha256, active, active_key, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, TRUE, ?, ?, ?)""",
        r.id(),
        r.application(),
        r.version(),
        r.environment(),
        r.changeReference(),
        r.status(),
        r.statusReason(),
        r.requester(),
        r.processInstanceId(),
        idempotencyKey,
        r.manifestSha256(),
        activeKey(r.application(), r.version(), r.environment()),
        Timestamp.from(r.createdAt()),
        Timestamp.from(r.updatedAt()));
  }

  void setProcessInstance(String id, String processInstanceId) {
    jdbc.update(
        "UPDATE cs_release SET process_instance_id = ? WHERE id = ?", processInstanceId, id);
  }

  /**
   * Returns the previous status, or empty when the release is unknown (e.g. started outside the
   * API).
   */
  public Optional<String> updateStatus(String id, String status, String reason, boolean closes) {
    // The column holds 2,000 characters; a longer reason (every failure of every evidence item,
    // a database's error) is cut here rather than failing the step. The evidence keeps it whole.
    if (reason != null && reason.length() > REASON_LENGTH) {
      reason = reason.substring(0, REASON_LENGTH - 1) + "…";
    }
    List<String> previous =
        jdbc.queryForList(
            "SELECT status FROM cs_release WHERE id = ? FOR UPDATE", String.class, id);
    if (previous.isEmpty()) {
      return Optional.empty();
    }
    boolean ends = closes || FINAL.contains(status);
    jdbc.update(
        """
        UPDATE cs_release SET status = ?, status_reason = ?, updated_at = ?,
          active = CASE WHEN ? THEN FALSE ELSE active END,
          active_key = CASE WHEN ? THEN NULL ELSE active_key END
        WHERE id = ?""",
        status,
        reason,
        Timestamp.from(Instant.now()),
        ends,
        ends,
        id);
    return Optional.of(previous.get(0));
  }

  public Optional<ReleaseRow> find(String id) {
    return jdbc.query("SELECT * FROM cs_release WHERE id = ?", this::map, id).stream().findFirst();
  }

  /** The latest release of the application that ended released in the environment, if any. */
  Optional<ReleaseRow> lastReleased(String application, String environment) {
    return jdbc
        .query(
            "SELECT * FROM cs_release WHERE application = ? AND environment = ? AND status ="
                + " 'released' ORDER BY updated_at DESC FETCH FIRST 1 ROWS ONLY",
            this::map,
            application,
            environment)
        .stream()
        .findFirst();
  }

  /**
   * The release that was running in this one's environment when it was submitted: the latest one
   * released there before it, other than itself.
   */
  Optional<ReleaseRow> releasedBefore(ReleaseRow release) {
    return jdbc
        .query(
            "SELECT * FROM cs_release WHERE application = ? AND environment = ? AND status ="
                + " 'released' AND id <> ? AND created_at < ? ORDER BY updated_at DESC"
                + " FETCH FIRST 1 ROWS ONLY",
            this::map,
            release.application(),
            release.environment(),
            release.id(),
            Timestamp.from(release.createdAt()))
        .stream()
        .findFirst();
  }

  Optional<ReleaseRow> findActive(String application, String version, String environment) {
    return jdbc
        .query(
            "SELECT * FROM cs_release WHERE active_key = ?",
            this::map,
            activeKey(application, version, environment))
        .stream()
        .findFirst();
  }

  Optional<ReleaseRow> findByIdempotencyKey(String requester, String key) {
    return jdbc
        .query(
            "SELECT * FROM cs_release WHERE requester = ? AND idempotency_key = ?",
            this::map,
            requester,
            key)
        .stream()
        .findFirst();
  }

  record Page(List<ReleaseRow> items, long total) {}

  Page search(
      String application, String environment, String status, String requester, int page, int size) {
    StringBuilder where = new StringBuilder(" WHERE 1 = 1");
    List<Object> args = new ArrayList<>();
    if (application != null) {
      where.append(" AND application = ?");
      args.add(application);
    }
    if (environment != null) {
      where.append(" AND environment = ?");
      args.add(environment);
    }
    if (status != null) {
      where.append(" AND status = ?");
      args.add(status);
    }
    if (requester != null) {
      where.append(" AND requester = ?");
      args.add(requester);
    }
    Long total =
        jdbc.queryForObject("SELECT COUNT(*) FROM cs_release" + where, Long.class, args.toArray());
    List<Object> pageArgs = new ArrayList<>(args);
    pageArgs.add(size);
    pageArgs.add((long) page * size);
    List<ReleaseRow> items =
        jdbc.query(
            "SELECT * FROM cs_release" + where + " ORDER BY created_at DESC, id LIMIT ? OFFSET ?",
            this::map,
            pageArgs.toArray());
    return new Page(items, total == null ? 0 : total);
  }

  private static String activeKey(String application, String version, String environment) {
    return application + "|" + version + "|" + environment;
  }

  private ReleaseRow map(ResultSet rs, int row) throws SQLException {
    return new ReleaseRow(
        rs.getString("id"),
        rs.getString("application"),
        rs.getString("version"),
        rs.getString("environment"),
        rs.getString("change_reference"),
        rs.getString("status"),
        rs.getString("status_reason"),
        rs.getString("requester"),
        rs.getString("process_instance_id"),
        rs.getString("manifest_sha256"),
        rs.getBoolean("active"),
        rs.getTimestamp("created_at").toInstant(),
        rs.getTimestamp("updated_at").toInstant());
  }
}
