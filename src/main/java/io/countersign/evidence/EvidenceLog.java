package io.countersign.evidence;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiPredicate;
import java.util.function.Consumer;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.ConnectionCallback;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;
import org.springframework.transaction.support.TransactionTemplate;

/**
 * Append-only, hash-chained and signed evidence per chain: one chain per release (the chain id is
 * the release id) and chains of their own such as {@link #MODELS_CHAIN}. Each entry's hash covers
 * the previous entry's hash and the canonical JSON of the entry itself, so an edited, removed or
 * reordered row breaks the chain, and the head row (last seq and hash per chain) catches removal at
 * the end. Each entry is also signed with the server's evidence signing key ({@link
 * EvidenceSigner#entryText}), so whoever can write the tables but lacks the key cannot recompute a
 * chain that verifies; and signed {@link Checkpoints} outside the database catch entries removed at
 * the end or whole chains removed, which a database user could otherwise do together with the head
 * row.
 *
 * <p>hash = hex(SHA-256(previousHash + "\n" + canonical JSON of {actor, payload, recordedAt,
 * releaseId, seq, type})), genesis previous hash = 64 zeros. Canonical JSON: object keys sorted
 * (String order) at every level, no whitespace, values as Jackson writes them; recordedAt is
 * ISO-8601 UTC with exactly three fraction digits.
 */
@Component
public class EvidenceLog {
  /** The chain of model deployments (not a release). */
  public static final String MODELS_CHAIN = "models";

  /** The chain of evidence reads: who read or exported which chain, and when. */
  public static final String ACCESS_CHAIN = "evidence-access";

  static final String GENESIS = "0".repeat(64);
  // Chain ids become file lines and S3 key segments: no separators, no spaces.
  private static final Pattern CHAIN_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

  private static final DateTimeFormatter MILLIS =
      DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
  private static final String DUPLICATE_KEY =
      "23505"; // SQLSTATE unique_violation (PostgreSQL and H2)
  private static final String COLUMNS =
      "release_id, seq, type, actor, recorded_at, payload, previous_hash, hash, signature";

  private static final Logger LOG = LoggerFactory.getLogger(EvidenceLog.class);

  private final JdbcTemplate jdbc;
  private final EvidenceSigner signer;
  private final List<EvidenceObserver> observers;
  private final Checkpoints checkpoints;
  private final TransactionTemplate transaction;
  private static final ObjectMapper json =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();

  private static final int VERIFIED_SIGNATURES_KEPT = 10_000;
  private final Set<String> verifiedSignatures = ConcurrentHashMap.newKeySet();

  public EvidenceLog(JdbcTemplate jdbc, EvidenceSigner signer, Checkpoints checkpoints) {
    this(jdbc, signer, checkpoints, List.of());
  }

  @Autowired
  public EvidenceLog(
      JdbcTemplate jdbc,
      EvidenceSigner signer,
      Checkpoints checkpoints,
      List<EvidenceObserver> observers) {
    this.observers = List.copyOf(observers);
    this.jdbc = jdbc;
    this.signer = signer;
    this.checkpoints = checkpoints;
    // PROPAGATION_REQUIRED on the JdbcTemplate's DataSource: joins the engine's (or any Spring)
    // transaction on that DataSource, and still makes a standalone call atomic.
    this.transaction =
        new TransactionTemplate(
            new DataSourceTransactionManager(Objects.requireNonNull(jdbc.getDataSource())));
  }

  /**
   * Appends an entry in the caller's transaction (a rollback removes it). Appends to one release
   * are serialized by a lock on its head row, held until that transaction ends: record evidence as
   * the last act of a step, not before slow calls. When the entry is one to checkpoint at, the
   * checkpoint is written after that transaction commits.
   */
  public EvidenceEntry record(String releaseId, String type, String actor, Map<String, ?> payload) {
    requireText(releaseId, "releaseId", 64);
    if (!CHAIN_ID.matcher(releaseId).matches()) {
      throw new IllegalArgumentException(
          "evidence releaseId may hold only letters, digits, '.', '_' and '-'");
    }
    requireText(type, "type", 64);
    requireText(actor, "actor", 128);
    // Write, re-read, write: the stored text is then a fixed point, so parsing it back (as verify
    // does) gives exactly the tree that was hashed (e.g. BigDecimal 1.50 becomes 1.5 here, not
    // later).
    String payloadJson =
        canonical(parse(canonical(json.valueToTree(payload == null ? Map.of() : payload))));
    Instant recordedAt = Instant.now().truncatedTo(ChronoUnit.MILLIS);
    return transaction.execute(status -> append(releaseId, type, actor, recordedAt, payloadJson));
  }

