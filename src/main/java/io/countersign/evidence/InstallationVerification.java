package io.countersign.evidence;

import java.util.List;
import java.util.Map;

/**
 * Every chain of the installation verified at once: how many chains and entries were checked, and
 * the problems of each chain that does not verify (key {@value #CHECKPOINTS} for checkpoints that
 * belong to no chain).
 */
public record InstallationVerification(
    boolean valid, int chains, long entries, Map<String, List<String>> problems) {
  public static final String CHECKPOINTS = "(checkpoints)";
}
