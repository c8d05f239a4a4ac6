package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.hamcrest.Matchers.not;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import jakarta.servlet.RequestDispatcher;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

/**
 * {@code /error}: never 500 by itself, the real status of a forwarded error, problem+json either
 * way.
 */
@ApiAppSupport
class ErrorEndpointTest {
  @LocalServerPort int port;
  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void aDirectRequestToErrorIsNotFound() {
    for (String user : new String[] {null, "requester"}) {
      for (Response response :
          new Response[] {
            http.get(user, "/error"),
            http.get(user, "/error?status=500"),
            http.postJson(user, "/error", Map.of("status", 500))
          }) {
        assertThat(response.status()).as(response.body()).isEqualTo(404);
        assertThat(response.contentType()).startsWith("application/problem+json");
        assertThat(response.json().path("status").asInt()).isEqualTo(404);
        assertThat(response.json().path("title").asText()).isEqualTo("Not Found");
      }
    }
  }

  @Test
  void aForwardedErrorKeepsItsStatus() {
    // Spring Security answers a missing login with sendError(401), which the container forwards to
    // /error.
    Response response = http.get(null, "/api/releases");

    assertThat(response.status()).isEqualTo(401);
    assertThat(response.contentType()).startsWith("application/problem+json");
    assertThat(response.headers().firstValue("WWW-Authenticate"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("Basic"));
    assertThat(response.json().path("status").asInt()).isEqualTo(401);
    assertThat(response.json().path("instance").asText()).isEqualTo("/api/releases");
  }

  /**
   * The container's side of a forward, played by hand: the attributes a direct request cannot
   * carry.
   */
  @Nested
  class Forwarded {
    private final MockMvc mvc =
        MockMvcBuilders.standaloneSetup(new ErrorEndpoint())
            .addPlaceholderValue("server.error.path", "/error")
            .build();

    @Test
    void aServerErrorSaysNothingOfItsCause() throws Exception {
      mvc.perform(
              get("/error")
                  .requestAttr(RequestDispatcher.ERROR_STATUS_CODE, 500)
                  .requestAttr(
                      RequestDispatcher.ERROR_MESSAGE, "Cannot invoke \"java.util.List.isEmpty()\"")
                  .requestAttr(
                      RequestDispatcher.ERROR_EXCEPTION,
                      new NullPointerException("secret internals"))
                  .requestAttr(RequestDispatcher.ERROR_REQUEST_URI, "/api/evidence/verify"))
          .andExpect(status().isInternalServerError())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.status").value(500))
          .andExpect(jsonPath("$.title").value("Internal Server Error"))
          .andExpect(jsonPath("$.instance").value("/api/evidence/verify"))
          .andExpect(jsonPath("$.detail").doesNotExist())
          .andExpect(content().string(not(org.hamcrest.Matchers.containsString("isEmpty"))));
    }

    @Test
    void aClientErrorKeepsItsStatusAndMessage() throws Exception {
      mvc.perform(
              get("/error")
                  .requestAttr(RequestDispatcher.ERROR_STATUS_CODE, 403)
                  .requestAttr(RequestDispatcher.ERROR_MESSAGE, "Access Denied")
                  .requestAttr(RequestDispatcher.ERROR_REQUEST_URI, "/engine-rest/task"))
          .andExpect(status().isForbidden())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.detail").value("Access Denied"))
          .andExpect(jsonPath("$.instance").value("/engine-rest/task"));
    }

    @Test
    void aStatusThatIsNoErrorBecomes500() throws Exception {
      mvc.perform(get("/error").requestAttr(RequestDispatcher.ERROR_STATUS_CODE, 999))
          .andExpect(status().isInternalServerError());
      mvc.perform(
              get("/error")
                  .requestAttr(RequestDispatcher.ERROR_STATUS_CODE, 200)
                  .requestAttr(RequestDispatcher.ERROR_REQUEST_URI, "/not a uri|"))
          .andExpect(status().isInternalServerError())
          .andExpect(jsonPath("$.status").value(500));
    }

    @Test
    void withoutAForwardedStatusItIsNotFound() throws Exception {
      mvc.perform(get("/error").requestAttr(RequestDispatcher.ERROR_STATUS_CODE, "500"))
          .andExpect(status().isNotFound())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }
  }
}