  /**
   * Takes the chain's append lock in the caller's transaction without appending: a step that
   * decides on entries others append (evidence posted through the API) reads them after this, so a
   * post either committed before the read or waits until the step's transaction ends.
   */
  public void lockChain(String releaseId) {
    transaction.executeWithoutResult(status -> lockHead(releaseId));
  }

  public List<EvidenceEntry> entries(String releaseId) {
    return jdbc.query(
        "SELECT " + COLUMNS + " FROM cs_evidence WHERE release_id = ? ORDER BY seq",
        this::entry,
        releaseId);
  }

  /**
   * The entries of a type in a chain that Countersign itself recorded: each one's hash recomputed
   * and its signature verified with the evidence key. A row added or changed in the table by anyone
   * without the key is left out, so a decision read from these is one the server took (the chain as
   * a whole is what verify checks).
   */
  public List<EvidenceEntry> authentic(String chain, String type) {
    EvidenceSigner.Verifier verifier = new EvidenceSigner.Verifier(signer.publicKey());
    // Every deploy step asks for the same entry again; a signature that verified once over the same
    // text with the same key verifies again, so only the check is remembered, never the entry.
    BiPredicate<String, String> signatures =
        (text, signature) -> {
          String checked = text + "|" + signature;
          if (verifiedSignatures.contains(checked)) {
            return true;
          }
          boolean verifies = verifier.verifies(text, signature);
          if (verifies) {
            if (verifiedSignatures.size() >= VERIFIED_SIGNATURES_KEPT) {
              verifiedSignatures.clear();
            }
            verifiedSignatures.add(checked);
          }
          return verifies;
        };
    return jdbc
        .query(
            "SELECT "
                + COLUMNS
                + " FROM cs_evidence WHERE release_id = ? AND type = ? ORDER BY seq",
            this::entry,
            chain,
            type)
        .stream()
        .filter(
            e ->
                hash(
                        e.previousHash(),
                        e.releaseId(),
                        e.seq(),
                        e.type(),
                        e.actor(),
                        e.recordedAt(),
                        e.payload())
                    .equals(e.hash()))
        .filter(
            e ->
                signatures.test(
                    EvidenceSigner.entryText(e.releaseId(), e.seq(), e.hash()), e.signature()))
        .toList();
  }

  /**
   * Recomputes a chain: links, hashes, signatures, head row, and the latest checkpoint outside the
   * database.
   */
  public ChainVerification verify(String releaseId) {
    // Checkpoint first: it is written after its entries commit, so the rows read next include them.
    CheckpointSink.Reading checkpoint = checkpoints.latest(releaseId);
    ChainVerification verification = check(snapshot(releaseId), signer.publicKey(), checkpoint);
    tell(observer -> observer.verified(releaseId, verification));
    return verification;
  }

  public EvidenceBundle export(String releaseId) {
    CheckpointSink.Reading checkpoint = checkpoints.latest(releaseId);
    Snapshot snapshot = snapshot(releaseId);
    return new EvidenceBundle(
        releaseId,
        Instant.now().truncatedTo(ChronoUnit.MILLIS),
        snapshot.entries(),
        check(snapshot, signer.publicKey(), checkpoint),
        null);
  }

