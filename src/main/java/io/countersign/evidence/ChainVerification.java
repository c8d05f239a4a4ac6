package io.countersign.evidence;

import java.util.List;

/**
 * Result of recomputing a chain. {@code lastHash} is the stored hash of the last entry (null when
 * there are none); {@code checkpoint} the latest signed checkpoint outside the database it was held
 * to (null when there is none yet); each problem names the seq it concerns where there is one.
 */
public record ChainVerification(
    boolean valid, int entries, String lastHash, Checkpoint checkpoint, List<String> problems) {}
