/**
 * Checked evidence: each evidence item a release lists is fetched (S3 through the SDK, or HTTPS
 * from an allow-list of hosts), size-limited, its SHA-256 recomputed and compared with the
 * manifest's, and read against the thresholds the release policy sets for its type (k6 summary,
 * JUnit XML, SARIF, Flyway info). A port with a live and a dry-run adapter, as the targets have. It
 * imports the manifest, process and aws packages only; the pre-deployment checkpoint (release) and
 * the policy step (signoff) use it.
 */
package io.countersign.evidencecheck;