  /**
   * Verifies every chain the database or the checkpoints know of, and {@code expected} ones (e.g.
   * every release id): a chain deleted with all its rows is found through its checkpoints, an
   * expected chain without any entry is reported as such.
   */
  public InstallationVerification verifyAll(Collection<String> expected) {
    List<String> unreadable = new ArrayList<>();
    Set<String> chains = new TreeSet<>(checkpoints.chains(unreadable));
    chains.addAll(
        jdbc.queryForList(
            "SELECT release_id FROM cs_evidence_head UNION SELECT release_id FROM cs_evidence",
            String.class));
    chains.addAll(expected);
    Map<String, List<String>> problems = new TreeMap<>();
    long entries = 0;
    for (String chain : chains) {
      ChainVerification verification = verify(chain);
      entries += verification.entries();
      List<String> found = new ArrayList<>(verification.problems());
      if (verification.entries() == 0
          && verification.checkpoint() == null
          && expected.contains(chain)) {
        found.add(
            "no evidence entries, although the release exists (every release records one when submitted)");
      }
      if (!found.isEmpty()) {
        problems.put(chain, List.copyOf(found));
      }
    }
    unreadable.addAll(checkpoints.unattributed());
    if (!unreadable.isEmpty()) {
      problems.put(InstallationVerification.CHECKPOINTS, List.copyOf(unreadable));
    }
    return new InstallationVerification(problems.isEmpty(), chains.size(), entries, problems);
  }

  /** Canonical JSON of a payload as it would be stored. */
  String canonicalJson(Map<String, ?> payload) {
    return canonical(json.valueToTree(payload));
  }

  private EvidenceEntry append(
      String releaseId, String type, String actor, Instant recordedAt, String payloadJson) {
    Head head = lockHead(releaseId);
    long seq = head.lastSeq() + 1;
    JsonNode payload = parse(payloadJson);
    String hash = hash(head.lastHash(), releaseId, seq, type, actor, recordedAt, payload);
    String signature = signer.signEntry(releaseId, seq, hash);
    jdbc.update(
        "INSERT INTO cs_evidence (" + COLUMNS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        releaseId,
        seq,
        type,
        actor,
        LocalDateTime.ofInstant(recordedAt, ZoneOffset.UTC),
        payloadJson,
        head.lastHash(),
        hash,
        signature);
    jdbc.update(
        "UPDATE cs_evidence_head SET last_seq = ?, last_hash = ? WHERE release_id = ?",
        seq,
        hash,
        releaseId);
    if (checkpoints.due(seq, type, payload)) {
      checkpoints.afterCommit(releaseId, seq, hash);
    }
    EvidenceEntry entry =
        new EvidenceEntry(
            releaseId, seq, type, actor, recordedAt, payload, head.lastHash(), hash, signature);
    if (!observers.isEmpty()) {
      // Inside the append's transaction template, so synchronization is always active here.
      TransactionSynchronizationManager.registerSynchronization(
          new TransactionSynchronization() {
            @Override
            public void afterCommit() {
              tell(observer -> observer.committed(entry));
            }
          });
    }
    return entry;
  }

  /** Observers count; one that fails is logged and never reaches the caller. */
  private void tell(Consumer<EvidenceObserver> call) {
    for (EvidenceObserver observer : observers) {
      try {
        call.accept(observer);
      } catch (RuntimeException e) {
        LOG.warn(
            "evidence observer {} failed: {}", observer.getClass().getSimpleName(), e.toString());
      }
    }
  }

  private Head lockHead(String releaseId) {
    Head head = selectHead(releaseId, " FOR UPDATE");
    if (head != null) {
      return head;
    }
    insertHeadUnlessPresent(releaseId);
    return Objects.requireNonNull(
        selectHead(releaseId, " FOR UPDATE"), "evidence head row vanished");
  }

  /**
   * Two first appends race to create the head row; the loser gets a unique violation once the
   * winner commits. The savepoint keeps that failure from aborting the caller's transaction
   * (PostgreSQL would otherwise refuse every further statement in it).
   */
  private void insertHeadUnlessPresent(String releaseId) {
    jdbc.execute(
        (ConnectionCallback<Void>)
            connection -> {
              Savepoint savepoint = connection.setSavepoint();
              try (PreparedStatement insert =
                  connection.prepareStatement(
                      "INSERT INTO cs_evidence_head (release_id, last_seq, last_hash) VALUES (?, 0, ?)")) {
                insert.setString(1, releaseId);
                insert.setString(2, GENESIS);
                insert.executeUpdate();
                connection.releaseSavepoint(savepoint);
              } catch (SQLException e) {
                connection.rollback(savepoint);
                if (!DUPLICATE_KEY.equals(e.getSQLState())) {
                  throw e;
                }
              }
              return null;
            });
  }

