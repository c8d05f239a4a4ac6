package io.countersign.evidence;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.PKCS8EncodedKeySpec;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Signs exported evidence bundles with Ed25519, so an auditor holding only the public key can
 * check offline that a bundle is complete and unaltered. The signature covers the release, the
 * export time, the number of entries and the chain's last hash, which itself covers every entry.
 * Keys come from configuration (base64 DER); without them a key pair is created once in the key
 * file, which suits the embedded default, not production.
 */
@Component
public class EvidenceSigner {
  static final String ALGORITHM = "Ed25519";
  private static final Logger LOG = LoggerFactory.getLogger(EvidenceSigner.class);

  private final PrivateKey privateKey;
  private final PublicKey publicKey;

  EvidenceSigner(@Value("${countersign.evidence.signing.private-key:}") String privateKey,
      @Value("${countersign.evidence.signing.public-key:}") String publicKey,
      @Value("${countersign.evidence.signing.key-file:./var/evidence-signing.key}") String keyFile) {
    try {
      if (!privateKey.isBlank() && !publicKey.isBlank()) {
        this.privateKey = privateKey(privateKey.trim());
        this.publicKey = publicKey(publicKey.trim());
      } else {
        KeyPair pair = fromFile(Path.of(keyFile));
        this.privateKey = pair.getPrivate();
        this.publicKey = pair.getPublic();
      }
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("countersign.evidence.signing keys are not Ed25519 keys in base64 DER", e);
    }
  }

  public record BundleSignature(String algorithm, String keyId, String publicKey, String signedContent, String value) {}

  public BundleSignature sign(EvidenceBundle bundle) {
    String content = signedContent(bundle);
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initSign(privateKey);
      signature.update(content.getBytes(StandardCharsets.UTF_8));
      String encodedKey = Base64.getEncoder().encodeToString(publicKey.getEncoded());
      return new BundleSignature(ALGORITHM, keyId(publicKey), encodedKey, content,
          Base64.getEncoder().encodeToString(signature.sign()));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("cannot sign the evidence bundle", e);
    }
  }

  public String publicKeyBase64() {
    return Base64.getEncoder().encodeToString(publicKey.getEncoded());
  }

  /** Checks a bundle: its chain, and its signature against the given public key (base64 DER). */
  public static List<String> verify(EvidenceBundle bundle, String trustedPublicKey) {
    List<String> problems = new java.util.ArrayList<>(EvidenceLog.verifyChain(bundle.entries()).problems());
    BundleSignature s = bundle.signature();
    if (s == null) {
      problems.add("the bundle is not signed");
      return problems;
    }
    if (!signedContent(bundle).equals(s.signedContent())) {
      problems.add("the signed content does not match the bundle (entries removed or changed after export)");
    }
    try {
      Signature signature = Signature.getInstance(ALGORITHM);
      signature.initVerify(publicKey(trustedPublicKey.trim()));
      signature.update(s.signedContent().getBytes(StandardCharsets.UTF_8));
      if (!signature.verify(Base64.getDecoder().decode(s.value()))) {
        problems.add("the signature does not verify with the trusted public key");
      }
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      problems.add("the signature cannot be checked: " + e.getMessage());
    }
    return problems;
  }

  static String signedContent(EvidenceBundle bundle) {
    List<EvidenceEntry> entries = bundle.entries();
    String lastHash = entries.isEmpty() ? EvidenceLog.GENESIS : entries.get(entries.size() - 1).hash();
    return "countersign-evidence-v1\n" + bundle.releaseId() + "\n" + bundle.exportedAt() + "\n" + entries.size() + "\n"
        + lastHash;
  }

  private static String keyId(PublicKey key) throws GeneralSecurityException {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(key.getEncoded())).substring(0, 16);
  }

  private static PrivateKey privateKey(String base64) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM).generatePrivate(new PKCS8EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static PublicKey publicKey(String base64) throws GeneralSecurityException {
    return KeyFactory.getInstance(ALGORITHM).generatePublic(new X509EncodedKeySpec(Base64.getDecoder().decode(base64)));
  }

  private static KeyPair fromFile(Path file) throws GeneralSecurityException {
    try {
      if (Files.exists(file)) {
        List<String> lines = Files.readAllLines(file);
        return new KeyPair(publicKey(lines.get(1)), privateKey(lines.get(0)));
      }
      KeyPair pair = KeyPairGenerator.getInstance(ALGORITHM).generateKeyPair();
      Files.createDirectories(file.toAbsolutePath().getParent());
      // Readable by the owner only, from the moment it exists (where the file system has POSIX permissions).
      if (FileSystems.getDefault().supportedFileAttributeViews().contains("posix")) {
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      }
      Files.writeString(file, Base64.getEncoder().encodeToString(pair.getPrivate().getEncoded()) + "\n"
          + Base64.getEncoder().encodeToString(pair.getPublic().getEncoded()) + "\n");
      LOG.warn("Created an evidence signing key in {}; configure countersign.evidence.signing.* in production", file);
      return pair;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the evidence signing key file " + file, e);
    }
  }
}
