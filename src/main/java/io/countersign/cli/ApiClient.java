package io.countersign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * Countersign's REST API as the command line sees it: one base URL, credentials from the
 * environment (a bearer token, or a user and password for HTTP Basic; never from the command line),
 * and every refusal turned into one line a pipeline log can show.
 */
final class ApiClient {
  static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient http =
      HttpClient.newBuilder()
          .connectTimeout(Duration.ofSeconds(10))
          .followRedirects(HttpClient.Redirect.NEVER)
          .build();
  private final String base;
  private final String authorization;

  private ApiClient(String base, String authorization) {
    this.base = base;
    this.authorization = authorization;
  }

  /**
   * A client for the URL given (or {@code COUNTERSIGN_URL}) with the environment's credentials:
   * {@code COUNTERSIGN_TOKEN} as a bearer token, else {@code COUNTERSIGN_USER} and {@code
   * COUNTERSIGN_PASSWORD} for HTTP Basic.
   */
  static ApiClient of(String url, Map<String, String> env) {
    String base = blankToNull(url);
    if (base == null) {
      base = blankToNull(env.get("COUNTERSIGN_URL"));
    }
    if (base == null) {
      throw new CliException(
          "no server: set COUNTERSIGN_URL or pass --url (e.g. https://countersign.example.org)");
    }
    while (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    if (!base.startsWith("http://") && !base.startsWith("https://")) {
      throw new CliException("--url / COUNTERSIGN_URL must start with http:// or https://");
    }
    String token = blankToNull(env.get("COUNTERSIGN_TOKEN"));
    String user = blankToNull(env.get("COUNTERSIGN_USER"));
    String password = env.get("COUNTERSIGN_PASSWORD");
    String authorization;
    if (token != null) {
      authorization = "Bearer " + token.strip();
    } else if (user != null) {
      if (password == null || password.isEmpty()) {
        throw new CliException("COUNTERSIGN_USER is set but COUNTERSIGN_PASSWORD is not");
      }
      authorization =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    } else {
      throw new CliException(
          "no credentials: set COUNTERSIGN_TOKEN, or COUNTERSIGN_USER and COUNTERSIGN_PASSWORD");
    }
    return new ApiClient(base, authorization);
  }

  String base() {
    return base;
  }

  /** A GET whose 2xx JSON body is returned; anything else is a {@link CliException}. */
  JsonNode get(String path) {
    return send(request(path).GET(), path);
  }

  JsonNode post(String path, String contentType, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request =
        request(path)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body));
    headers.forEach(request::header);
    return send(request, path);
  }

  JsonNode postJson(String path, Object body) {
    try {
      return post(path, "application/json", JSON.writeValueAsBytes(body), Map.of());
    } catch (IOException e) {
      throw new CliException("cannot write the request: " + e.getMessage());
    }
  }

  private HttpRequest.Builder request(String path) {
    return HttpRequest.newBuilder(URI.create(base + path))
        .timeout(Duration.ofSeconds(60))
        .header("Accept", "application/json, application/problem+json")
        .header("Authorization", authorization);
  }

  private JsonNode send(HttpRequest.Builder request, String path) {
    HttpResponse<String> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new CliException(
          "cannot reach "
              + base
              + ": "
              + e.getClass().getSimpleName()
              + (e.getMessage() == null ? "" : " " + e.getMessage()),
          true);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CliException("interrupted");
    }
    int status = response.statusCode();
    if (status / 100 != 2) {
      throw new CliException(problem(status, path, response.body()), status >= 502);
    }
    try {
      return response.body().isBlank() ? JSON.nullNode() : JSON.readTree(response.body());
    } catch (IOException e) {
      throw new CliException("HTTP " + status + " from " + path + " but the body is not JSON");
    }
  }

  /**
   * One line for a refusal: the status, the problem's title and detail, and each invalid field's
   * path with its message.
   */
  static String problem(int status, String path, String body) {
    StringBuilder line = new StringBuilder("HTTP ").append(status);
    JsonNode problem = null;
    try {
      problem = body == null || body.isBlank() ? null : JSON.readTree(body);
    } catch (IOException notJson) {
      // Not a problem document (a proxy's page): the status says enough.
    }
    if (problem != null && problem.isObject()) {
      String title = problem.path("title").asText("");
      String detail = problem.path("detail").asText("");
      if (!title.isEmpty()) {
        line.append(' ').append(title);
      }
      if (!detail.isEmpty()) {
        line.append(": ").append(detail);
      }
      List<String> fields = new ArrayList<>();
      for (JsonNode error : problem.path("errors")) {
        fields.add(error.path("path").asText() + " " + error.path("message").asText());
      }
      if (!fields.isEmpty()) {
        line.append(" [").append(String.join("; ", fields)).append(']');
      }
    }
    line.append(" (").append(path).append(')');
    if (status == 401) {
      line.append(
          " - check COUNTERSIGN_TOKEN, or COUNTERSIGN_USER and COUNTERSIGN_PASSWORD (a client with"
              + " many failed logins is slowed down)");
    }
    return line.toString().replaceAll("[\\r\\n]+", " ");
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value.strip();
  }

  /** A failure of the command line itself: one line on stderr and exit code 2. */
  static final class CliException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final boolean transientFailure;

    CliException(String message) {
      this(message, false);
    }

    CliException(String message, boolean transientFailure) {
      super(message);
      this.transientFailure = transientFailure;
    }

    /** The server could not be reached or answered 502-504: worth asking again while waiting. */
    boolean isTransient() {
      return transientFailure;
    }
  }
}
