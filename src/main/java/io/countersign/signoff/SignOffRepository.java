package io.countersign.signoff;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/** Sign-off decisions per release and role; four-eyes reads who signed what. */
@Repository
public class SignOffRepository {
  private final JdbcTemplate jdbc;

  SignOffRepository(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public record SignOff(String role, String user, String decision, String comment, Instant decidedAt) {}

  /** Roles this user already signed for in this release, other than the given one. */
  List<String> otherRolesSignedBy(String releaseId, String user, String role) {
    return jdbc.queryForList("SELECT role FROM cs_sign_off WHERE release_id = ? AND user_id = ? AND role <> ?",
        String.class, releaseId, user, role);
  }

  void save(String releaseId, String role, String user, String decision, String comment, String taskId) {
    // cs_sign_off is append-only (the runtime role may not UPDATE or DELETE it) and a role signs once per
    // release: a retried completion finds its row and writes nothing.
    if (!jdbc.queryForList("SELECT 1 FROM cs_sign_off WHERE release_id = ? AND role = ?", releaseId, role).isEmpty()) {
      return;
    }
    jdbc.update("INSERT INTO cs_sign_off (release_id, role, user_id, decision, comment, decided_at, task_id) "
        + "VALUES (?, ?, ?, ?, ?, ?, ?)", releaseId, role, user, decision, comment, Timestamp.from(Instant.now()), taskId);
  }

  public List<SignOff> forRelease(String releaseId) {
    return jdbc.query("SELECT * FROM cs_sign_off WHERE release_id = ? ORDER BY decided_at, role",
        (rs, i) -> new SignOff(rs.getString("role"), rs.getString("user_id"), rs.getString("decision"),
            rs.getString("comment"), rs.getTimestamp("decided_at").toInstant()), releaseId);
  }
}
