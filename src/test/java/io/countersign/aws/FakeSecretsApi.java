package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One WireMock server answering like two JSON 1.1 APIs (POST /, the operation in {@code
 * X-Amz-Target}): Secrets Manager's {@code secretsmanager.GetSecretValue} (by name or ARN, the
 * current version or a pinned {@code VersionId}) and Systems Manager's {@code
 * AmazonSSM.GetParameter} (by name, optionally {@code name:version}, with {@code WithDecryption}),
 * with their error shapes. Both endpoints of a target may point at it; it records what it was asked
 * (the target and the JSON body).
 */
public final class FakeSecretsApi extends FakeApiSupport
    implements ResponseDefinitionTransformerV2 {
  static final String NAME = "fake-secrets";
  static final String SECRET_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";
  static final String PARAMETER_ARN = "arn:aws:ssm:eu-west-1:123456789012:parameter";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Secret> secrets = new ConcurrentHashMap<>();
  private final Map<String, Map<Long, String>> parameters = new ConcurrentHashMap<>();
  private final List<Asked> asked = new CopyOnWriteArrayList<>();
  private WireMockServer server;

  /** One request: its X-Amz-Target and body. */
  public record Asked(String target, JsonNode body) {
    @Override
    public String toString() {
      return target + " " + body;
    }
  }

  private record Secret(String arn, Map<String, String> versions, String current) {}

  public static FakeSecretsApi startServer() {
    FakeSecretsApi fake = new FakeSecretsApi();
    fake.server = new WireMockServer(options().dynamicPort().extensions(fake));
    fake.server.start();
    fake.server.stubFor(any(anyUrl()).willReturn(aResponse().withTransformers(NAME)));
    return fake;
  }

  public URI endpoint() {
    return URI.create("http://localhost:" + server.port());
  }

  public void stop() {
    server.stop();
  }

  public synchronized void reset() {
    secrets.clear();
    parameters.clear();
    asked.clear();
    clearInjected();
  }

  /**
   * A secret whose current version (AWSCURRENT) is the last of {@code versionsAndValues} (version
   * id, value, version id, value...).
   */
  public synchronized void secret(String name, String... versionsAndValues) {
    Map<String, String> versions = new LinkedHashMap<>();
    String current = null;
    for (int i = 0; i < versionsAndValues.length; i += 2) {
      versions.put(versionsAndValues[i], versionsAndValues[i + 1]);
      current = versionsAndValues[i];
    }
    secrets.put(name, new Secret(SECRET_ARN + name + "-AbCdEf", versions, current));
  }

  /** A SecureString parameter whose versions are 1, 2, ... with these values. */
  public synchronized void parameter(String name, String... values) {
    Map<Long, String> versions = new LinkedHashMap<>();
    for (int i = 0; i < values.length; i++) {
      versions.put(i + 1L, values[i]);
    }
    parameters.put(name, versions);
  }

  public List<Asked> asked() {
    return List.copyOf(asked);
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public synchronized ResponseDefinition transform(ServeEvent event) {
    String target = event.getRequest().getHeader("X-Amz-Target");
    JsonNode body = json(event.getRequest().getBodyAsString());
    asked.add(new Asked(target, body));
    Injected injected = injected("POST", target == null ? "" : target);
    if (injected != null) {
      return error(injected.status(), injected.code(), injected.message());
    }
    if ("secretsmanager.GetSecretValue".equals(target)) {
      return getSecretValue(body);
    }
    if ("AmazonSSM.GetParameter".equals(target)) {
      return getParameter(body);
    }
    return error(400, "UnknownOperationException", "not handled by the fake: " + target);
  }

  private ResponseDefinition getSecretValue(JsonNode body) {
    String id = body.path("SecretId").asText();
    Secret secret =
        secrets.values().stream()
            .filter(s -> s.arn().equals(id))
            .findFirst()
            .orElse(secrets.get(id)); // by name, or the full ARN with its six-character suffix
    if (secret == null) {
      return error(
          400, "ResourceNotFoundException", "Secrets Manager can't find the specified secret.");
    }
    String version = body.path("VersionId").asText(secret.current());
    if (body.has("VersionStage") && !body.path("VersionStage").asText().equals("AWSCURRENT")) {
      return error(
          400,
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for staging label: "
              + body.path("VersionStage").asText());
    }
    String value = secret.versions().get(version);
    if (value == null) {
      return error(
          400,
          "ResourceNotFoundException",
          "Secrets Manager can't find the specified secret value for VersionId: " + version);
    }
    ObjectNode answer =
        JSON.createObjectNode()
            .put("ARN", secret.arn())
            .put("Name", secret.arn().substring(SECRET_ARN.length(), secret.arn().length() - 7))
            .put("VersionId", version)
            .put("SecretString", value)
            .put("CreatedDate", 1.7637696E9);
    if (version.equals(secret.current())) {
      answer.putArray("VersionStages").add("AWSCURRENT");
    }
    return ok(answer);
  }

  private ResponseDefinition getParameter(JsonNode body) {
    String given = body.path("Name").asText();
    int colon = given.lastIndexOf(':');
    String name = colon > 0 ? given.substring(0, colon) : given;
    Map<Long, String> versions = parameters.get(name);
    if (versions == null) {
      return error(400, "ParameterNotFound", null);
    }
    long version =
        colon > 0 ? Long.parseLong(given.substring(colon + 1)) : versions.keySet().size();
    String value = versions.get(version);
    if (value == null) {
      return error(
          400,
          "ParameterVersionNotFound",
          "Systems Manager could not find version " + version + " of " + name + ".");
    }
    boolean decrypt = body.path("WithDecryption").asBoolean(false);
    ObjectNode parameter =
        JSON.createObjectNode()
            .put("Name", name)
            .put("Type", "SecureString")
            // Without decryption a SecureString comes back encrypted.
            .put("Value", decrypt ? value : "AQICAHh-encrypted-" + UUID.randomUUID())
            .put("Version", version)
            .put("LastModifiedDate", 1.7637696E9)
            .put("ARN", PARAMETER_ARN + (name.startsWith("/") ? "" : "/") + name)
            .put("DataType", "text");
    if (colon > 0) {
      parameter.put("Selector", given.substring(colon));
    }
    ObjectNode answer = JSON.createObjectNode();
    answer.set("Parameter", parameter);
    return ok(answer);
  }

  private static ResponseDefinition ok(JsonNode body) {
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(200)
        .withBody(body.toString())
        .withHeader("Content-Type", "application/x-amz-json-1.1")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }

  private static ResponseDefinition error(int status, String type, String message) {
    ObjectNode body = JSON.createObjectNode().put("__type", type);
    if (message != null) {
      body.put("message", message);
    }
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withBody(body.toString())
        .withHeader("Content-Type", "application/x-amz-json-1.1")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }

  private static JsonNode json(String body) {
    try {
      return body == null || body.isBlank() ? JSON.createObjectNode() : JSON.readTree(body);
    } catch (Exception e) {
      return JSON.createObjectNode().put("unparsed", body);
    }
  }
}
