package io.countersign.evidence;

import java.util.List;

/**
 * Result of recomputing a release's chain. {@code lastHash} is the stored hash of the last entry
 * (null when there are none); each problem names the seq it concerns.
 */
public record ChainVerification(boolean valid, int entries, String lastHash, List<String> problems) {}
