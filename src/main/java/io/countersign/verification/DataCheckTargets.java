package io.countersign.verification;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The connection settings of the database targets ({@code countersign.targets.databases.<name>}), the same
 * configuration the database capability migrates with; data checks only read through them. Credentials stay here.
 */
@ConfigurationProperties("countersign.targets")
record DataCheckTargets(Map<String, Database> databases) {

  DataCheckTargets {
    databases = databases == null ? Map.of() : Map.copyOf(databases);
  }

  /** One target's connection; the other keys of a database target (migration roots, backup) are not needed here. */
  record Database(String mode, String url, String username, String password, String passwordFile) {

    boolean live() {
      return "live".equals(mode);
    }

    boolean postgres() {
      return url != null && url.startsWith("jdbc:postgresql:");
    }

    /** Read each time, as the database capability does, so a rotated secret needs no restart. */
    String secret() {
      if (passwordFile == null || passwordFile.isBlank()) {
        return password;
      }
      try {
        return Files.readString(Path.of(passwordFile), StandardCharsets.UTF_8).strip();
      } catch (IOException e) {
        throw new IllegalStateException("cannot read the password-file of a database target: " + e.getMessage(), e);
      }
    }

    @Override
    public String toString() { // keeps the password out of logs
      return "Database[mode=" + mode + ", url=" + url + "]";
    }
  }
}
