package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Signed bundles: intact ones verify offline with the public key; any change, cut or other key is
 * caught.
 */
class EvidenceSignerTest {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
          .build();
  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceSigner signer;
  private EvidenceBundle bundle;

  @BeforeEach
  void signedBundle() {
    db = new EvidenceDatabase();
    signer = new EvidenceSigner("", "", dir.resolve("signing.key").toString());
    EvidenceLog log = new EvidenceLog(db.jdbc, signer, new Checkpoints(signer, 10, List.of()));
    log.record(
        "rel-9", "release-requested", "requester", Map.of("manifestSha256", "ab".repeat(32)));
    log.record(
        "rel-9", "sign-off", "tech-lead", Map.of("role", "tech-leads", "decision", "approve"));
    log.record(
        "rel-9", "database-migrated", "countersign", Map.of("applied", List.of("1", "2", "3")));
    EvidenceBundle unsigned = log.export("rel-9");
    bundle = unsigned.withSignature(signer.sign(unsigned));
  }

  @AfterEach
  void close() {
    db.close();
  }

  private EvidenceBundle withEntries(List<EvidenceEntry> entries) {
    return new EvidenceBundle(
        bundle.releaseId(),
        bundle.exportedAt(),
        entries,
        bundle.verification(),
        bundle.signature());
  }

  @Test
  void anIntactBundleVerifiesWithThePublicKeyAlone() throws Exception {
    assertThat(EvidenceSigner.verify(bundle, signer.publicKeyBase64())).isEmpty();
    // The same round trip an auditor makes: JSON file in, public key, exit code 0.
    Path file = dir.resolve("bundle.json");
    Files.write(file, JSON.writeValueAsBytes(bundle));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(
            VerifyEvidenceBundle.run(
                new String[] {file.toString(), signer.publicKeyBase64()},
                new PrintStream(out, true, StandardCharsets.UTF_8)))
        .isZero();
    assertThat(out.toString(StandardCharsets.UTF_8)).startsWith("VALID: release rel-9, 3 entries");
  }

  @Test
  void anEditedEntryIsCaught() {
    List<EvidenceEntry> entries = new ArrayList<>(bundle.entries());
    EvidenceEntry e = entries.get(1);
    entries.set(
        1,
        new EvidenceEntry(
            e.releaseId(),
            e.seq(),
            e.type(),
            "someone-else",
            e.recordedAt(),
            e.payload(),
            e.previousHash(),
            e.hash(),
            e.signature()));
    assertThat(EvidenceSigner.verify(withEntries(entries), signer.publicKeyBase64()))
        .anyMatch(p -> p.startsWith("seq 2: hash mismatch"));
  }

  @Test
  void anEntrySignatureRemovedOrFromAnotherKeyIsCaughtOffline() throws Exception {
    EvidenceSigner other = new EvidenceSigner("", "", dir.resolve("other.key").toString());
    List<EvidenceEntry> entries = new ArrayList<>(bundle.entries());
    EvidenceEntry e = entries.get(1);
    entries.set(
        1,
        new EvidenceEntry(
            e.releaseId(),
            e.seq(),
            e.type(),
            e.actor(),
            e.recordedAt(),
            e.payload(),
            e.previousHash(),
            e.hash(),
            other.signEntry(e.releaseId(), e.seq(), e.hash())));
    assertThat(EvidenceSigner.verify(withEntries(entries), signer.publicKeyBase64()))
        .containsExactly(
            "seq 2: signature does not verify with the evidence signing key (the entry was forged or re-hashed)");
    entries.set(
        1,
        new EvidenceEntry(
            e.releaseId(),
            e.seq(),
            e.type(),
            e.actor(),
            e.recordedAt(),
            e.payload(),
            e.previousHash(),
            e.hash(),
            null));
    Path file = dir.resolve("unsigned-entry.json");
    Files.write(file, JSON.writeValueAsBytes(withEntries(entries)));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    assertThat(
            VerifyEvidenceBundle.run(
                new String[] {file.toString(), signer.publicKeyBase64()},
                new PrintStream(out, true, StandardCharsets.UTF_8)))
        .isOne();
    assertThat(out.toString(StandardCharsets.UTF_8)).contains("seq 2: not signed");
  }

  @Test
  void entriesCutOffAtTheEndAreCaughtByTheSignature() {
    List<EvidenceEntry> cut = bundle.entries().subList(0, 2);
    assertThat(EvidenceLog.verifyChain(cut, signer.publicKey()).valid())
        .as("the shortened chain is consistent in itself")
        .isTrue();
    assertThat(EvidenceSigner.verify(withEntries(cut), signer.publicKeyBase64()))
        .anyMatch(p -> p.contains("signed content does not match"));
  }

