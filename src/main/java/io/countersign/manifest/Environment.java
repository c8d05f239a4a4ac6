package io.countersign.manifest;

/**
 * A place releases go to, as configured in {@code countersign.environments} (see {@link
 * Environments}).
 *
 * @param id what a manifest's {@code environment} names: a lower-case slug
 * @param production whether releases here get production's rules: no rollback drills, database
 *     targets with a backup, and the release policy's production rows (its {@code production}
 *     input)
 * @param promotesFrom the environment a release must have been released in before it comes here;
 *     null when none. Kept for the promotion check; nothing enforces it yet.
 */
public record Environment(String id, boolean production, String promotesFrom) {

  public Environment {
    promotesFrom = promotesFrom == null || promotesFrom.isBlank() ? null : promotesFrom;
  }
}
