package io.countersign.release;

import static io.countersign.ManifestFixture.freshVersion;
import static io.countersign.ManifestFixture.json;
import static io.countersign.ManifestFixture.staging;
import static io.countersign.ManifestFixture.withVersion;
import static io.countersign.ManifestFixture.yaml;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.camunda.bpm.engine.HistoryService;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Input limits over real HTTP: Content-Type and charset on every endpoint that takes a body,
 * repeated keys in every body, YAML tags and evidence locations in manifests. Each refusal is
 * problem+json and starts nothing.
 */
@ApiAppSupport
class InputHardeningApiTest {
  private static final String PROBLEM_JSON = "application/problem+json";
  private static final String UNKNOWN_RELEASE = "/api/releases/rel-20990101-zzzzzz";

  @LocalServerPort int port;
  @Autowired HistoryService history;
  @Autowired JdbcTemplate jdbc;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  record Endpoint(String user, String path, byte[] body) {
    @Override
    public String toString() {
      return path;
    }
  }

  static List<Endpoint> bodyEndpoints() {
    byte[] reason = "{\"reason\": \"found a bug\"}".getBytes(StandardCharsets.UTF_8);
    return List.of(
        new Endpoint(
            "requester", "/api/releases", json(withVersion(staging(), freshVersion("media")))),
        new Endpoint("requester", UNKNOWN_RELEASE + "/cancel", reason),
        new Endpoint("requester", UNKNOWN_RELEASE + "/rollback", reason),
        new Endpoint(
            "requester",
            UNKNOWN_RELEASE + "/override",
            "{\"kind\": \"quick\", \"reason\": \"outage\", \"incidentReference\": \"INC-1\"}"
                .getBytes(StandardCharsets.UTF_8)),
        new Endpoint(
            "compliance-officer",
            "/api/evidence/verify",
            "{\"releaseId\": \"x\"}".getBytes(StandardCharsets.UTF_8)));
  }

  static Stream<Arguments> badContentTypes() {
    List<String> types =
        List.of(
            "a/b/c", // not a media type
            "application/json; charset=nope", // unknown charset
            "application/json; charset=", // empty charset
            "application/json; charset=\"\"",
            "application/json; charset=utf-8'", // not a charset name
            "application/json; charset=x-unknown-9",
            "application/json;q=x", // bad parameter value
            "application/json, text/plain", // two types
            "json", // no subtype
            "application/",
            "*/*", // wildcards name no type
            "application/*",
            "application/*+json",
            "text/plain"); // valid, but nothing here reads it
    return bodyEndpoints().stream()
        .flatMap(endpoint -> types.stream().map(type -> Arguments.of(endpoint, type)));
  }

