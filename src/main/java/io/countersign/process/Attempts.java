package io.countersign.process;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import java.lang.management.ManagementFactory;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * The attempts of every external action a step takes ({@code cs_attempt}): begun before the call,
 * finished after it, each write in a transaction of its own (REQUIRES_NEW on the same DataSource),
 * so the row survives the job's transaction when that rolls back or never commits (a crashed node,
 * a lost commit). A job that runs again finds the earlier attempt under the same key, which is
 * built from the release, the step, the target and a discriminator, never from ids the engine gives
 * each run; then the step reuses the recorded result, verifies the state through its port, or
 * refuses, and the evidence gets an {@value #REPEATED} entry that shows the earlier attempt.
 */
@Component
public class Attempts {
  /** Evidence type of a re-run that found an earlier attempt. */
  public static final String REPEATED = "attempt-repeated";

  static final String SUCCEEDED = "succeeded";
  static final String FAILED = "failed";
  private static final int KEY_LENGTH = 255;
  private static final int DETAIL_LENGTH = 2000;
  private static final String COLUMNS =
      "idempotency_key, release_id, step, target, action, node, runs, started_at, finished_at,"
          + " outcome, result, detail";
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private final JdbcTemplate jdbc;
  private final EvidenceLog evidence;
  private final TransactionTemplate own;
  private final String node;

  public Attempts(JdbcTemplate jdbc, EvidenceLog evidence) {
    this(jdbc, evidence, "");
  }

  /**
   * @param nodeId the node's id (countersign.cluster.node-id, its job lock owner), named with the
   *     JVM that tried, so an attempt can be matched with the node's locks and heartbeats
   */
  @Autowired
  public Attempts(
      JdbcTemplate jdbc,
      EvidenceLog evidence,
      @Value("${countersign.cluster.node-id:}") String nodeId) {
    this.jdbc = jdbc;
    this.evidence = evidence;
    // REQUIRES_NEW suspends the job's transaction on this DataSource: the attempt commits at once
    // and is not undone with the job's work.
    this.own =
        new TransactionTemplate(
            new DataSourceTransactionManager(Objects.requireNonNull(jdbc.getDataSource())));
    own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
    String jvm = ManagementFactory.getRuntimeMXBean().getName(); // pid@host: which JVM tried
    String named = nodeId == null || nodeId.isBlank() ? jvm : nodeId + " (" + jvm + ")";
    this.node = named.length() > 255 ? named.substring(0, 255) : named; // the column's width
  }

  /** How {@link #begin} found the key. */
  public enum Kind {
    /** No earlier attempt: act. */
    FRESH,
    /** The earlier attempt failed and said so: act again (an ordinary retry). */
    RETRY,
    /** Begun and never finished: the call may or may not have taken effect. */
    INTERRUPTED,
    /** Finished with a result, but the job that made it did not commit: reuse the result. */
    DONE
  }

  /** One row of {@code cs_attempt}. */
  public record Attempt(
      String key,
      String releaseId,
      String step,
      String target,
      String action,
      String node,
      int runs,
      Instant startedAt,
      Instant finishedAt,
      String outcome,
      String result,
      String detail) {}

  /** What {@link #begin} found: the kind, and the earlier attempt unless fresh. */
  public record Begun(Kind kind, Attempt previous) {}

  /**
   * What a step calls: the key is {@code releaseId/step/target/discriminator}, the same in every
   * run of the same job; {@code discriminator} tells apart the actions of one step (a traffic step,
   * a workload, an endpoint) and may be null.
   */
  public record Call(
      String releaseId, String step, String target, String discriminator, String action) {
    public String key() {
      return Attempts.key(releaseId, step, target, discriminator);
    }
  }

  /**
   * How a step deals with an attempt that was begun and never finished: look at the state through
   * the port and return what is there (possibly after acting), or throw to refuse (an incident).
   */
  @FunctionalInterface
  public interface Interrupted<T> {
    Resolution<T> resolve(Attempt previous);

    /**
     * Calls again: for actions whose call looks at the current state first (Flyway's history, a
     * field-managed patch, a deterministic caller reference or notice id).
     */
    static <T> Interrupted<T> repeat(Supplier<T> act, String how) {
      return previous -> new Resolution<>(act.get(), "verified", how);
    }
  }

  /** The result of a resolved interrupted attempt, how it was handled and what was seen. */
  public record Resolution<T>(T result, String handled, String detail) {}

  /** The deterministic key; long parts are cut and the whole made unique with its digest. */
  public static String key(String releaseId, String step, String target, String discriminator) {
    String key =
        releaseId
            + "/"
            + step
            + "/"
            + (target == null ? "-" : target)
            + (discriminator == null ? "" : "/" + discriminator);
    return key.length() <= KEY_LENGTH
        ? key
        : key.substring(0, KEY_LENGTH - 65) + "#" + CanonicalJson.sha256(key);
  }

  /**
   * Records the start of an attempt, or finds the earlier one under the key. A failed attempt is
   * begun again (RETRY); of two runs that begin the same key at once, exactly one is FRESH.
   */
  public Begun begin(String key, String releaseId, String step, String target, String action) {
    try {
      own.executeWithoutResult(
          status ->
              jdbc.update(
                  "INSERT INTO cs_attempt (idempotency_key, release_id, step, target, action, node,"
                      + " runs, started_at) VALUES (?, ?, ?, ?, ?, ?, 1, ?)",
                  key,
                  releaseId,
                  step,
                  target,
                  action,
                  node,
                  now()));
      return new Begun(Kind.FRESH, null);
    } catch (DuplicateKeyException ignored) {
      // An earlier run began it: see below what it left.
    }
    Attempt found = find(key).orElseThrow(() -> new IllegalStateException("attempt " + key));
    if (FAILED.equals(found.outcome())) {
      Integer restarted =
          own.execute(
              status ->
                  jdbc.update(
                      "UPDATE cs_attempt SET runs = runs + 1, node = ?, started_at = ?,"
                          + " finished_at = NULL, outcome = NULL, result = NULL"
                          + " WHERE idempotency_key = ? AND outcome = ? AND runs = ?",
                      node,
                      now(),
                      key,
                      FAILED,
                      found.runs()));
      if (restarted != null && restarted == 1) {
        return new Begun(Kind.RETRY, found);
      }
      // Another run restarted it first: to this one it is an attempt in progress.
      return new Begun(
          Kind.INTERRUPTED,
          find(key).orElseThrow(() -> new IllegalStateException("attempt " + key)));
    }
    return new Begun(found.finishedAt() == null ? Kind.INTERRUPTED : Kind.DONE, found);
  }

  /**
   * Notes what the state was just before the call (e.g. the revision an update is made against),
   * for a re-run that finds the attempt interrupted to compare with what it sees.
   */
  public void note(Call call, String detail) {
    own.executeWithoutResult(
        status ->
            jdbc.update(
                "UPDATE cs_attempt SET detail = ? WHERE idempotency_key = ? AND finished_at IS NULL",
                detail,
                call.key()));
  }

  /** The call returned: its result (JSON) is kept for a re-run to reuse. */
  public void succeeded(String key, String resultJson) {
    finish(key, SUCCEEDED, resultJson, null);
  }

  /** The call failed, and said so: a later run acts again. */
  public void failed(String key, String detail) {
    finish(key, FAILED, null, detail);
  }

  public Optional<Attempt> find(String key) {
    return own.execute(
        status ->
            jdbc
                .query(
                    "SELECT " + COLUMNS + " FROM cs_attempt WHERE idempotency_key = ?",
                    Attempts::attempt,
                    key)
                .stream()
                .findFirst());
  }

  /** The attempts of a release, in the order they were first begun. */
  public List<Attempt> of(String releaseId) {
    return jdbc.query(
        "SELECT " + COLUMNS + " FROM cs_attempt WHERE release_id = ? ORDER BY id",
        Attempts::attempt,
        releaseId);
  }

  /**
   * The common shape of an act: begin; act when fresh (or after a recorded failure); reuse the
   * result of an attempt that finished; let {@code interrupted} verify one that never did. The
   * outcome is recorded after the call, and a re-run also as {@value #REPEATED} evidence (in the
   * job's transaction, like the step's own evidence).
   */
  public <T> T once(Call call, Class<T> type, Supplier<T> act, Interrupted<T> interrupted) {
    String key = call.key();
    Begun begun = begin(key, call.releaseId(), call.step(), call.target(), call.action());
    switch (begun.kind()) {
      case DONE -> {
        T result = read(begun.previous().result(), type, key);
        repeated(call, begun, "reused", "the earlier attempt's recorded result; not called again");
        return result;
      }
      case INTERRUPTED -> {
        // A refusal or a failure while verifying leaves the attempt interrupted: every retry of the
        // job verifies again, none acts blindly.
        Resolution<T> resolution = interrupted.resolve(begun.previous());
        succeeded(key, write(resolution.result()));
        repeated(call, begun, resolution.handled(), resolution.detail());
        return resolution.result();
      }
      default -> {
        T result;
        try {
          result = act.get();
        } catch (RuntimeException e) {
          failed(key, e.getMessage());
          throw e;
        }
        succeeded(key, write(result));
        if (begun.kind() == Kind.RETRY) {
          repeated(call, begun, "retried", begun.previous().detail());
        }
        return result;
      }
    }
  }

  private void repeated(Call call, Begun begun, String handled, String detail) {
    Attempt previous = begun.previous();
    evidence.record(
        call.releaseId(),
        REPEATED,
        StepSupport.ACTOR,
        StepSupport.payload(
            "key",
            previous.key(),
            "step",
            call.step(),
            "target",
            call.target(),
            "action",
            call.action(),
            "previousStartedAt",
            previous.startedAt().toString(),
            "previousNode",
            previous.node(),
            "previousOutcome",
            previous.outcome() == null ? "unknown (never finished)" : previous.outcome(),
            "handled",
            handled,
            "detail",
            detail));
  }

  private void finish(String key, String outcome, String result, String detail) {
    own.executeWithoutResult(
        status ->
            jdbc.update(
                // A success keeps the note made before the call (what the state was).
                "UPDATE cs_attempt SET finished_at = ?, outcome = ?, result = ?,"
                    + " detail = COALESCE(?, detail) WHERE idempotency_key = ?",
                now(),
                outcome,
                result,
                detail == null || detail.length() <= DETAIL_LENGTH
                    ? detail
                    : detail.substring(0, DETAIL_LENGTH),
                key));
  }

  static String write(Object result) {
    try {
      return JSON.writeValueAsString(result);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("an attempt's result cannot be written as JSON", e);
    }
  }

  static <T> T read(String json, Class<T> type, String key) {
    try {
      return JSON.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(
          "the recorded result of attempt " + key + " cannot be read: " + e.getOriginalMessage(),
          e);
    }
  }

  private static Timestamp now() {
    return Timestamp.from(Instant.now());
  }

  private static Attempt attempt(ResultSet rs, int row) throws SQLException {
    Timestamp finished = rs.getTimestamp("finished_at");
    return new Attempt(
        rs.getString("idempotency_key"),
        rs.getString("release_id"),
        rs.getString("step"),
        rs.getString("target"),
        rs.getString("action"),
        rs.getString("node"),
        rs.getInt("runs"),
        rs.getTimestamp("started_at").toInstant(),
        finished == null ? null : finished.toInstant(),
        rs.getString("outcome"),
        rs.getString("result"),
        rs.getString("detail"));
  }
}
