package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.ApiAppSupport;
import io.countersign.BrowserScript;
import io.countersign.HttpSupport;
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
  @LocalServerPort int port;

  @Test
  void theUiWorksBehindHttpBasic() throws Exception {
    JsonNode page = open("requester", HttpSupport.DEMO_PASSWORD);
    assertThat(page.path("anonymousStatus").asText()).isEqualTo("login asked");
    assertThat(page.path("status").asInt()).as(page.toString()).isEqualTo(200);
    assertThat(page.path("title").asText()).startsWith("Countersign API");
    assertThat(page.path("operations").asInt()).isEqualTo(ApiDocumentation.OPERATIONS.size());
    assertThat(page.path("failed")).as("requests the UI made that failed").isEmpty();
    assertThat(page.path("tryItOut").asText()).isEqualTo("200");
  }

  private JsonNode open(String user, String password) throws Exception {
    return BrowserScript.run("swagger-ui.mjs", port, "--user", user, "--password", password);
  }
}
