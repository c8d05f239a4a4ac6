package io.countersign.evidence;

/**
 * Told about evidence after the fact: an entry once the transaction that appended it committed (an
 * entry rolled back with its step is never reported), and a chain once it was verified. For
 * counting (io.countersign.metrics), never for deciding: an observer that throws is logged and
 * ignored, so it can never fail a step or an append.
 */
public interface EvidenceObserver {
  /** An entry that is committed. */
  default void committed(EvidenceEntry entry) {}

  /** A chain that was verified, valid or not. */
  default void verified(String chain, ChainVerification verification) {}
}
