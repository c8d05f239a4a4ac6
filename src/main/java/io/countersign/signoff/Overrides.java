package io.countersign.signoff;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Repository;

/**
 * Emergency override requests and their decisions, each naming the manifest digest it was made on.
 * Written once; the four-eyes rules and the start-deployment gate read who asked and who decided
 * here.
 */
@Repository
public class Overrides {
  private final JdbcTemplate jdbc;

  Overrides(JdbcTemplate jdbc) {
    this.jdbc = jdbc;
  }

  public record Request(
      String id,
      String releaseId,
      String kind,
      Duration window,
      String reason,
      String incidentReference,
      String requestedBy,
      String manifestSha256,
      Instant requestedAt) {}

  public record Decision(
      String requestId,
      String decision,
      String decidedBy,
      String comment,
      String manifestSha256,
      Instant decidedAt) {
    public boolean approved() {
      return "approve".equals(decision);
    }
  }

  /** Records a request and returns its id. */
  public String request(
      String releaseId,
      String kind,
      Duration window,
      String reason,
      String incidentReference,
      String requestedBy,
      String manifestSha256) {
    String id = UUID.randomUUID().toString();
    jdbc.update(
        "INSERT INTO cs_override_request (id, release_id, kind, window_duration, reason, incident_reference, "
            + "requested_by, manifest_sha256, requested_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        id,
        releaseId,
        kind,
        window.toString(),
        reason,
        incidentReference,
        requestedBy,
        manifestSha256,
        Timestamp.from(Instant.now()));
    return id;
  }

  /** The latest request of a release. */
  public Optional<Request> latest(String releaseId) {
    return jdbc
        .query(
            "SELECT * FROM cs_override_request WHERE release_id = ? ORDER BY requested_at DESC, id",
            this::toRequest,
            releaseId)
        .stream()
        .findFirst();
  }

  public Optional<Request> find(String requestId) {
    return jdbc
        .query("SELECT * FROM cs_override_request WHERE id = ?", this::toRequest, requestId)
        .stream()
        .findFirst();
  }

  private Request toRequest(ResultSet rs, int row) throws SQLException {
    return new Request(
        rs.getString("id"),
        rs.getString("release_id"),
        rs.getString("kind"),
        Duration.parse(rs.getString("window_duration")),
        rs.getString("reason"),
        rs.getString("incident_reference"),
        rs.getString("requested_by"),
        rs.getString("manifest_sha256").trim(),
        rs.getTimestamp("requested_at").toInstant());
  }

  void decide(
      String requestId,
      String releaseId,
      String decision,
      String decidedBy,
      String comment,
      String manifestSha256) {
    if (decision(requestId).isEmpty()) { // a retried completion finds its own row
      jdbc.update(
          "INSERT INTO cs_override_decision (request_id, release_id, decision, decided_by, comment, "
              + "manifest_sha256, decided_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
          requestId,
          releaseId,
          decision,
          decidedBy,
          comment,
          manifestSha256,
          Timestamp.from(Instant.now()));
    }
  }

  public Optional<Decision> decision(String requestId) {
    List<Decision> decisions =
        jdbc.query(
            "SELECT * FROM cs_override_decision WHERE request_id = ?",
            (rs, n) ->
                new Decision(
                    rs.getString("request_id"),
                    rs.getString("decision"),
                    rs.getString("decided_by"),
                    rs.getString("comment"),
                    rs.getString("manifest_sha256").trim(),
                    rs.getTimestamp("decided_at").toInstant()),
            requestId);
    return decisions.stream().findFirst();
  }
}
