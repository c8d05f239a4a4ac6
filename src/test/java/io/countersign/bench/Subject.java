package io.countersign.bench;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What the throughput phase drives, the same way for both: Countersign over HTTP as its users do,
 * and the bare engine through its Java API. Timings come from each one's own database.
 */
interface Subject {
  String name();

  /** Submits one release; returns its id (the business key of its process instances). */
  String submit(int sequence);

  /** The sign-off roles the release waits for. */
  List<String> pendingRoles(String id);

  /** Approves the release's open sign-off for a role, as a member of that role. */
  void approve(String id, String role);

  /** When the release reached its successful end, if it has; fails if it ended otherwise. */
  Optional<Instant> finishedAt(String id);

  /**
   * The process whose processor time is the subject's: Countersign's JVM, or for the bare engine
   * the harness's own (so its figure includes driving the engine, and flatters Countersign a
   * little).
   */
  ProcessHandle process();

  /** Its database, for timings from history and growth per release. */
  Database database();

  /** Condition on {@code a} (ACT_HI_ACTINST) and {@code p} (its ACT_HI_PROCINST): a deploy step. */
  String deployStepCondition();
}