  @Test
  void anotherKeyOrAForgedSignatureIsRefused() throws Exception {
    EvidenceSigner other = new EvidenceSigner("", "", dir.resolve("other.key").toString());
    assertThat(EvidenceSigner.verify(bundle, other.publicKeyBase64()))
        .contains("the signature does not verify with the trusted public key");
    EvidenceBundle resigned = bundle.withSignature(other.sign(bundle));
    assertThat(EvidenceSigner.verify(resigned, signer.publicKeyBase64())).isNotEmpty();
    Path file = dir.resolve("forged.json");
    Files.write(file, JSON.writeValueAsBytes(resigned));
    assertThat(
            VerifyEvidenceBundle.run(
                new String[] {file.toString(), signer.publicKeyBase64()},
                new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8)))
        .isOne();
  }

  @Test
  void configuredKeysThatDoNotBelongTogetherAreRefused() throws Exception {
    KeyPair one = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    KeyPair two = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Base64.Encoder base64 = Base64.getEncoder();
    EvidenceSigner configured =
        new EvidenceSigner(
            base64.encodeToString(one.getPrivate().getEncoded()),
            base64.encodeToString(one.getPublic().getEncoded()),
            dir.resolve("unused.key").toString());
    assertThat(configured.publicKeyBase64())
        .isEqualTo(base64.encodeToString(one.getPublic().getEncoded()));
    assertThat(Files.exists(dir.resolve("unused.key"))).isFalse();
    assertThatThrownBy(
            () ->
                new EvidenceSigner(
                    base64.encodeToString(one.getPrivate().getEncoded()),
                    base64.encodeToString(two.getPublic().getEncoded()),
                    ""))
        .hasMessage("countersign.evidence.signing.public-key does not belong to the private key");
  }

  /**
   * Signatures are standard Ed25519 (RFC 8032): the JDK's implementation, which an auditor's own
   * tools may use, verifies ours and produces the very same bytes, and ours accepts only those.
   */
  @Test
  void signaturesAreTheJdksEd25519ByteForByte() throws Exception {
    KeyPair pair = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    Base64.Encoder base64 = Base64.getEncoder();
    EvidenceSigner configured =
        new EvidenceSigner(
            base64.encodeToString(pair.getPrivate().getEncoded()),
            base64.encodeToString(pair.getPublic().getEncoded()),
            "");
    String text = EvidenceSigner.entryText("rel-ü", 7, "ab".repeat(32));
    java.security.Signature jdk = java.security.Signature.getInstance("Ed25519");
    jdk.initSign(pair.getPrivate());
    jdk.update(text.getBytes(StandardCharsets.UTF_8));
    String jdkSignature = base64.encodeToString(jdk.sign());

    String ours = configured.sign(text);
    assertThat(ours).isEqualTo(jdkSignature);
    jdk.initVerify(pair.getPublic());
    jdk.update(text.getBytes(StandardCharsets.UTF_8));
    assertThat(jdk.verify(Base64.getDecoder().decode(ours))).isTrue();

    assertThat(EvidenceSigner.verifies(pair.getPublic(), text, jdkSignature)).isTrue();
    assertThat(EvidenceSigner.verifies(pair.getPublic(), text + " ", jdkSignature)).isFalse();
    assertThat(EvidenceSigner.verifies(signer.publicKey(), text, jdkSignature)).isFalse();
    byte[] flipped = Base64.getDecoder().decode(jdkSignature);
    flipped[40] ^= 1;
    assertThat(EvidenceSigner.verifies(pair.getPublic(), text, base64.encodeToString(flipped)))
        .isFalse();
    assertThat(
            EvidenceSigner.verifies(
                pair.getPublic(), text, base64.encodeToString(Arrays.copyOf(flipped, 63))))
        .isFalse();
    assertThat(EvidenceSigner.verifies(pair.getPublic(), text, "not base64!")).isFalse();
    assertThat(EvidenceSigner.verifies(pair.getPublic(), text, null)).isFalse();
    // A key of another algorithm verifies nothing.
    KeyPair ec = KeyPairGenerator.getInstance("EC").generateKeyPair();
    assertThat(EvidenceSigner.verifies(ec.getPublic(), text, jdkSignature)).isFalse();
  }

  @Test
  void theKeyFileIsReusedAcrossRestarts() {
    EvidenceSigner again = new EvidenceSigner("", "", dir.resolve("signing.key").toString());
    assertThat(again.publicKeyBase64()).isEqualTo(signer.publicKeyBase64());
    assertThat(EvidenceSigner.verify(bundle, again.publicKeyBase64())).isEmpty();
  }
}