  @ParameterizedTest(name = "{0} as {1}")
  @MethodSource("badContentTypes")
  void anInvalidOrUnknownContentTypeIs415(Endpoint endpoint, String contentType) {
    Counts before = counts();

    Response response =
        http.post(endpoint.user(), endpoint.path(), contentType, endpoint.body(), Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(415);
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.json().path("type").asText())
        .isEqualTo("https://countersign.io/problems/unsupported-media-type");
    assertThat(response.json().path("status").asInt()).isEqualTo(415);
    assertThat(counts()).isEqualTo(before);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json;charset=UTF-8",
        "application/json; charset=\"utf-8\"",
        "Application/JSON; Charset=utf8",
        "application/yaml; charset=utf-8"
      })
  void aManifestInUtf8IsReadHoweverTheCharsetIsWritten(String contentType) {
    ObjectNode manifest = withVersion(staging(), freshVersion("charset"));
    byte[] body = contentType.contains("yaml") ? yaml(manifest) : json(manifest);

    Response response = http.post("requester", "/api/releases", contentType, body, Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json; charset=ISO-8859-1",
        "application/json; charset=UTF-16",
        "application/yaml; charset=windows-1252"
      })
  void aManifestDeclaredInAnotherCharsetIs415(String contentType) {
    Counts before = counts();

    Response response =
        http.post(
            "requester",
            "/api/releases",
            contentType,
            json(withVersion(staging(), freshVersion("latin"))),
            Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(415);
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.json().path("detail").asText()).contains("send the manifest as UTF-8");
    assertThat(counts()).isEqualTo(before);
  }

  // ---- repeated keys ----

  static Stream<Arguments> repeatedKeys() throws IOException {
    String manifest =
        new String(json(withVersion(staging(), freshVersion("dup"))), StandardCharsets.UTF_8);
    String yaml =
        Files.readString(ManifestFixture.STAGING)
            .replace("version: 2.4.0", "version: " + freshVersion("dup"));
    return Stream.of(
        Arguments.of(
            "requester",
            "/api/releases",
            "application/json",
            manifest.replace(
                "\"name\":\"data_ingestion\"",
                "\"name\":\"data_ingestion\",\"name\":\"api_handler\""),
            "$.lambda.functions[0].name"),
        Arguments.of(
            "requester",
            "/api/releases",
            "application/yaml",
            yaml.replace(
                "    - name: data_ingestion\n",
                "    - name: data_ingestion\n      name: api_handler\n"),
            "$.lambda.functions[0].name"),
        Arguments.of(
            "requester",
            "/api/releases",
            "application/json",
            manifest.replace("{\"application\"", "{\"environment\":\"staging\",\"application\""),
            "$.environment"),
        Arguments.of(
            "requester",
            UNKNOWN_RELEASE + "/cancel",
            "application/json",
            "{\"reason\": \"harmless\", \"reason\": \"something else\"}",
            "$.reason"),
        Arguments.of(
            "requester",
            UNKNOWN_RELEASE + "/rollback",
            "application/json",
            "{\"reason\": \"a\", \"r\\u0065ason\": \"b\"}",
            "$.reason"),
        Arguments.of(
            "requester",
            UNKNOWN_RELEASE + "/override",
            "application/json",
            "{\"kind\": \"quick\", \"reason\": \"outage\", \"incidentReference\": \"INC-1\", \"kind\": \"extended\"}",
            "$.kind"),
        Arguments.of(
            "compliance-officer",
            "/api/evidence/verify",
            "application/json",
            "{\"releaseId\": \"rel-1\", \"entries\": [{\"seq\": 1, \"seq\": 2}]}",
            "$.entries[0].seq"));
  }

  @ParameterizedTest(name = "{1} {2} {4}")
  @MethodSource("repeatedKeys")
  void aRepeatedKeyIs400NamingItsPath(
      String user, String path, String contentType, String body, String keyPath) {
    Counts before = counts();

    Response response =
        http.post(user, path, contentType, body.getBytes(StandardCharsets.UTF_8), Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.errorPaths()).containsExactly(keyPath);
    assertThat(response.json().path("errors").get(0).path("message").asText())
        .startsWith("duplicate key");
    assertThat(counts()).isEqualTo(before);
  }

  // ---- YAML tags and evidence locations ----

  static Stream<Arguments> refusedManifests() throws IOException {
    String yaml =
        Files.readString(ManifestFixture.STAGING)
            .replace("version: 2.4.0", "version: " + freshVersion("tag"));
    return Stream.of(
        Arguments.of(yaml.replace("summary: Dose", "summary: !evil Dose"), "$.summary"),
        Arguments.of(
            yaml.replace(
                "changeReference: CHG-2041", "!!python/object:os.system changeReference: CHG-2041"),
            "$.changeReference"),
        Arguments.of(
            yaml.replace("  - type: integration-tests", "  - !!omap\n    type: integration-tests"),
            "$.evidence[0]"),
        Arguments.of(
            yaml.replace("name: api_handler", "name: !!binary YXBpX2hhbmRsZXI="),
            "$.lambda.functions[2].name"),
        Arguments.of(
            yaml.replace("s3://medication-artifacts/evidence", "file:///etc"),
            "$.evidence[0].location"),
        Arguments.of(
            yaml.replace(
                "s3://medication-artifacts/evidence", "https://ci.example/%2e%2e/%2e%2e/etc"),
            "$.evidence[0].location"),
        Arguments.of(
            yaml.replace("s3://medication-artifacts/evidence", "http://ci.example/evidence"),
            "$.evidence[0].location"));
  }

  @ParameterizedTest(name = "{1}")
  @MethodSource("refusedManifests")
  void aTaggedNodeOrAnUnsafeEvidenceLocationIs400AtItsPath(String yaml, String path) {
    Counts before = counts();

    Response response =
        http.post(
            "requester",
            "/api/releases",
            "application/yaml",
            yaml.getBytes(StandardCharsets.UTF_8),
            Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(400);
    assertThat(response.contentType()).startsWith(PROBLEM_JSON);
    assertThat(response.errorPaths()).containsExactly(path);
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void anHttpsEvidenceLocationIsAccepted() {
    ObjectNode manifest = withVersion(staging(), freshVersion("https-evidence"));
    ((ObjectNode) manifest.path("evidence").get(0))
        .put("location", "https://ci.medication.example/job/42/tests.xml");

    Response response =
        http.post("requester", "/api/releases", "application/json", json(manifest), Map.of());

    assertThat(response.status()).as(response.body()).isEqualTo(201);
  }

  /**
   * What only a submission creates (evidence rows are also written by the jobs of releases other
   * tests left running).
   */
  record Counts(long processes, long releases) {}

  private Counts counts() {
    return new Counts(
        history.createHistoricProcessInstanceQuery().processDefinitionKey("release").count(),
        jdbc.queryForObject("SELECT COUNT(*) FROM cs_release", Long.class));
  }
}
