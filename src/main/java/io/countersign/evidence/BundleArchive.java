package io.countersign.evidence;

import java.io.IOException;

/**
 * Where a release's signed evidence bundle is kept once the release ends: outside the database,
 * written once and never overwritten, so the record an auditor reads years later does not depend on
 * the database or on anyone who can write to it.
 */
interface BundleArchive {

  /** Where, for messages and the evidence. */
  String describe();

  /**
   * Writes the bundle of {@code chain} as it stood at {@code entries} entries.
   *
   * @return the location written (a path or an {@code s3://} URL)
   * @throws IOException when it could not be written; an existing bundle of the same chain and
   *     count is never replaced
   */
  String write(String chain, long entries, byte[] bundle) throws IOException;
}
