package io.countersign;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/** Real HTTP against the running app, as a demo user (HTTP Basic) or anonymously (user null). */
public final class HttpSupport {
  public static final String DEMO_PASSWORD = "demo";
  public static final ObjectMapper JSON = new ObjectMapper();

  private final HttpClient client =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private final String base;

  public HttpSupport(int port) {
    this.base = "http://localhost:" + port;
  }

  public record Response(int status, HttpHeaders headers, String body) {
    public JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (status " + status + "): " + body, e);
      }
    }

    public String contentType() {
      return headers.firstValue("Content-Type").orElse("");
    }

    /** The distinct JSON paths of a problem's {@code errors}, in the order given. */
    public List<String> errorPaths() {
      List<String> paths = new ArrayList<>();
      json()
          .path("errors")
          .forEach(
              e -> {
                if (!paths.contains(e.path("path").asText())) {
                  paths.add(e.path("path").asText());
                }
              });
      return paths;
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /**
   * The release once its pre-deployment checkpoint (an asynchronous step, run by the job executor
   * right after the submission) has decided: its detail, no longer {@code checking-evidence}.
   */
  public JsonNode afterEvidenceCheck(String user, String releaseId) {
    JsonNode[] detail = new JsonNode[1];
    await("release " + releaseId + " past its evidence check")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(50))
        .until(
            () -> {
              detail[0] = get(user, "/api/releases/" + releaseId).json();
              return !detail[0].path("status").asText().equals("checking-evidence");
            });
    return detail[0];
  }

  public Response get(String user, String path) {
    return send(request(path, user, DEMO_PASSWORD).GET());
  }

  public Response postJson(String user, String path, Object body) {
    try {
      return post(user, path, "application/json", JSON.writeValueAsBytes(body), Map.of());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Response post(
      String user, String path, String contentType, byte[] body, Map<String, String> headers) {
    HttpRequest.Builder request =
        request(path, user, DEMO_PASSWORD).POST(HttpRequest.BodyPublishers.ofByteArray(body));
    if (contentType != null) {
      request.header("Content-Type", contentType);
    }
    headers.forEach(request::header);
    return send(request);
  }

  /** Any method with an optional JSON body (PUT, DELETE, ...). */
  public Response json(String method, String user, String path, Object body) {
    try {
      HttpRequest.BodyPublisher publisher =
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body));
      HttpRequest.Builder request = request(path, user, DEMO_PASSWORD).method(method, publisher);
      if (body != null) {
        request.header("Content-Type", "application/json");
      }
      return send(request);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public Response getWithPassword(String user, String password, String path) {
    return send(request(path, user, password).GET());
  }

  private HttpRequest.Builder request(String path, String user, String password) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(base + path))
            .timeout(Duration.ofSeconds(30))
            .header("Accept", "application/json, application/problem+json");
    if (user != null) {
      String token =
          Base64.getEncoder()
              .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
      request.header("Authorization", "Basic " + token);
    }
    return request;
  }

  private Response send(HttpRequest.Builder request) {
    try {
      HttpResponse<String> response =
          client.send(request.build(), HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.headers(), response.body());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
