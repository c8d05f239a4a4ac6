package io.countersign;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.CookieManager;
import java.net.HttpCookie;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * A signed-in session of the Camunda webapps, speaking to their API as the browser does: form
 * login, the session cookie, and the CSRF token echoed in a header.
 */
public final class WebappSession {
  private final CookieManager cookies = new CookieManager();
  private final HttpClient client;
  private final String base;
  private String csrfToken;

  public WebappSession(int port, String app, String user, String password) {
    this.base = "http://localhost:" + port;
    this.client =
        HttpClient.newBuilder()
            .cookieHandler(cookies)
            .connectTimeout(Duration.ofSeconds(5))
            .build();
    send(
        HttpRequest.newBuilder(URI.create(base + "/camunda/app/" + app + "/default/"))
            .GET()); // CSRF cookie
    String form =
        "username="
            + URLEncoder.encode(user, StandardCharsets.UTF_8)
            + "&password="
            + URLEncoder.encode(password, StandardCharsets.UTF_8);
    HttpSupport.Response login =
        send(
            withCsrf(
                    HttpRequest.newBuilder(
                        URI.create(base + "/camunda/api/admin/auth/user/default/login/" + app)))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form)));
    if (login.status() != 200) {
      throw new IllegalStateException("webapp login of " + user + " failed: " + login);
    }
    // The login starts a new session, which gets its own CSRF token on its first request.
    send(HttpRequest.newBuilder(URI.create(base + "/camunda/api/admin/auth/user/default")).GET());
  }

  /**
   * A JSON POST to the webapps' API (e.g.
   * "/camunda/api/engine/engine/default/task/ID/submit-form").
   */
  public HttpSupport.Response postJson(String path, String json) {
    return send(
        withCsrf(HttpRequest.newBuilder(URI.create(base + path)))
            .header("Content-Type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(json)));
  }

  private HttpRequest.Builder withCsrf(HttpRequest.Builder request) {
    String token = csrfToken;
    for (HttpCookie cookie : cookies.getCookieStore().getCookies()) {
      if (token == null && cookie.getName().equals("XSRF-TOKEN")) {
        token = cookie.getValue();
      }
    }
    if (token != null) {
      request.setHeader("X-XSRF-TOKEN", token);
    }
    return request.header("Accept", "application/json");
  }

  private HttpSupport.Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          client.send(
              request.timeout(Duration.ofSeconds(30)).build(),
              HttpResponse.BodyHandlers.ofString());
      response.headers().firstValue("X-XSRF-TOKEN").ifPresent(token -> csrfToken = token);
      return new HttpSupport.Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
