package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.camunda.bpm.engine.authorization.Authorization.AUTH_TYPE_GRANT;

import io.countersign.ApiAppSupport;
import io.countersign.identity.LoopbackHttp.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * Wrong-password storms over real HTTP from one loopback address (127.0.0.x) while the account's
 * owner logs in from another. Each test uses addresses no other test uses: the throttle lives as
 * long as the shared app.
 */
@ApiAppSupport
class LoginThrottleApiTest {
  private static final String PASSWORD = "owner-password-1";
  private static final String WRONG = "guess-password-1";
  private static final Map<String, String> FORM =
      Map.of("Content-Type", "application/x-www-form-urlencoded");

  @LocalServerPort int port;
  @Autowired IdentityService identity;
  @Autowired AuthorizationService authorizations;
  @Autowired LoginThrottleSettings settings;

  private LoopbackHttp http;
  private String owner;

  @BeforeEach
  void ownerWithTasklistAccess() {
    LoopbackHttp.assumeLoopbackAddresses();
    http = new LoopbackHttp(port);
    owner = "throttle-owner-" + UUID.randomUUID().toString().substring(0, 8);
    User user = identity.newUser(owner);
    user.setPassword(PASSWORD);
    identity.saveUser(user);
    Authorization tasklist = authorizations.createNewAuthorization(AUTH_TYPE_GRANT);
    tasklist.setUserId(owner);
    tasklist.setResource(Resources.APPLICATION);
    tasklist.setResourceId("tasklist");
    tasklist.addPermission(Permissions.ACCESS);
    authorizations.saveAuthorization(tasklist);
  }

  @Test
  void aStormOfWrongPasswordsFromOneAddressLeavesTheOwnerFreeFromAnother() {
    List<Integer> statuses = new ArrayList<>();
    Reply refused = null;
    for (int i = 0; i < 30; i++) {
      Reply reply =
          http.get(
              "127.0.0.2",
              "/api/releases",
              Map.of("Authorization", LoopbackHttp.basic(owner, WRONG)));
      statuses.add(reply.status());
      if (reply.status() == 429 && refused == null) {
        refused = reply;
      }
    }

    // The free failures, one more attempt (its failure starts the wait), then nothing but 429.
    int admitted = settings.freeFailures() + 1;
    assertThat(statuses.subList(0, admitted)).containsOnly(401);
    assertThat(statuses.subList(admitted, statuses.size())).containsOnly(429);
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(Long.parseLong(refused.header("Retry-After"))).isBetween(1L, 60L);
    assertThat(refused.json().path("status").asInt()).isEqualTo(429);
    assertThat(refused.json().path("title").asText()).isEqualTo("Too many failed logins");

    // The owner, elsewhere, is not locked out: API and engine REST.
    assertThat(http.get("127.0.0.3", "/api/releases", owner(PASSWORD)).status()).isEqualTo(200);
    assertThat(http.get("127.0.0.3", "/engine-rest/task?maxResults=1", owner(PASSWORD)).status())
        .isEqualTo(200);

    // The storming address waits whatever it sends, the right password included, on every login
    // surface.
    assertThat(http.get("127.0.0.2", "/api/releases", owner(PASSWORD)).status()).isEqualTo(429);
    assertThat(http.get("127.0.0.2", "/engine-rest/task?maxResults=1", owner(PASSWORD)).status())
        .isEqualTo(429);
    assertThat(webappLogin("127.0.0.2", owner, PASSWORD).status()).isEqualTo(429);
    // Without credentials there is no password to guess: an ordinary 401.
    assertThat(http.get("127.0.0.2", "/api/releases", Map.of()).status()).isEqualTo(401);
  }

  @Test
  void engineRestBasicIsThrottledAlike() {
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      statuses.add(http.get("127.0.0.4", "/engine-rest/task?maxResults=1", owner(WRONG)).status());
    }

