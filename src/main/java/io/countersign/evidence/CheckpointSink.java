package io.countersign.evidence;

import java.io.IOException;
import java.util.List;
import java.util.Set;

/**
 * A place outside the database that keeps signed checkpoints and cannot be rewritten by the
 * database's users.
 */
interface CheckpointSink {

  /** Where, for messages. */
  String describe();

  void write(Checkpoint checkpoint) throws IOException;

  /**
   * The chain's latest checkpoint here that carries a valid signature, and anything found wrong on
   * the way.
   */
  Reading latest(String chain);

  /** Every chain this sink holds a checkpoint of. */
  Set<String> chains();

  /** Problems that belong to no chain (e.g. a line that is no checkpoint at all). */
  List<String> unattributed();

  record Reading(Checkpoint latest, List<String> problems) {}
}
