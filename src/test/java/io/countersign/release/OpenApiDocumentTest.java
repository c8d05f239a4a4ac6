package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.TestIdentityProvider;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.method.HandlerMethod;
import org.springframework.web.servlet.mvc.method.RequestMappingInfo;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/**
 * The OpenAPI document of /api: checked in as docs/openapi.json and compared with what the running
 * app generates, complete (every /api mapping of the code), honest about problems (real error
 * responses carry a status and type the document declares), and served with Swagger UI only to
 * authenticated callers.
 */
@ApiAppSupport
class OpenApiDocumentTest {
  static final String DOCUMENT = "/api/docs/openapi";
  static final Path CHECKED_IN = Path.of("docs", "openapi.json");
  static final String VERSION_PLACEHOLDER = "(the build's version)";
  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  @LocalServerPort int port;

  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mappings;

  private HttpSupport http;
  private final HttpClient client = HttpClient.newHttpClient();

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  private JsonNode document() {
    Response response = http.get("requester", DOCUMENT);
    assertThat(response.status()).as(response.toString()).isEqualTo(200);
    return response.json();
  }

  // ---- the checked-in document ----

  @Test
  void checkedInDocumentMatchesTheApi() throws IOException {
    JsonNode generated = document();
    // The build's copy, as served (with the server URL and version).
    Path buildCopy =
        Path.of(System.getProperty("countersign.test-work", "target/test-work"))
            .getParent()
            .resolve("openapi")
            .resolve("openapi.json");
    Files.createDirectories(buildCopy.getParent());
    Files.writeString(buildCopy, JSON.writeValueAsString(generated));

    String normalised = normalised(generated);
    if (Boolean.getBoolean("openapi.write")) {
      Files.writeString(CHECKED_IN, normalised);
      return;
    }
    assertThat(CHECKED_IN).as("docs/openapi.json is missing; " + REGENERATE).exists();
    String checkedIn = Files.readString(CHECKED_IN, StandardCharsets.UTF_8);
    if (!checkedIn.equals(normalised)) {
      fail(
          "docs/openapi.json differs from the document the API generates ("
              + firstDifference(checkedIn, normalised)
              + "; generated copy: "
              + buildCopy
              + "). If the API change is intended, "
              + REGENERATE);
    }
  }

  /** Where two texts first differ, by line, with that line of each: a readable failure. */
  static String firstDifference(String expected, String actual) {
    String[] a = expected.split("\n", -1);
    String[] b = actual.split("\n", -1);
    for (int i = 0; i < Math.max(a.length, b.length); i++) {
      String left = i < a.length ? a[i] : "(end of file)";
      String right = i < b.length ? b[i] : "(end of file)";
      if (!left.equals(right)) {
        return "line " + (i + 1) + ": checked in " + left.strip() + ", generated " + right.strip();
      }
    }
    return "no difference";
  }

  static final String REGENERATE =
      "regenerate it with ./mvnw test -Dtest=OpenApiDocumentTest -Dopenapi.write=true and commit"
          + " docs/openapi.json";

  /**
   * Keys sorted at every level, the server URL (a random port here) and the version (a build
   * property) left out, two-space indents and a final newline.
   */
  static String normalised(JsonNode document) throws IOException {
    ObjectNode copy = document.deepCopy();
    copy.remove("servers");
    ((ObjectNode) copy.path("info")).put("version", VERSION_PLACEHOLDER);
    return JSON.writeValueAsString(sorted(copy)).replace("\r\n", "\n") + "\n";
  }

  private static JsonNode sorted(JsonNode node) {
    if (node.isObject()) {
      ObjectNode result = JsonNodeFactory.instance.objectNode();
      new TreeMap<String, JsonNode>(toMap(node)).forEach((k, v) -> result.set(k, sorted(v)));
      return result;
    }
    if (node.isArray()) {
      var result = JsonNodeFactory.instance.arrayNode();
      node.forEach(e -> result.add(sorted(e)));
      return result;
    }
    return node;
  }

