package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.countersign.ApiAppSupport;
import io.countersign.ManifestFixture;
import io.countersign.identity.LoopbackHttp.Reply;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The release console's door, over real HTTP: a login page for people (CSRF-protected, throttled
 * like every other login), HTTP Basic for scripts, 401 rather than a redirect for its JSON, a CSRF
 * token on every change (a request without one changes nothing), a console session that opens
 * nothing else (not the API, not engine REST), and the API's read rules under its addresses.
 * Addresses 127.0.0.20-21 are this class's own: the login throttle lives as long as the shared app.
 */
@ApiAppSupport
class ConsoleSecurityTest {
  private static final String FROM = "127.0.0.20";
  private static final String STORM = "127.0.0.21";
  private static final String JSON = "application/json";

  @LocalServerPort int port;
  @Autowired IdentityService identity;
  @Autowired JdbcTemplate jdbc;
  @Autowired LoginThrottleSettings throttle;

  private LoopbackHttp http;

  @BeforeEach
  void client() {
    LoopbackHttp.assumeLoopbackAddresses();
    http = new LoopbackHttp(port);
  }

  @Test
  void pagesSendPeopleToTheLoginPageAndTheJsonAnswers401() {
    Reply page = http.get(FROM, "/console/", Map.of("Accept", "text/html"));
    assertThat(page.status()).isEqualTo(302);
    assertThat(page.header("Location")).endsWith("/console/login");

    Reply json = http.get(FROM, "/console/api/releases", Map.of());
    assertThat(json.status()).isEqualTo(401);
    assertThat(json.header("Location")).isNull();

    Reply login = http.get(FROM, "/console/login", Map.of("Accept", "text/html"));
    assertThat(login.status()).isEqualTo(200);
    assertThat(login.body()).contains("action=\"/console/login\"");
    assertThat(login.cookies()).anyMatch(c -> c.startsWith("XSRF-TOKEN="));
    assertThat(login.header("Content-Security-Policy"))
        .contains("default-src 'self'")
        .contains("frame-ancestors 'none'");
    assertThat(http.get(FROM, "/console/assets/console.js", Map.of()).status()).isEqualTo(200);
  }

  @Test
  void aLoginNeedsItsCsrfTokenAndTheRightPassword() {
    Session anonymous = Session.start(http);
    Reply forged =
        http.send(
            FROM,
            "POST",
            "/console/login",
            anonymous.headers(false, "application/x-www-form-urlencoded"),
            form(Map.of("username", "requester", "password", "demo")));
    assertThat(forged.status()).as("a login without the token (login CSRF)").isEqualTo(403);

    Reply wrong = anonymous.logIn("requester", "not-the-password");
    assertThat(wrong.status()).isEqualTo(302);
    assertThat(wrong.header("Location")).endsWith("/console/login?error");

    Session requester = Session.loggedIn(http, "requester", "demo");
    Reply me = http.get(FROM, "/console/api/me", requester.headers(false, null));
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.json().path("user").asText()).isEqualTo("requester");
    assertThat(me.json().path("environments").toString()).contains("production");

