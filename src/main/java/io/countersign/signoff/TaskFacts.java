package io.countersign.signoff;

import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * What the process said about each human task when it created it (cs_task): the release, the role
 * (candidate group) and the override request the task is about; plus the group escalation added.
 * Four-eyes and the decision listeners read these instead of variables, which a completing user
 * could write.
 */
@Repository
class TaskFacts {
  private final JdbcTemplate jdbc;

  TaskFacts(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  record Fact(
      String taskId,
      String releaseId,
      String taskKey,
      String role,
      String subjectId,
      String escalatedTo) {}

  void register(String taskId, String releaseId, String taskKey, String role, String subjectId) {
    if (find(taskId).isEmpty()) {
      jdbc.update(
          "INSERT INTO cs_task (task_id, release_id, task_key, role, subject_id, created_at) VALUES (?, ?, ?, ?, ?, ?)",
          taskId,
          releaseId,
          taskKey,
          role,
          subjectId,
          Timestamp.from(Instant.now()));
    }
  }

  /** Who requested the release (cs_release), or null for a release Countersign does not know. */
  String requester(String releaseId) {
    return jdbc
        .queryForList("SELECT requester FROM cs_release WHERE id = ?", String.class, releaseId)
        .stream()
        .findFirst()
        .orElse(null);
  }

  void escalate(String taskId, String group) {
    if (jdbc.queryForObject(
            "SELECT COUNT(*) FROM cs_task_escalation WHERE task_id = ?", Integer.class, taskId)
        == 0) {
      jdbc.update(
          "INSERT INTO cs_task_escalation (task_id, group_id, escalated_at) VALUES (?, ?, ?)",
          taskId,
          group,
          Timestamp.from(Instant.now()));
    }
  }

  Optional<Fact> find(String taskId) {
    List<Fact> facts =
        jdbc.query(
            "SELECT t.task_id, t.release_id, t.task_key, t.role, t.subject_id, e.group_id "
                + "FROM cs_task t LEFT JOIN cs_task_escalation e ON e.task_id = t.task_id WHERE t.task_id = ?",
            (rs, n) ->
                new Fact(
                    rs.getString(1),
                    rs.getString(2),
                    rs.getString(3),
                    rs.getString(4),
                    rs.getString(5),
                    rs.getString(6)),
            taskId);
    return facts.stream().findFirst();
  }
}