  private static Map<String, JsonNode> toMap(JsonNode node) {
    Map<String, JsonNode> map = new TreeMap<>();
    node.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue()));
    return map;
  }

  @Test
  void normalisingSortsKeysAndDropsServerAndVersion() throws IOException {
    JsonNode document =
        JSON.readTree(
            "{\"servers\":[{\"url\":\"http://localhost:1\"}],\"paths\":{\"/b\":{},\"/a\":{}},"
                + "\"info\":{\"version\":\"1.2.3\",\"title\":\"t\"}}");
    assertThat(normalised(document))
        .isEqualTo(
            "{\n  \"info\" : {\n    \"title\" : \"t\",\n    \"version\" : \""
                + VERSION_PLACEHOLDER
                + "\"\n  },\n  \"paths\" : {\n    \"/a\" : { },\n    \"/b\" : { }\n  }\n}\n");
  }

  // ---- complete: every /api mapping of the code, and nothing else ----

  /** "METHOD /path" of every request mapping under /api in the code (springdoc's own left out). */
  private Set<String> apiMappingsOfTheCode() {
    Set<String> operations = new TreeSet<>();
    for (Map.Entry<RequestMappingInfo, HandlerMethod> mapping :
        mappings.getHandlerMethods().entrySet()) {
      if (mapping.getValue().getBeanType().getName().startsWith("org.springdoc")) {
        continue;
      }
      RequestMappingInfo info = mapping.getKey();
      for (String pattern : info.getPatternValues()) {
        if (!pattern.startsWith("/api/")) {
          continue;
        }
        assertThat(info.getMethodsCondition().getMethods())
            .as("%s maps every HTTP method: name the ones it answers", pattern)
            .isNotEmpty();
        info.getMethodsCondition().getMethods().forEach(m -> operations.add(m + " " + pattern));
      }
    }
    return operations;
  }

  private static Set<String> operationsOf(JsonNode document) {
    Set<String> operations = new TreeSet<>();
    document
        .path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fieldNames()
                    .forEachRemaining(
                        method -> operations.add(method.toUpperCase() + " " + path.getKey())));
    return operations;
  }

  @Test
  void everyApiMappingOfTheCodeIsInTheDocumentAndNothingElse() {
    Set<String> code = apiMappingsOfTheCode();
    assertThat(code).contains("POST /api/releases", "GET /api/compliance/report");
    assertThat(operationsOf(document())).isEqualTo(code);
    assertThat(ApiDocumentation.OPERATIONS.keySet())
        .as("ApiDocumentation.OPERATIONS names every operation (id, summary, problems)")
        .containsExactlyInAnyOrderElementsOf(code);
  }

  @Test
  void onlyTheApiIsDocumented() {
    JsonNode paths = document().path("paths");
    paths
        .fieldNames()
        .forEachRemaining(
            path -> assertThat(path).startsWith("/api/").doesNotStartWith("/api/docs"));
    assertThat(paths.has("/console/api/releases")).isFalse();
  }

  // ---- security schemes, info ----

  @Test
  void describesBasicAndBearerAuthenticationAndTheBuild() {
    JsonNode document = document();
    JsonNode schemes = document.path("components").path("securitySchemes");
    assertThat(schemes.path("basicAuth").path("scheme").asText()).isEqualTo("basic");
    assertThat(schemes.path("bearerAuth").path("scheme").asText()).isEqualTo("bearer");
    assertThat(schemes.path("bearerAuth").path("bearerFormat").asText()).isEqualTo("JWT");
    assertThat(document.path("security").toString()).contains("basicAuth", "bearerAuth");
    assertThat(document.path("info").path("title").asText()).isEqualTo("Countersign API");
    assertThat(document.path("info").path("version").asText()).isNotBlank();
    assertThat(document.path("info").path("description").asText())
        .contains("https://countersign.io/problems/invalid-manifest");
  }

  @Test
  void theManifestIsReadAsJsonOrYaml() {
    JsonNode content =
        document()
            .path("paths")
            .path("/api/releases")
            .path("post")
            .path("requestBody")
            .path("content");
    assertThat(iterable(content.fieldNames()))
        .containsExactlyInAnyOrder(
            "application/json", "application/yaml", "application/x-yaml", "text/yaml");
    assertThat(content.path("application/yaml").path("schema").path("$ref").asText())
        .isEqualTo("#/components/schemas/ReleaseManifest");
  }

  // ---- problems: declared, and the real ones are among them ----

  @Test
  void everyOperationDeclaresItsProblemsAsProblemJson() {
    JsonNode document = document();
    JsonNode problem = document.path("components").path("schemas").path("Problem");
    assertThat(iterable(problem.path("properties").fieldNames()))
        .contains("type", "title", "status", "detail", "instance", "errors");
    assertThat(
            document
                .path("components")
                .path("schemas")
                .path("FieldError")
                .path("properties")
                .has("path"))
        .isTrue();
    document
        .path("paths")
        .fields()
        .forEachRemaining(
            path ->
                path.getValue()
                    .fields()
                    .forEachRemaining(
                        operation -> {
                          JsonNode responses = operation.getValue().path("responses");
                          for (String status : List.of("401", "415", "429", "503")) {
                            assertThat(
                                    resolved(document, responses.path(status))
                                        .path("content")
                                        .path("application/problem+json")
                                        .path("schema")
                                        .path("$ref")
                                        .asText())
                                .as("%s %s answers %s", operation.getKey(), path.getKey(), status)
                                .isEqualTo("#/components/schemas/Problem");
                          }
                          assertThat(
                                  resolved(document, responses.path("401"))
                                      .path("headers")
                                      .has("WWW-Authenticate"))
                              .isTrue();
                        }));
  }

  /** A response, or the shared one in components.responses it refers to. */
  private static JsonNode resolved(JsonNode document, JsonNode response) {
    String ref = response.path("$ref").asText();
    String prefix = "#/components/responses/";
    return ref.startsWith(prefix)
        ? document.path("components").path("responses").path(ref.substring(prefix.length()))
        : response;
  }

  /** A real error response: its status and problem type are declared for its operation. */
  private void declared(JsonNode document, String method, String path, Response response) {
    assertThat(response.contentType()).startsWith("application/problem+json");
    JsonNode declared =
        resolved(
            document,
            document
                .path("paths")
                .path(path)
                .path(method)
                .path("responses")
                .path(String.valueOf(response.status())));
    assertThat(declared.isMissingNode())
        .as("%s %s declares %s (%s)", method, path, response.status(), response)
        .isFalse();
    List<String> types = new ArrayList<>();
    declared
        .path("content")
        .path("application/problem+json")
        .path("examples")
        .forEach(e -> types.add(e.path("value").path("type").asText()));
    assertThat(types)
        .as("%s %s: %s", method, path, response)
        .contains(response.json().path("type").asText());
  }

  @Test
  void realProblemsAreDeclaredWithTheirTypes() throws IOException {
    JsonNode document = document();
    declared(
        document, "get", "/api/releases/{id}", http.get("requester", "/api/releases/no-such-id"));
    declared(document, "get", "/api/releases", http.get("requester", "/api/releases?size=0"));
    declared(document, "get", "/api/releases", http.get("requester", "/api/releases?page=abc"));
    declared(document, "get", "/api/releases/{id}", http.get(null, "/api/releases/any"));
    declared(
        document,
        "post",
        "/api/releases",
        http.post(
            "requester",
            "/api/releases",
            "text/plain",
            "x".getBytes(StandardCharsets.UTF_8),
            Map.of()));
    declared(
        document,
        "post",
        "/api/releases",
        http.post(
            "requester",
            "/api/releases",
            "application/json",
            "{\"application\":\"\"}".getBytes(StandardCharsets.UTF_8),
            Map.of()));
    declared(
        document,
        "post",
        "/api/releases",
        http.post(
            "qa-lead",
            "/api/releases",
            "application/json",
            "{}".getBytes(StandardCharsets.UTF_8),
            Map.of()));
    declared(
        document,
        "post",
        "/api/releases/{id}/cancel",
        http.postJson("requester", "/api/releases/no-such-id/cancel", Map.of()));
    declared(
        document,
        "post",
        "/api/releases/{id}/cancel",
        http.postJson("requester", "/api/releases/no-such-id/cancel", Map.of("reason", "r")));
    declared(
        document,
        "get",
        "/api/evidence/chains/{chain}",
        http.get("compliance-officer", "/api/evidence/chains/no-such-chain"));
    declared(
        document, "get", "/api/evidence/verify", http.get("requester", "/api/evidence/verify"));
    declared(
        document, "get", "/api/compliance/report", http.get("requester", "/api/compliance/report"));
    declared(
        document,
        "get",
        "/api/compliance/report",
        http.get("compliance-officer", "/api/compliance/report?from=yesterday"));
  }

  // ---- served only behind the API's authentication ----

  private HttpResponse<String> raw(String path, String authorization) throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + path))
            .header("Accept", "text/html,application/json;q=0.9,*/*;q=0.8");
    if (authorization != null) {
      request.header("Authorization", authorization);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/docs/openapi",
        "/api/docs/openapi.yaml",
        "/api/docs/openapi/swagger-config",
        "/api/docs/swagger-ui.html",
        "/api/docs/swagger-ui/index.html",
        "/api/docs/swagger-ui/swagger-initializer.js",
        "/api/docs/swagger-ui/swagger-ui-bundle.js",
        "/api/docs/swagger-ui/swagger-ui.css"
      })
  void documentAndUiRefuseAnonymousAndWrongPasswords(String path) throws Exception {
    HttpResponse<String> anonymous = raw(path, null);
    assertThat(anonymous.statusCode()).as(path).isEqualTo(401);
    // The browser's HTTP Basic prompt.
    assertThat(anonymous.headers().firstValue("WWW-Authenticate"))
        .hasValue("Basic realm=\"Countersign\"");
    assertThat(anonymous.body()).doesNotContain("\"paths\"", "SwaggerUIBundle", "window.onload");
    assertThat(raw(path, basic("requester", "wrong")).statusCode()).isEqualTo(401);
    assertThat(raw(path, "Bearer not-a-token").statusCode()).isEqualTo(401);

    HttpResponse<String> signedIn = raw(path, basic("requester", HttpSupport.DEMO_PASSWORD));
    if (path.endsWith(".html") && !path.endsWith("index.html")) {
      assertThat(signedIn.statusCode()).isEqualTo(302);
      assertThat(signedIn.headers().firstValue("Location"))
          .hasValue("/api/docs/swagger-ui/index.html");
    } else {
      assertThat(signedIn.statusCode()).as(path).isEqualTo(200);
    }
  }

  @Test
  void differenceNamesTheFirstLineThatDiffers() {
    assertThat(firstDifference("a\nb\nc\n", "a\nB\nc\n"))
        .isEqualTo("line 2: checked in b, generated B");
    assertThat(firstDifference("a\n", "a\nb\n")).isEqualTo("line 2: checked in , generated b");
    assertThat(firstDifference("a\n", "a\n")).isEqualTo("no difference");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "/api/docs//openapi",
        "//api/docs/openapi",
        "/api/docs/openapi/",
        "/API/docs/openapi",
        "/api/docs/./openapi",
        "/api/x/../docs/openapi",
        "/api/docs/openapi;x=y",
        "/api/docs/%6fpenapi",
        "/console/../api/docs/openapi",
        "/api/docs/swagger-ui/../swagger-ui/index.html"
      })
  void noSpellingOfTheDocumentPathGetsRoundTheLogin(String path) throws Exception {
    HttpResponse<String> anonymous = raw(path, null);
    assertThat(anonymous.statusCode()).as(path).isNotEqualTo(200).isGreaterThanOrEqualTo(400);
    assertThat(anonymous.body()).as(path).doesNotContain("\"paths\"", "window.onload");
  }

  @Test
  void theSpringdocDefaultPathsAreNotServed() throws Exception {
    for (String path :
        List.of("/v3/api-docs", "/v3/api-docs/swagger-config", "/swagger-ui/index.html")) {
      assertThat(raw(path, null).statusCode()).as(path).isEqualTo(404);
      assertThat(raw(path, basic("requester", HttpSupport.DEMO_PASSWORD)).statusCode())
          .as(path)
          .isEqualTo(404);
    }
  }

  @Test
  void theUiLoadsTheDocumentFromBehindTheSameLogin() throws Exception {
    String login = basic("requester", HttpSupport.DEMO_PASSWORD);
    assertThat(raw("/api/docs/swagger-ui/index.html", login).body()).contains("swagger-ui");
    JsonNode config = JSON.readTree(raw("/api/docs/openapi/swagger-config", login).body());
    assertThat(config.path("url").asText()).isEqualTo(DOCUMENT);
    assertThat(config.path("configUrl").asText()).isEqualTo(DOCUMENT + "/swagger-config");
  }

  @Test
  void aBearerTokenReadsTheDocumentToo() throws Exception {
    String token =
        TestIdentityProvider.token(
            TestIdentityProvider.ISSUER,
            "oidc-reader",
            List.of("release-requesters"),
            Instant.now().plusSeconds(300));
    HttpResponse<String> badToken = raw(DOCUMENT, "Bearer not-a-token");
    assertThat(badToken.statusCode()).isEqualTo(401);
    assertThat(badToken.headers().firstValue("WWW-Authenticate").orElse(""))
        .as("%s %s", badToken.headers().map(), badToken.body())
        .startsWith("Bearer error=\"invalid_token\"");
    // Spring Security's bearer entry point answers with the header only (documented so).
    assertThat(badToken.body()).isEmpty();
    HttpResponse<String> response = raw(DOCUMENT, "Bearer " + token);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(JSON.readTree(response.body()).path("openapi").asText()).startsWith("3.");
  }

  private static <T> Iterable<T> iterable(java.util.Iterator<T> iterator) {
    return () -> iterator;
  }
}
