package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.node.ObjectNode;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import io.countersign.ApiAppSupport;
import io.countersign.ManifestFixture;
import io.countersign.TestIdentityProvider;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * OIDC bearer tokens (JWKS served over real HTTP by WireMock): groups come from the token's claim.
 */
@ApiAppSupport
class OidcTest {
  private static final String ISSUER = TestIdentityProvider.ISSUER;
  private final HttpClient client = HttpClient.newHttpClient();
  @LocalServerPort int port;

  private static String token(String issuer, String user, List<String> groups, Instant expires) {
    return TestIdentityProvider.token(issuer, user, groups, expires);
  }

  private HttpResponse<String> call(String method, String path, String token, byte[] body)
      throws Exception {
    HttpRequest.Builder r =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Authorization", "Bearer " + token)
            .header("Content-Type", "application/json");
    r.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(body));
    return client.send(r.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void aValidTokenCarriesTheUserAndTheirGroupsIntoTheApiAndTheEngine() throws Exception {
    Instant in5min = Instant.now().plusSeconds(300);
    ObjectNode m =
        ManifestFixture.withVersion(
            ManifestFixture.staging(), ManifestFixture.freshVersion("oidc"));
    HttpResponse<String> submitted =
        call(
            "POST",
            "/api/releases",
            token(ISSUER, "pipeline-bot", List.of("release-requesters"), in5min),
            ManifestFixture.json(m));
    assertThat(submitted.statusCode()).as(submitted.body()).isEqualTo(201);
    String id = submitted.body().replaceAll(".*\"id\":\"([^\"]+)\".*", "$1");

    // The sign-off tasks exist once the pre-deployment checkpoint, an asynchronous step, passed.
    HttpResponse<String> tasks =
        await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(50))
            .until(
                () ->
                    call(
                        "GET",
                        "/engine-rest/task?maxResults=10&processInstanceBusinessKey=" + id,
                        token(ISSUER, "dana", List.of("qa-leads"), in5min),
                        null),
                r -> r.statusCode() != 200 || r.body().contains("Approve release"));
    assertThat(tasks.statusCode()).as(tasks.body()).isEqualTo(200);
    assertThat(tasks.body()).contains("Approve release");
    assertThat(
            call(
                    "GET",
                    "/api/releases/" + id,
                    token(ISSUER, "pipeline-bot", List.of("release-requesters"), in5min),
                    null)
                .body())
        .contains("\"requester\":\"pipeline-bot\"");

    HttpResponse<String> noGroups =
        call(
            "POST",
            "/api/releases",
            token(ISSUER, "eve", List.of(), in5min),
            ManifestFixture.json(m));
    assertThat(noGroups.statusCode()).isEqualTo(403);
  }

  @Test
  void expiredForeignOrForgedTokensAreRefused() throws Exception {
    RSAKey other = new RSAKeyGenerator(2048).keyID("test-key").generate();
    for (String bad :
        List.of(
            token(
                ISSUER,
                "pipeline-bot",
                List.of("release-requesters"),
                Instant.now().minusSeconds(600)),
            token(
                "https://evil.invalid",
                "pipeline-bot",
                List.of("release-requesters"),
                Instant.now().plusSeconds(300)),
            TestIdentityProvider.sign(
                other,
                ISSUER,
                "pipeline-bot",
                List.of("release-requesters"),
                Instant.now().plusSeconds(300)),
            "not-a-jwt")) {
      assertThat(call("GET", "/api/releases", bad, null).statusCode()).isEqualTo(401);
      assertThat(call("GET", "/engine-rest/task?maxResults=1", bad, null).statusCode())
          .isEqualTo(401);
    }
  }
}
