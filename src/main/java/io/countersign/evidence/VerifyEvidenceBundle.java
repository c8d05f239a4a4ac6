package io.countersign.evidence;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Offline check of an exported evidence bundle, for auditors: no server, no database. {@code java
 * -cp countersign.jar -Dloader.main=io.countersign.evidence.VerifyEvidenceBundle
 * org.springframework.boot.loader.launch.PropertiesLauncher bundle.json <public key, base64>}
 * Checks every link and hash of the chain, every entry's signature and the bundle's signature
 * against that key. Exit code 0 when the bundle is intact and signed by that key, 1 otherwise.
 */
public final class VerifyEvidenceBundle {
  private static final ObjectMapper JSON =
      JsonMapper.builder()
          .findAndAddModules()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .build();

  private VerifyEvidenceBundle() {}

  public static void main(String[] args) throws IOException {
    System.exit(run(args, System.out));
  }

  static int run(String[] args, PrintStream out) throws IOException {
    if (args.length != 2) {
      out.println("usage: VerifyEvidenceBundle <bundle.json> <public key, base64 DER>");
      return 2;
    }
    EvidenceBundle bundle =
        JSON.readValue(Files.readAllBytes(Path.of(args[0])), EvidenceBundle.class);
    List<String> problems = EvidenceSigner.verify(bundle, args[1]);
    if (problems.isEmpty()) {
      out.printf(
          "VALID: release %s, %d entries (each signed), last hash %s, signed by key %s%n",
          bundle.releaseId(),
          bundle.entries().size(),
          bundle.entries().isEmpty()
              ? "-"
              : bundle.entries().get(bundle.entries().size() - 1).hash(),
          bundle.signature().keyId());
      return 0;
    }
    out.println("INVALID: release " + bundle.releaseId());
    problems.forEach(p -> out.println("  - " + p));
    return 1;
  }
}
