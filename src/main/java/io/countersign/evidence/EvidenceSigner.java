package io.countersign.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.interfaces.EdECPrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.bouncycastle.math.ec.rfc8032.Ed25519;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * The server's evidence signing key (Ed25519). One key signs three things, each over a versioned
 * text (UTF-8, lines joined by {@code \n}, no trailing newline):
 *
 * <ul>
 *   <li>every entry when it is appended: {@code countersign-evidence-entry-v1, <chain>, <seq>,
 *       <hash>}; the hash covers the previous hash and the canonical entry, so the signature covers
 *       both and a chain recomputed without the key does not verify;
 *   <li>every checkpoint kept outside the database: {@code countersign-evidence-checkpoint-v1,
 *       <chain>, <count>, <last hash>, <time>} (time ISO-8601 UTC with three fraction digits);
 *   <li>every exported bundle: {@code countersign-evidence-v1, <release>, <export time>, <count>,
 *       <last hash>}, so an auditor holding only the public key can check offline that a bundle is
 *       complete and unaltered.
 * </ul>
 *
 * Keys come from configuration (base64 DER), the same pair on every node; without them a key pair
 * is created once in the key file, which suits the embedded default only: production refuses to
 * start without configured keys.
 */
@Component
public class EvidenceSigner {
  static final String ALGORITHM = "Ed25519";
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSigner.class);

  // X.509 SubjectPublicKeyInfo of an Ed25519 key: this prefix, then the 32-byte key (RFC 8410).
  private static final byte[] X509_PREFIX = HexFormat.of().parseHex("302a300506032b6570032100");

  private final PublicKey publicKey;
  // The raw RFC 8032 keys Bouncy Castle signs with. The JDK's own Ed25519 gives the same
  // signatures (the scheme is deterministic), but with it signing and verifying were 38 % of the
  // JVM's CPU samples while releases ran on JDK 17; every evidence entry is signed.
  private final byte[] seed;
  private final byte[] rawPublicKey;

  @Autowired
  EvidenceSigner(
      @Value("${countersign.evidence.signing.private-key:}") String privateKey,
      @Value("${countersign.evidence.signing.public-key:}") String publicKey,
      @Value("${countersign.evidence.signing.key-file:./var/evidence-signing.key}") String keyFile,
      Environment environment) {
    this(privateKey, publicKey, keyFile, environment.acceptsProfiles(Profiles.of("production")));
  }

  /** Outside production: the key file serves when no keys are configured. */
  EvidenceSigner(String privateKey, String publicKey, String keyFile) {
    this(privateKey, publicKey, keyFile, false);
  }

  EvidenceSigner(String privateKey, String publicKey, String keyFile, boolean production) {
    if (privateKey.isBlank() != publicKey.isBlank()) {
      // One without the other would silently fall back to a key file of this node's own.
      throw new IllegalStateException(
          "Set both countersign.evidence.signing.private-key and countersign.evidence.signing.public-key,"
              + " or neither");
    }
    if (production && privateKey.isBlank()) {
      // Every node must sign with the one key auditors trust; a key file is made per node.
      throw new IllegalStateException(
          "In production the evidence signing key comes from configuration: set"
              + " countersign.evidence.signing.private-key and countersign.evidence.signing.public-key"
              + " (the same Ed25519 pair, base64 DER, on every node; README \"Running several nodes\""
              + " shows how to make one). The key file is the embedded default's convenience only");
    }
    try {
      KeyPair pair =
          privateKey.isBlank()
              ? fromFile(Path.of(keyFile))
              : new KeyPair(publicKey(publicKey.trim()), privateKey(privateKey.trim()));
      this.publicKey = pair.getPublic();
      byte[] raw = raw(pair.getPublic());
      if (raw == null) {
        throw new InvalidKeyException("the public key is not an Ed25519 key");
      }
      this.rawPublicKey = raw;
      this.seed =
          ((EdECPrivateKey) pair.getPrivate())
              .getBytes()
              .orElseThrow(() -> new InvalidKeyException("the private key has no seed"));
    } catch (GeneralSecurityException | ClassCastException e) {
      throw new IllegalStateException(
          "countersign.evidence.signing keys are not Ed25519 keys in base64 DER", e);
    }
    // A public key that does not belong to the private key would make every entry fail
    // verification.
    if (!verifies(this.publicKey, "countersign-key-check", sign("countersign-key-check"))) {
      throw new IllegalStateException(
          "countersign.evidence.signing.public-key does not belong to the private key");
    }
  }

  /** The text an entry's signature covers. */
  static String entryText(String chain, long seq, String hash) {
    return "countersign-evidence-entry-v1\n" + chain + "\n" + seq + "\n" + hash;
  }

  /** Base64 Ed25519 signature of an entry (see {@link #entryText}). */
  String signEntry(String chain, long seq, String hash) {
    return sign(entryText(chain, seq, hash));
  }

  String sign(String text) {
    byte[] message = text.getBytes(StandardCharsets.UTF_8);
    byte[] signature = new byte[Ed25519.SIGNATURE_SIZE];
    // Given the public key, the signer does not derive it again from the seed; one that does not
    // belong to the seed gives signatures that fail, which the constructor's key check catches.
    Ed25519.sign(seed, 0, rawPublicKey, 0, message, 0, message.length, signature, 0);
    return Base64.getEncoder().encodeToString(signature);
  }

  /**
   * Whether {@code signatureBase64} is the key's signature of {@code text}; false for anything
   * malformed.
   */
  static boolean verifies(PublicKey key, String text, String signatureBase64) {
    return new Verifier(key).verifies(text, signatureBase64);
  }

  /** Checks many signatures with one key (a chain's worth). */
  static final class Verifier {
    private final byte[] key;

    Verifier(PublicKey key) {
      this.key = raw(key);
    }

    boolean verifies(String text, String signatureBase64) {
      if (signatureBase64 == null || key == null) {
        return false;
      }
      byte[] value;
      try {
        value = Base64.getDecoder().decode(signatureBase64);
      } catch (IllegalArgumentException e) {
        return false;
      }
      if (value.length != Ed25519.SIGNATURE_SIZE) {
        return false;
      }
      byte[] message = text.getBytes(StandardCharsets.UTF_8);
      return Ed25519.verify(value, 0, key, 0, message, 0, message.length);
    }
  }

  /** The 32-byte RFC 8032 public key inside an Ed25519 key's X.509 form; null for any other key. */
  static byte[] raw(PublicKey key) {
    byte[] der = key.getEncoded();
    if (der == null
        || der.length != X509_PREFIX.length + Ed25519.PUBLIC_KEY_SIZE
        || !Arrays.equals(der, 0, X509_PREFIX.length, X509_PREFIX, 0, X509_PREFIX.length)) {
      return null;
    }
    return Arrays.copyOfRange(der, X509_PREFIX.length, der.length);
  }

  PublicKey publicKey() {
    return publicKey;
  }

  /**
   * First 16 hex digits of the SHA-256 of the public key: names the key in bundles and checkpoints.
   */
  public String keyId() {
    try {
      return keyId(publicKey);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  public record BundleSignature(
      String algorithm, String keyId, String publicKey, String signedContent, String value) {}

  public BundleSignature sign(EvidenceBundle bundle) {
    String content = signedContent(bundle);
    return new BundleSignature(ALGORITHM, keyId(), publicKeyBase64(), content, sign(content));
  }

  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  /**
   * Checks a bundle against the given public key (base64 DER): its chain, each entry's signature,
   * and the bundle's signature.
   */
  public static List<String> verify(EvidenceBundle bundle, String trustedPublicKey) {
    PublicKey trusted;
    try {
      trusted = publicKey(trustedPublicKey.trim());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      return List.of(
          "the trusted public key is not an Ed25519 key in base64 DER: " + e.getMessage());
    }
    List<EvidenceEntry> entries = bundle.entries() == null ? List.of() : bundle.entries();
    List<String> problems = new ArrayList<>(EvidenceLog.verifyChain(entries, trusted).problems());
    BundleSignature s = bundle.signature();
    if (s == null) {
      problems.add("the bundle is not signed");
      return problems;
    }
    if (!signedContent(bundle).equals(s.signedContent())) {
      problems.add(
          "the signed content does not match the bundle (entries removed or changed after export)");
    }
    if (s.signedContent() == null || !verifies(trusted, s.signedContent(), s.value())) {
      problems.add("the signature does not verify with the trusted public key");
    }
    return problems;
  }

  static String signedContent(EvidenceBundle bundle) {
    List<EvidenceEntry> entries = bundle.entries() == null ? List.of() : bundle.entries();
    String lastHash =
        entries.isEmpty() ? EvidenceLog.GENESIS : entries.get(entries.size() - 1).hash();
    return "countersign-evidence-v1\n"
        + bundle.releaseId()
        + "\n"
        + bundle.exportedAt()
        + "\n"
        + entries.size()
        + "\n"
        + lastHash;
  }

  private static String keyId(PublicKey key) throws GeneralSecurityException {
    return HexFormat.of()
        .formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded()))
        .substring(0, 16);
  }

  private static PrivateKey privateKey(String base64) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM)
        .generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static PublicKey publicKey(String base64) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM)
        .generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static KeyPair fromFile(Path file) throws GeneralSecurityException {
    try {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        return new KeyPair(publicKey(lines.get(1)), privateKey(lines.get(0)));
      }
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      Files.createDirectories(file.toAbsolutePath().getParent());
      // Readable by the owner only, from the moment it exists (where the file system has POSIX
      // permissions).
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(
            file,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Files.writeString(
          file,
          Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded())
              + "\n"
              + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded())
              + "\n");
      LOG.warn(
          "Created an evidence signing key in {}; configure countersign.evidence.signing.* in production",
          file);
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot read or create the evidence signing key file " + file, e);
    }
  }
}