    assertThat(statuses)
        .startsWith(Collections.nCopies(settings.freeFailures() + 1, 401).toArray(Integer[]::new))
        .endsWith(429);
    assertThat(http.get("127.0.0.5", "/engine-rest/task?maxResults=1", owner(PASSWORD)).status())
        .isEqualTo(200);
  }

  @Test
  void theWebappLoginIsThrottledAlike() {
    List<Integer> statuses = new ArrayList<>();
    Reply refused = null;
    for (int i = 0; i < 10; i++) {
      Reply reply = webappLogin("127.0.0.6", owner, WRONG);
      statuses.add(reply.status());
      refused = reply.status() == 429 ? reply : refused;
    }

    assertThat(statuses)
        .startsWith(Collections.nCopies(settings.freeFailures() + 1, 401).toArray(Integer[]::new))
        .endsWith(429);
    assertThat(refused.header("Retry-After")).isNotBlank();
    assertThat(refused.header("Content-Type")).startsWith("application/problem+json");
    assertThat(webappLogin("127.0.0.7", owner, PASSWORD).status()).isEqualTo(200);
    // One count per address across login surfaces: the webapp storm also holds back HTTP Basic.
    assertThat(http.get("127.0.0.6", "/api/releases", owner(PASSWORD)).status()).isEqualTo(429);
  }

  @Test
  void aSuccessStartsTheCountOverAndARefusalBeforeAnyPasswordDoesNot() {
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < settings.freeFailures(); i++) {
        assertThat(http.get("127.0.0.8", "/api/releases", owner(WRONG)).status()).isEqualTo(401);
      }
      assertThat(http.get("127.0.0.8", "/api/releases", owner(PASSWORD)).status()).isEqualTo(200);
    }

    // A webapp login refused by its CSRF check (no token) checked no password, so it does not
    // forgive the failures before it; past the free failures it was the one attempt of this wait.
    for (int i = 0; i < settings.freeFailures(); i++) {
      assertThat(webappLogin("127.0.0.9", owner, WRONG).status()).isEqualTo(401);
    }
    Reply withoutToken = http.send("127.0.0.9", "POST", loginPath(), FORM, body(owner, PASSWORD));
    assertThat(withoutToken.status()).isEqualTo(403);
    assertThat(webappLogin("127.0.0.9", owner, PASSWORD).status()).isEqualTo(429);
  }

  @Test
  void theEngineNoLongerLocksAnAccountAfterFailedLogins() {
    // Past the engine's default of 10 failed attempts, from addresses that each stay within their
    // free failures.
    for (String from : List.of("127.0.0.10", "127.0.0.11", "127.0.0.12")) {
      for (int i = 0; i < settings.freeFailures(); i++) {
        assertThat(http.get(from, "/api/releases", owner(WRONG)).status()).isEqualTo(401);
      }
    }
    assertThat(http.get("127.0.0.13", "/api/releases", owner(PASSWORD)).status()).isEqualTo(200);

    for (int i = 0; i < 20; i++) {
      assertThat(identity.checkPassword(owner, WRONG)).isFalse();
    }
    assertThat(identity.checkPassword(owner, PASSWORD)).isTrue();
  }

  private Map<String, String> owner(String password) {
    return Map.of("Authorization", LoopbackHttp.basic(owner, password));
  }

  private static String loginPath() {
    return "/camunda/api/admin/auth/user/default/login/tasklist";
  }

  /** As Tasklist does it: fetch a CSRF token with the session, then post the form with both. */
  private Reply webappLogin(String from, String user, String password) {
    Reply page = http.get(from, "/camunda/app/tasklist/default/", Map.of());
    String token = page.header("X-XSRF-TOKEN");
    List<String> cookies = new ArrayList<>();
    for (String cookie : page.cookies()) {
      cookies.add(cookie.substring(0, cookie.indexOf(';')));
    }
    Map<String, String> headers = new LinkedHashMap<>(FORM);
    headers.put("X-XSRF-TOKEN", token == null ? "" : token);
    headers.put("Cookie", String.join("; ", cookies));
    return http.send(from, "POST", loginPath(), headers, body(user, password));
  }

  private static byte[] body(String user, String password) {
    return ("username="
            + URLEncoder.encode(user, StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8))
        .getBytes(StandardCharsets.UTF_8);
  }
}
