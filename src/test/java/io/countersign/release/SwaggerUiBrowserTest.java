package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Swagger UI in a real browser behind HTTP Basic (e2e/swagger-ui.mjs, playwright-core on Debian's
 * chromium, like the other browser tests): refused without credentials; with the credentials a
 * person types into the browser's prompt it loads the document, lists every operation, and "Try it
 * out" reaches the API with the same login.
 */
@ApiAppSupport
class SwaggerUiBrowserTest {
  private static final Path E2E = Path.of("e2e");
  private static final Path CHROMIUM =
      Path.of(System.getProperty("countersign.chromium", "/usr/bin/chromium"));

  @LocalServerPort int port;

  @Test
  void theUiWorksBehindHttpBasic() throws Exception {
    requireTools();
    JsonNode page = open("requester", HttpSupport.DEMO_PASSWORD);
    assertThat(page.path("anonymousStatus").asText()).isEqualTo("login asked");
    assertThat(page.path("status").asInt()).as(page.toString()).isEqualTo(200);
    assertThat(page.path("title").asText()).startsWith("Countersign API");
    assertThat(page.path("operations").asInt()).isEqualTo(ApiDocumentation.OPERATIONS.size());
    assertThat(page.path("failed")).as("requests the UI made that failed").isEmpty();
    assertThat(page.path("tryItOut").asText()).isEqualTo("200");
  }

  private JsonNode open(String user, String password) throws Exception {
    Path artifacts = artifacts();
    Files.createDirectories(artifacts);
    Path log = artifacts.resolve("swagger-ui-driver.log");
    Process node =
        new ProcessBuilder(
                "node",
                "swagger-ui.mjs",
                "--base-url",
                "http://localhost:" + port,
                "--artifacts",
                artifacts.toAbsolutePath().toString(),
                "--user",
                user,
                "--password",
                password,
                "--chromium",
                CHROMIUM.toString())
            .directory(E2E.toFile())
            .redirectError(log.toFile())
            .start();
    node.getOutputStream().close();
    String out = new String(node.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    if (!node.waitFor(3, TimeUnit.MINUTES)) {
      node.destroyForcibly();
      fail("e2e/swagger-ui.mjs did not end within 3 minutes; log " + log);
    }
    assertThat(node.exitValue()).as("exit code; log %s: %s", log, read(log)).isZero();
    JsonNode reply = HttpSupport.JSON.readTree(out);
    if (!reply.path("ok").asBoolean()) {
      fail("swagger-ui.mjs: " + reply.path("error").asText() + "\n" + reply + "\n" + read(log));
    }
    return reply;
  }

  private static String read(Path log) {
    try {
      return Files.exists(log) ? Files.readString(log) : "";
    } catch (IOException unreadable) {
      return "(unreadable: " + unreadable + ")";
    }
  }

  private static Path artifacts() throws URISyntaxException {
    return Path.of(
            SwaggerUiBrowserTest.class.getProtectionDomain().getCodeSource().getLocation().toURI())
        .getParent()
        .resolve("browser-tests");
  }

  private static void requireTools() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(CHROMIUM + " is missing: install Debian's chromium (.ci/run does).");
    }
    if (!Files.isDirectory(E2E.resolve("node_modules/playwright-core"))) {
      fail("e2e/node_modules is missing: run 'npm ci' in e2e/ (.ci/run does).");
    }
  }
}
