package io.countersign.evidence;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.util.Base64;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mock.env.MockEnvironment;

/**
 * Every node signs with the one configured key: production refuses to start without it, and no
 * profile accepts half a key pair or a public key of another pair.
 */
class SigningKeyGuardTest {
  @TempDir Path dir;
  private KeyPair one;
  private KeyPair two;

  @BeforeEach
  void keys() throws Exception {
    one = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    two = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
  }

  private EvidenceSigner start(String profile, String privateKey, String publicKey) {
    MockEnvironment environment = new MockEnvironment();
    environment.setActiveProfiles(profile);
    return new EvidenceSigner(
        privateKey, publicKey, dir.resolve("node.key").toString(), environment);
  }

  private static String base64(byte[] der) {
    return Base64.getEncoder().encodeToString(der);
  }

  @Test
  void productionRefusesToStartWithoutAConfiguredKeyAndMakesNoKeyFile() {
    assertThatThrownBy(() -> start("production", "", " "))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("countersign.evidence.signing.private-key")
        .hasMessageContaining("countersign.evidence.signing.public-key")
        .hasMessageContaining("on every node");
    assertThat(Files.exists(dir.resolve("node.key"))).isFalse();
  }

  @Test
  void halfAKeyPairIsRefusedInEveryProfile() {
    for (String profile : new String[] {"production", "demo"}) {
      assertThatThrownBy(() -> start(profile, base64(one.getPrivate().getEncoded()), ""))
          .as(profile)
          .hasMessage(
              "Set both countersign.evidence.signing.private-key and countersign.evidence.signing.public-key,"
                  + " or neither");
      assertThatThrownBy(() -> start(profile, "", base64(one.getPublic().getEncoded())))
          .as(profile)
          .hasMessageContaining("or neither");
    }
    assertThat(Files.exists(dir.resolve("node.key"))).isFalse();
  }

  @Test
  void productionRefusesAPublicKeyOfAnotherPair() {
    assertThatThrownBy(
            () ->
                start(
                    "production",
                    base64(one.getPrivate().getEncoded()),
                    base64(two.getPublic().getEncoded())))
        .hasMessage("countersign.evidence.signing.public-key does not belong to the private key");
  }

  @Test
  void nodesConfiguredWithOnePairSignWithOneKeyId() {
    EvidenceSigner first =
        start(
            "production",
            base64(one.getPrivate().getEncoded()),
            base64(one.getPublic().getEncoded()));
    EvidenceSigner second =
        start(
            "production",
            " " + base64(one.getPrivate().getEncoded()) + "\n",
            base64(one.getPublic().getEncoded()));
    assertThat(second.keyId()).isEqualTo(first.keyId()).hasSize(16);
    String text = EvidenceSigner.entryText("models", 1, "ab".repeat(32));
    assertThat(EvidenceSigner.verifies(first.publicKey(), text, second.sign(text))).isTrue();
    assertThat(Files.exists(dir.resolve("node.key"))).isFalse();
  }

  @Test
  void theEmbeddedDefaultStillMakesItsKeyFile() {
    EvidenceSigner signer = start("demo", "", "");
    assertThat(Files.exists(dir.resolve("node.key"))).isTrue();
    assertThat(start("demo", "", "").keyId()).isEqualTo(signer.keyId());
  }
}
