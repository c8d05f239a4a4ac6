package io.countersign.evidence;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.transaction.TransactionDefinition;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Archives a release's signed evidence bundle outside the database when the release ends, and
 * records where in the release's own chain ({@value #ARCHIVED}: location, entries, the bundle's
 * SHA-256). Runs once the closing change has committed; a bundle that cannot be written is logged
 * and recorded once ({@value #FAILED}), and archived by a later sweep ({@link ArchiveSweep}), so no
 * ended release stays without an archived bundle. A chain that does not verify is not archived as a
 * signed bundle: the failure is recorded instead.
 */
public class EvidenceArchive {
  /** Evidence type of an archived bundle. */
  public static final String ARCHIVED = "evidence-archived";

  static final String FAILED = "evidence-archive-failed";

  private static final Logger LOG = LoggerFactory.getLogger(EvidenceArchive.class);
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private final EvidenceLog evidence;
  private final EvidenceSigner signer;
  private final List<BundleArchive> archives;
  private final JdbcTemplate jdbc;
  private final TransactionTemplate own;

  EvidenceArchive(
      EvidenceLog evidence,
      EvidenceSigner signer,
      List<BundleArchive> archives,
      JdbcTemplate jdbc) {
    this.evidence = evidence;
    this.signer = signer;
    this.archives = List.copyOf(archives);
    this.jdbc = jdbc;
    // After a commit the finished transaction's connection is still bound: new work needs a
    // transaction of its own.
    DataSourceTransactionManager manager = new DataSourceTransactionManager(jdbc.getDataSource());
    this.own = new TransactionTemplate(manager);
    this.own.setPropagationBehavior(TransactionDefinition.PROPAGATION_REQUIRES_NEW);
  }

  List<BundleArchive> archives() {
    return archives;
  }

  /** Archives the release's bundle once the current transaction commits (nothing on rollback). */
  public void afterCommit(String releaseId) {
    TransactionSynchronizationManager.registerSynchronization(
        new TransactionSynchronization() {
          @Override
          public void afterCommit() {
            archive(releaseId);
          }
        });
  }

  /**
   * Exports, signs and writes the bundle to every archive, then records where; returns the
   * locations written. Never throws: the release has ended whatever happens here.
   */
  public List<String> archive(String releaseId) {
    List<String> written = new ArrayList<>();
    try {
      EvidenceBundle bundle = evidence.export(releaseId);
      long entries = bundle.entries().size();
      if (!bundle.verification().valid()) {
        failed(
            releaseId, entries, "the chain does not verify: " + bundle.verification().problems());
        return written;
      }
      byte[] signed = JSON.writeValueAsBytes(bundle.withSignature(signer.sign(bundle)));
      List<String> problems = new ArrayList<>();
      for (BundleArchive archive : archives) {
        try {
          written.add(archive.write(releaseId, entries, signed));
        } catch (FileAlreadyExistsException concurrent) {
          // Another node archived this chain at this count: that bundle stands.
          LOG.info("Evidence bundle of {} at {} entries already archived", releaseId, entries);
        } catch (IOException | RuntimeException failure) {
          problems.add(archive.describe() + ": " + failure.getMessage());
        }
      }
      if (!written.isEmpty()) {
        Map<String, Object> payload = new LinkedHashMap<>();
        payload.put("locations", written);
        payload.put("entries", entries);
        payload.put("bundleSha256", sha256(signed));
        own.executeWithoutResult(
            status -> evidence.record(releaseId, ARCHIVED, "countersign", payload));
      }
      if (!problems.isEmpty()) {
        failed(releaseId, entries, String.join("; ", problems));
      }
    } catch (IOException | RuntimeException failure) {
      LOG.error("Evidence bundle of {} not archived: {}", releaseId, failure.toString());
    }
    return written;
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }

  private void failed(String releaseId, long entries, String reason) {
    LOG.error("Evidence bundle of {} not archived: {}", releaseId, reason);
    List<EvidenceEntry> chain = evidence.entries(releaseId);
    if (!chain.isEmpty() && chain.get(chain.size() - 1).type().equals(FAILED)) {
      // Already recorded; the sweep keeps trying without adding an entry at every attempt.
      return;
    }
    own.executeWithoutResult(
        status ->
            evidence.record(
                releaseId, FAILED, "countersign", Map.of("entries", entries, "reason", reason)));
  }

  /**
   * Ended releases whose latest closing change has no archived bundle after it: those whose
   * archiving failed, or ended while the node stopped, or before archiving existed.
   */
  public List<String> unarchived() {
    return jdbc.queryForList(
        "SELECT r.id FROM cs_release r WHERE r.active = FALSE AND NOT EXISTS ("
            + " SELECT 1 FROM cs_evidence a WHERE a.release_id = r.id AND a.type = ?"
            + " AND a.seq > (SELECT MAX(c.seq) FROM cs_evidence c WHERE c.release_id = r.id"
            + " AND c.type = 'status-changed'))"
            + " ORDER BY r.id",
        String.class,
        ARCHIVED);
  }
}
