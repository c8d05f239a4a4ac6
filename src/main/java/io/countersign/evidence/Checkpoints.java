package io.countersign.evidence;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Signed checkpoints of the evidence chains, written to every sink outside the database once the
 * appending transaction has committed: at a chain's first entry, at every {@code interval}-th
 * entry, and at the status change that ends a release. Verification holds the database to the
 * latest one, so entries removed at the end, or a whole chain removed, no longer go unnoticed; only
 * entries appended after the latest checkpoint remain exposed.
 */
public class Checkpoints {
  private static final Logger LOG = LoggerFactory.getLogger(Checkpoints.class);

  /** Statuses a release ends in (ReleaseRepository.FINAL, plus released, which closes it). */
  static final Set<String> FINAL_STATUSES =
      Set.of("released", "rejected", "expired", "cancelled", "rolled-back", "failed");

  private final EvidenceSigner signer;
  private final int interval;
  private final List<CheckpointSink> sinks;
  private final Clock clock = Clock.systemUTC();

  Checkpoints(EvidenceSigner signer, int interval, List<CheckpointSink> sinks) {
    if (interval < 1) {
      throw new IllegalArgumentException("checkpoint interval must be at least 1");
    }
    this.signer = signer;
    this.interval = interval;
    this.sinks = List.copyOf(sinks);
  }

  List<CheckpointSink> sinks() {
    return sinks;
  }

  /** Whether the entry just appended (seq, type, payload) is one to checkpoint at. */
  boolean due(long seq, String type, JsonNode payload) {
    return seq == 1
        || seq % interval == 0
        || endsRelease(type, payload)
        || EvidenceArchive.ARCHIVED.equals(type);
  }

  /** The status change a release ends with (ReleaseStatus's payload: from, to, reason, closed). */
  static boolean endsRelease(String type, JsonNode payload) {
    return "status-changed".equals(type)
        && payload != null
        && (payload.path("closed").asBoolean(false)
            || FINAL_STATUSES.contains(payload.path("to").asText()));
  }

  /**
   * Writes the checkpoint once the current transaction commits; a rollback writes nothing. Must be
   * called inside a transaction with synchronization (EvidenceLog's appends always are).
   */
  void afterCommit(String chain, long count, String lastHash) {
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            write(chain, count, lastHash);
          }
        });
  }

  /**
   * Signs and writes a checkpoint to every sink. The entries are committed by now, so a sink that
   * fails must not fail the caller: it is logged, and the next checkpoint covers these entries too.
   */
  Checkpoint write(String chain, long count, String lastHash) {
    Checkpoint checkpoint = Checkpoint.sign(signer, chain, count, lastHash, clock.instant());
    for (CheckpointSink sink : sinks) {
      try {
        sink.write(checkpoint);
      } catch (IOException | RuntimeException e) {
        LOG.error(
            "Evidence checkpoint of chain {} at {} entries not written to {}: {}",
            chain,
            count,
            sink.describe(),
            e.toString());
      }
    }
    return checkpoint;
  }

  /**
   * The chain's latest authentic checkpoint over all sinks (null if none), and what was found
   * wrong.
   */
  CheckpointSink.Reading latest(String chain) {
    Checkpoint latest = null;
    List<String> problems = new ArrayList<>();
    for (CheckpointSink sink : sinks) {
      CheckpointSink.Reading reading;
      try {
        reading = sink.latest(chain);
      } catch (RuntimeException e) {
        problems.add(sink.describe() + " cannot be read: " + e.getMessage());
        continue;
      }
      problems.addAll(reading.problems());
      Checkpoint found = reading.latest();
      if (found != null && (latest == null || found.count() > latest.count())) {
        latest = found;
      }
    }
    return new CheckpointSink.Reading(latest, problems);
  }

  /**
   * Every chain any sink holds a checkpoint of; a sink that cannot be listed adds to {@code
   * problems}.
   */
  Set<String> chains(List<String> problems) {
    Set<String> chains = new TreeSet<>();
    for (CheckpointSink sink : sinks) {
      try {
        chains.addAll(sink.chains());
      } catch (RuntimeException e) {
        problems.add(sink.describe() + " cannot be listed: " + e.getMessage());
      }
    }
    return chains;
  }

  /** Problems of the sinks that concern no single chain. */
  List<String> unattributed() {
    List<String> problems = new ArrayList<>();
    sinks.forEach(sink -> problems.addAll(sink.unattributed()));
    return problems;
  }
}
