package io.countersign.evidencecheck;

import java.util.Optional;

/** Where evidence files are read from: S3 or allowed HTTPS hosts (live), or nowhere (dry-run). */
public interface EvidenceSource {

  /**
   * The file at an evidence location ({@code s3://bucket/key} or {@code https://host/path}, as the
   * manifest check allows), or empty when this adapter does not fetch (dry-run).
   *
   * @param maxBytes a larger file is refused, not read to its end
   * @throws Unavailable when the file cannot be had, saying why and whether asking again could help
   */
  Optional<byte[]> fetch(String location, long maxBytes) throws Unavailable;

  /** The mode, as written in configuration and evidence ({@code live} or {@code dry-run}). */
  String mode();

  /**
   * A file that could not be had. {@code transientFailure}: the source did not answer (timeout,
   * 5xx, throttling), so the job's retry may succeed; otherwise the answer is final (not found,
   * forbidden, too large, a host not allowed) and the release is held at once.
   */
  final class Unavailable extends Exception {
    private final boolean transientFailure;

    public Unavailable(String reason, boolean transientFailure) {
      super(reason);
      this.transientFailure = transientFailure;
    }

    public boolean transientFailure() {
      return transientFailure;
    }
  }
}