  private Head selectHead(String releaseId, String lock) {
    List<Head> heads =
        jdbc.query(
            "SELECT last_seq, last_hash FROM cs_evidence_head WHERE release_id = ?" + lock,
            (rs, n) -> new Head(rs.getLong(1), rs.getString(2)),
            releaseId);
    return heads.isEmpty() ? null : heads.get(0);
  }

  /**
   * Rows and head as of one moment without locking: an append changes both in one commit, so if the
   * head is the same before and after reading the rows, they agree.
   */
  private Snapshot snapshot(String releaseId) {
    for (int attempt = 1; ; attempt++) {
      Head before = selectHead(releaseId, "");
      List<EvidenceEntry> entries = entries(releaseId);
      Head after = selectHead(releaseId, "");
      if (Objects.equals(before, after) || attempt == 3) {
        return new Snapshot(after, entries);
      }
    }
  }

  /**
   * Checks a chain handed over outside the database (an exported bundle): every link, hash and
   * entry signature against the trusted key. What a bundle cannot show itself (entries cut off at
   * its end) its signature covers.
   */
  public static ChainVerification verifyChain(List<EvidenceEntry> entries, PublicKey trusted) {
    EvidenceEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
    return check(
        new Snapshot(last == null ? null : new Head(last.seq(), last.hash()), entries),
        trusted,
        new CheckpointSink.Reading(null, List.of()));
  }

  private static ChainVerification check(
      Snapshot snapshot, PublicKey key, CheckpointSink.Reading checkpoints) {
    List<String> problems = new ArrayList<>(checkpoints.problems());
    long expectedSeq = 1;
    String expectedPrevious = GENESIS;
    String previousName = "the genesis hash";
    EvidenceSigner.Verifier signatures = new EvidenceSigner.Verifier(key);
    for (EvidenceEntry e : snapshot.entries()) {
      if (e.seq() != expectedSeq) {
        problems.add(
            "seq %d: expected seq %d here (an entry is missing or out of order)"
                .formatted(e.seq(), expectedSeq));
      }
      if (!expectedPrevious.equals(e.previousHash())) {
        problems.add(
            "seq %d: previous hash does not match %s (broken link)"
                .formatted(e.seq(), previousName));
      }
      String recomputed =
          hash(
              e.previousHash(),
              e.releaseId(),
              e.seq(),
              e.type(),
              e.actor(),
              e.recordedAt(),
              e.payload());
      if (!recomputed.equals(e.hash())) {
        problems.add("seq %d: hash mismatch (the entry was altered or moved)".formatted(e.seq()));
      }
      if (e.signature() == null) {
        problems.add(
            "seq %d: not signed (an entry added without the evidence signing key)"
                .formatted(e.seq()));
      } else if (!signatures.verifies(
          EvidenceSigner.entryText(e.releaseId(), e.seq(), e.hash()), e.signature())) {
        problems.add(
            "seq %d: signature does not verify with the evidence signing key (the entry was forged or re-hashed)"
                .formatted(e.seq()));
      }
      expectedSeq = e.seq() + 1;
      expectedPrevious = e.hash();
      previousName = "the hash of seq " + e.seq();
    }
    List<EvidenceEntry> entries = snapshot.entries();
    EvidenceEntry last = entries.isEmpty() ? null : entries.get(entries.size() - 1);
    long lastSeq = last == null ? 0 : last.seq();
    Head head = snapshot.head();
    if (head == null) {
      if (last != null) {
        problems.add("head row is missing although entries up to seq %d exist".formatted(lastSeq));
      }
    } else if (head.lastSeq() != lastSeq) {
      problems.add(
          "head records seq %d but the last entry is seq %d (entries removed at the end, or the head was altered)"
              .formatted(head.lastSeq(), lastSeq));
    } else if (!head.lastHash().equals(last == null ? GENESIS : last.hash())) {
      problems.add("head hash does not match the hash of seq %d".formatted(lastSeq));
    }
    Checkpoint checkpoint = checkpoints.latest();
    if (checkpoint != null) {
      problems.addAll(against(checkpoint, entries, lastSeq));
    }
    return new ChainVerification(
        problems.isEmpty(),
        entries.size(),
        last == null ? null : last.hash(),
        checkpoint,
        List.copyOf(problems));
  }