    Reply out =
        http.send(
            FROM,
            "POST",
            "/console/logout",
            requester.headers(false, "application/x-www-form-urlencoded"),
            form(Map.of("_csrf", requester.csrf)));
    assertThat(out.status()).as("204 for a script, 302 for a browser").isIn(204, 302);
    assertThat(http.get(FROM, "/console/api/me", requester.headers(false, null)).status())
        .as("the session after logging out")
        .isEqualTo(401);
  }

  @Test
  void aChangeWithoutTheCsrfTokenIsRefusedAndChangesNothing() {
    String release = submit("requester");
    Session requester = Session.loggedIn(http, "requester", "demo");
    byte[] reason = "{\"reason\":\"forged by another site\"}".getBytes(StandardCharsets.UTF_8);
    String cancel = "/console/api/releases/" + release + "/cancel";

    Reply noToken = http.send(FROM, "POST", cancel, requester.headers(false, JSON), reason);
    Map<String, String> wrongToken = requester.headers(false, JSON);
    wrongToken.put("X-XSRF-TOKEN", UUID.randomUUID().toString());
    Reply forged = http.send(FROM, "POST", cancel, wrongToken, reason);

    assertThat(noToken.status()).isEqualTo(403);
    assertThat(forged.status()).isEqualTo(403);
    assertThat(status(release)).isNotEqualTo("cancelled");
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_evidence WHERE release_id = ? AND payload LIKE ?",
                Integer.class,
                release,
                "%forged by another site%"))
        .isZero();

    Reply real =
        http.send(
            FROM,
            "POST",
            cancel,
            requester.headers(true, JSON),
            "{\"reason\":\"superseded\"}".getBytes(StandardCharsets.UTF_8));
    assertThat(real.status()).as(real.body()).isEqualTo(202);
    assertThat(status(release)).isEqualTo("cancelled");
  }

  @Test
  void aConsoleSessionOpensNeitherTheApiNorEngineRest() {
    Session admin = Session.loggedIn(http, "admin", "demo");
    assertThat(http.get(FROM, "/api/releases", admin.headers(false, null)).status()).isEqualTo(401);
    assertThat(http.get(FROM, "/engine-rest/task/count", admin.headers(false, null)).status())
        .isEqualTo(401);
    assertThat(
            http.get(
                    FROM,
                    "/camunda/api/engine/engine/default/task/count",
                    admin.headers(false, null))
                .status())
        .as("the webapps' API: their own login")
        .isEqualTo(401);
  }

  @Test
  void httpBasicWorksOnTheConsoleApiAndReadsFollowTheApiRules() {
    String other = "console-requester-" + UUID.randomUUID().toString().substring(0, 8);
    User user = identity.newUser(other);
    user.setPassword("other-password-1");
    identity.saveUser(user);
    identity.createMembership(other, Groups.REQUESTERS);
    String release = submit("requester");

    Map<String, String> asOther =
        Map.of("Authorization", LoopbackHttp.basic(other, "other-password-1"));
    for (String path :
        List.of("", "/diff", "/diagram", "/evidence", "/evidence/verify", "/manifest")) {
      Reply refused = http.get(FROM, "/console/api/releases/" + release + path, asOther);
      assertThat(refused.status()).as(path + ": " + refused.body()).isEqualTo(403);
    }
    assertThat(http.get(FROM, "/console/api/releases", asOther).json().path("total").asLong())
        .as("another requester's list")
        .isZero();

    Map<String, String> asRequester =
        Map.of("Authorization", LoopbackHttp.basic("requester", "demo"));
    Reply own = http.get(FROM, "/console/api/releases/" + release, asRequester);
    assertThat(own.status()).isEqualTo(200);
    assertThat(own.json().path("actions").toString()).contains("cancel").contains("override");
    Reply approver =
        http.get(
            FROM,
            "/console/api/releases/" + release,
            Map.of("Authorization", LoopbackHttp.basic("tech-lead", "demo")));
    assertThat(approver.json().path("actions")).as("a tech lead may only sign").isEmpty();
    Reply manager =
        http.get(
            FROM,
            "/console/api/releases/" + release,
            Map.of("Authorization", LoopbackHttp.basic("release-manager", "demo")));
    assertThat(manager.json().path("actions").toString()).isEqualTo("[\"cancel\"]");

    http.send(
        FROM,
        "POST",
        "/api/releases/" + release + "/cancel",
        Map.of("Authorization", LoopbackHttp.basic("requester", "demo"), "Content-Type", JSON),
        "{\"reason\":\"test over\"}".getBytes(StandardCharsets.UTF_8));
  }

  @Test
  void theConsoleLoginIsThrottledLikeEveryOtherLogin() {
    Session anonymous = Session.start(http, STORM);
    int refusedAt = -1;
    for (int i = 0; i < throttle.freeFailures() + 3 && refusedAt < 0; i++) {
      if (anonymous.logIn("requester", "guess-" + i).status() == 429) {
        refusedAt = i;
      }
    }
    assertThat(refusedAt).isEqualTo(throttle.freeFailures() + 1);
    // Even the right password waits: nothing is checked while the client is throttled.
    assertThat(anonymous.logIn("requester", "demo").status()).isEqualTo(429);
    // Another address is not affected.
    assertThat(Session.start(http).logIn("requester", "demo").header("Location"))
        .endsWith("/console/");
  }

  private String submit(String requester) {
    byte[] manifest =
        ManifestFixture.json(
            ManifestFixture.withVersion(
                ManifestFixture.staging(), ManifestFixture.freshVersion("console-security")));
    Reply submitted =
        http.send(
            FROM,
            "POST",
            "/api/releases",
            Map.of("Authorization", LoopbackHttp.basic(requester, "demo"), "Content-Type", JSON),
            manifest);
    assertThat(submitted.status()).as(submitted.body()).isEqualTo(201);
    String release = submitted.json().path("id").asText();
    await(release + " past its evidence check")
        .atMost(Duration.ofMinutes(1))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> status(release), "awaiting-sign-off"::equals);
    return release;
  }

  private String status(String release) {
    return jdbc.queryForObject("SELECT status FROM cs_release WHERE id = ?", String.class, release);
  }

  private static byte[] form(Map<String, String> fields) {
    StringBuilder body = new StringBuilder();
    fields.forEach(
        (name, value) ->
            body.append(body.isEmpty() ? "" : "&")
                .append(name)
                .append('=')
                .append(URLEncoder.encode(value, StandardCharsets.UTF_8)));
    return body.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** A browser's cookies for the console: the session and the CSRF token it echoes. */
  private static final class Session {
    private final LoopbackHttp http;
    private final String from;
    private final Map<String, String> cookies = new LinkedHashMap<>();
    private String csrf;

    private Session(LoopbackHttp http, String from) {
      this.http = http;
      this.from = from;
    }

    static Session start(LoopbackHttp http) {
      return start(http, FROM);
    }

    static Session start(LoopbackHttp http, String from) {
      Session session = new Session(http, from);
      session.keep(http.get(from, "/console/login", Map.of("Accept", "text/html")));
      return session;
    }

    static Session loggedIn(LoopbackHttp http, String user, String password) {
      Session session = start(http);
      Reply reply = session.logIn(user, password);
      assertThat(reply.header("Location")).as(reply.toString()).endsWith("/console/");
      // The token is renewed at login; the next page hands out the new one.
      session.keep(http.get(FROM, "/console/", session.headers(false, null)));
      return session;
    }

    Reply logIn(String user, String password) {
      Reply reply =
          http.send(
              from,
              "POST",
              "/console/login",
              headers(false, "application/x-www-form-urlencoded"),
              form(Map.of("username", user, "password", password, "_csrf", csrf)));
      keep(reply);
      return reply;
    }

    Map<String, String> headers(boolean withToken, String contentType) {
      Map<String, String> headers = new HashMap<>();
      headers.put(
          "Cookie",
          String.join(
              "; ",
              cookies.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList()));
      if (withToken) {
        headers.put("X-XSRF-TOKEN", csrf);
      }
      if (contentType != null) {
        headers.put("Content-Type", contentType);
      }
      return headers;
    }

    private void keep(Reply reply) {
      for (String cookie : reply.cookies()) {
        String pair = cookie.split(";", 2)[0];
        int eq = pair.indexOf('=');
        String value = pair.substring(eq + 1);
        cookies.put(pair.substring(0, eq), value);
        if (pair.startsWith("XSRF-TOKEN=") && !value.isEmpty()) {
          csrf = value;
        }
      }
    }
  }
}
