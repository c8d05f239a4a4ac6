package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.core.env.Environment;

/**
 * The shared test app takes nothing from the machine: a port the operating system chose (8080 may
 * be the README's own app in another terminal) and files only under this build's folder, never
 * ./var (a second build with another -Dbuild.dir, or the app itself, would share keys, checkpoints
 * and backups with it).
 */
@ApiAppSupport
class TestIsolationTest {
  @Autowired Environment environment;
  @LocalServerPort int port;

  @Test
  void theServerListensOnAPortTheSystemChose() {
    assertThat(port).isPositive().isNotEqualTo(8080);
    assertThat(environment.getProperty("server.port")).isEqualTo("0");
  }

  @Test
  void everyFileTheAppWritesIsUnderThisBuildsFolder() {
    String work = System.getProperty("countersign.test-work");
    // Set by surefire (pom.xml); a test run from an IDE falls back to target/test-work.
    Path root = Path.of(work == null ? "target/test-work" : work).toAbsolutePath().normalize();
    for (String property :
        List.of(
            "countersign.evidence.signing.key-file",
            "countersign.evidence.checkpoints.file",
            "countersign.backups.directory")) {
      Path path = Path.of(environment.getRequiredProperty(property)).toAbsolutePath().normalize();
      assertThat(path).as(property).startsWithRaw(root);
    }
  }
}