  /** What the database lost or changed since the checkpoint was signed. */
  private static List<String> against(
      Checkpoint checkpoint, List<EvidenceEntry> entries, long lastSeq) {
    String when = "the checkpoint of " + checkpoint.time();
    if (entries.isEmpty()) {
      return List.of(
          "no entries in the database, but %s records %d (the chain was deleted)"
              .formatted(when, checkpoint.count()));
    }
    if (lastSeq < checkpoint.count()) {
      return List.of(
          "the database ends at seq %d, but %s records %d entries (entries removed at the end)"
              .formatted(lastSeq, when, checkpoint.count()));
    }
    for (EvidenceEntry e : entries) {
      if (e.seq() == checkpoint.count()) {
        return e.hash().equals(checkpoint.lastHash())
            ? List.of()
            : List.of(
                "seq %d: hash differs from %s (the chain was rewritten)".formatted(e.seq(), when));
      }
    }
    return List.of("seq %d: missing, but %s records its hash".formatted(checkpoint.count(), when));
  }

  /** The unkeyed hash of an entry (the documented formula; anyone can compute it). */
  static String hash(
      String previousHash,
      String releaseId,
      long seq,
      String type,
      String actor,
      Instant recordedAt,
      JsonNode payload) {
    ObjectNode entry =
        json.createObjectNode()
            .put("releaseId", releaseId)
            .put("seq", seq)
            .put("type", type)
            .put("actor", actor)
            .put("recordedAt", MILLIS.format(recordedAt));
    entry.set("payload", payload);
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256")
              .digest((previousHash + "\n" + canonical(entry)).getBytes(UTF_8));
      return HexFormat.of().formatHex(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
    }
  }

  private static String canonical(JsonNode node) {
    try {
      return json.writeValueAsString(sorted(node));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot write evidence JSON", e);
    }
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode out = json.createObjectNode();
      List<String> names = new ArrayList<>();
      node.fieldNames().forEachRemaining(names::add);
      names.sort(null);
      names.forEach(name -> out.set(name, sorted(node.get(name))));
      return out;
    }
    if (node.isArray()) {
      ArrayNode out = json.createArrayNode();
      node.forEach(element -> out.add(sorted(element)));
      return out;
    }
    return node;
  }

  private JsonNode parse(String text) {
    try {
      return json.readTree(text);
    } catch (JsonProcessingException e) {
      // A stored payload that is no JSON was tampered with: keep it visible; its hash will not
      // match.
      return TextNode.valueOf(text);
    }
  }

  private EvidenceEntry entry(ResultSet rs, int row) throws SQLException {
    return new EvidenceEntry(
        rs.getString("release_id"),
        rs.getLong("seq"),
        rs.getString("type"),
        rs.getString("actor"),
        rs.getObject("recorded_at", LocalDateTime.class).toInstant(ZoneOffset.UTC),
        parse(rs.getString("payload")),
        rs.getString("previous_hash"),
        rs.getString("hash"),
        rs.getString("signature"));
  }

  private static void requireText(String value, String name, int maxLength) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException("evidence " + name + " must not be blank");
    }
    if (value.length() > maxLength) {
      throw new IllegalArgumentException(
          "evidence " + name + " is longer than " + maxLength + " characters");
    }
  }

  private record Head(long lastSeq, String lastHash) {}

  private record Snapshot(Head head, List<EvidenceEntry> entries) {}
}
