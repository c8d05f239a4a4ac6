package io.countersign.signoff;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Sign-off decisions per release and role, each with the manifest digest it was made on, and the
 * roles the release policy required of the release. Rows are written once; four-eyes and the
 * start-deployment gate read them.
 */
@Repository
public class SignOffRepository {
  private final JdbcTemplate jdbc;

  SignOffRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public record SignOff(
      String role,
      String user,
      String decision,
      String comment,
      Instant decidedAt,
      String manifestSha256) {}

  /** Roles this user already signed for in this release, other than the given one. */
  List<String> otherRolesSignedBy(String releaseId, String user, String role) {
    return jdbc.queryForList(
        "SELECT role FROM cs_sign_off WHERE release_id = ? AND user_id = ? AND role <> ?",
        String.class,
        releaseId,
        user,
        role);
  }

  /**
   * False when the role already has a decision: one decision per role, never replaced (the table is
   * append-only for the runtime role).
   */
  boolean save(
      String releaseId,
      String role,
      String user,
      String decision,
      String comment,
      String taskId,
      String manifestSha256) {
    if (jdbc.queryForObject(
            "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ? AND role = ?",
            Integer.class,
            releaseId,
            role)
        > 0) {
      return false;
    }
    jdbc.update(
        "INSERT INTO cs_sign_off (release_id, role, user_id, decision, comment, decided_at, task_id, "
            + "manifest_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        releaseId,
        role,
        user,
        decision,
        comment,
        Timestamp.from(Instant.now()),
        taskId,
        manifestSha256);
    return true;
  }

  public List<SignOff> forRelease(String releaseId) {
    return jdbc.query(
        "SELECT * FROM cs_sign_off WHERE release_id = ? ORDER BY decided_at, role",
        (rs, i) ->
            new SignOff(
                rs.getString("role"),
                rs.getString("user_id"),
                rs.getString("decision"),
                rs.getString("comment"),
                rs.getTimestamp("decided_at").toInstant(),
                rs.getString("manifest_sha256") == null
                    ? null
                    : rs.getString("manifest_sha256").trim()),
        releaseId);
  }

  void recordPolicy(String releaseId, List<String> roles, List<String> evidence) {
    if (jdbc.queryForObject(
            "SELECT COUNT(*) FROM cs_release_policy WHERE release_id = ?", Integer.class, releaseId)
        == 0) {
      jdbc.update(
          "INSERT INTO cs_release_policy (release_id, required_roles, required_evidence, decided_at) "
              + "VALUES (?, ?, ?, ?)",
          releaseId,
          String.join(",", roles),
          String.join(",", evidence),
          Timestamp.from(Instant.now()));
    }
  }

  /**
   * What the policy required of the release: roles, then evidence types; empty when never
   * evaluated.
   */
  Optional<List<List<String>>> policy(String releaseId) {
    return jdbc
        .query(
            "SELECT required_roles, required_evidence FROM cs_release_policy WHERE release_id = ?",
            (rs, n) -> List.of(split(rs.getString(1)), split(rs.getString(2))),
            releaseId)
        .stream()
        .findFirst();
  }

  private static List<String> split(String list) {
    return list == null || list.isBlank() ? List.of() : List.of(list.split(","));
  }
}
