package io.countersign;

import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
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

  /** The API tests' staging database target, apart from the production one they migrate. */
  public static final String STAGING_DB = "staging-db";

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

  /**
   * Releases the staging copy of a production manifest (same version and artifacts; staging's
   * namespace, checks and database target {@code staging-db}) through the API and Tasklist's REST,
   * to {@code released}: what the shipped policy requires before the production release can be
   * promoted. Returns its id.
   */
  public String releaseInStaging(ObjectNode production) {
    return runInStaging(production, "released");
  }

  /**
   * As {@link #releaseInStaging}, until the staging release reaches {@code endStatus} (e.g.
   * rolled-back, for a manifest with a rollback drill). Returns its id.
   */
  public String runInStaging(ObjectNode production, String endStatus) {
    ObjectNode staging = production.deepCopy();
    staging.put("environment", "staging");
    if (staging.has("kubernetes")) {
      ((ObjectNode) staging.get("kubernetes")).put("namespace", "medication-staging");
    }
    if (staging.has("database")) {
      ((ObjectNode) staging.get("database")).put("target", STAGING_DB);
    }
    staging.set("verification", ManifestFixture.staging().get("verification"));
    ((ObjectNode) staging.get("verification")).put("bakeWindow", "PT0S");
    Response submitted = postJson("requester", "/api/releases", staging);
    if (submitted.status() != 201) {
      throw new AssertionError("staging copy refused: " + submitted);
    }
    String id = submitted.json().path("id").asText();
    JsonNode detail = afterEvidenceCheck("requester", id);
    for (JsonNode role : detail.path("pendingSignOffs")) {
      String approver = DemoApprovers.BY_ROLE.get(role.asText());
      String query =
          "/engine-rest/task?maxResults=10&processInstanceBusinessKey="
              + id
              + "&candidateGroup="
              + role.asText();
      // The sign-off tasks are created a moment after the status says they are awaited.
      JsonNode tasks =
          await(approver + "'s task of " + id)
              .atMost(Duration.ofSeconds(30))
              .pollInterval(Duration.ofMillis(50))
              .until(
                  () -> {
                    Response found = get(approver, query);
                    if (found.status() != 200) {
                      throw new AssertionError(approver + " cannot list tasks: " + found);
                    }
                    return found.json();
                  },
                  found -> found.isArray() && !found.isEmpty());
      Response done =
          postJson(
              approver,
              "/engine-rest/task/" + tasks.get(0).path("id").asText() + "/complete",
              DemoApprovers.APPROVE);
      if (done.status() != 204) {
        throw new AssertionError(approver + " could not sign " + id + ": " + done);
      }
    }
    await("staging release " + id + " " + endStatus)
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> get("requester", "/api/releases/" + id).json().path("status").asText(),
            endStatus::equals);
    return id;
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
