package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WireMock server that answers like the Lambda API (REST-JSON, version 2015-03-31) for the calls
 * Countersign makes: GetFunctionConfiguration (of $LATEST or a version: Qualifier), Invoke,
 * UpdateFunctionCode, UpdateFunctionConfiguration, ListVersionsByFunction, PublishVersion,
 * GetAlias, UpdateAlias, with Lambda's rules that matter here (RevisionId and CodeSha256
 * preconditions, one update at a time, a missing artifact, unknown versions, weights on the primary
 * version, no new version when neither code nor configuration changed) and its error shapes. It
 * records every request in order.
 */
public final class FakeLambdaApi extends FakeApiSupport implements ResponseDefinitionTransformerV2 {
  static final String NAME = "fake-lambda";
  static final String ARN = "arn:aws:lambda:eu-west-1:123456789012:function:";
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Map<String, Fn> functions = new ConcurrentHashMap<>();
  private final Map<String, String> artifacts = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final List<Invocation> invocations = new CopyOnWriteArrayList<>();
  private WireMockServer server;

  /**
   * One request as received: method, path and (JSON) body, for asserting the exact sequence of
   * calls.
   */
  public record Call(String method, String path, JsonNode body) {
    @Override
    public String toString() {
      return method + " " + path;
    }
  }

  /** Memory, timeout, layer ARNs and environment of $LATEST or of a version. */
  public record Settings(
      int memory, int timeout, List<String> layers, Map<String, String> environment) {
    public Settings {
      layers = List.copyOf(layers);
      environment = Map.copyOf(environment);
    }
  }

  static final Settings DEFAULT_SETTINGS = new Settings(256, 30, List.of(), Map.of());

  /**
   * One Invoke as received: the function, the {@code Qualifier} (null when unqualified), the {@code
   * X-Amz-Invocation-Type} header (null when left out), and the payload.
   */
  public record Invocation(
      String function, String qualifier, String invocationType, JsonNode payload) {}

  /**
   * What an invocation of a function answers: its payload (any text), and a function error
   * ("Unhandled", "Handled") or null; {@code latency} delays the answer.
   */
  public record Answer(String payload, String functionError, java.time.Duration latency) {
    public static Answer ok(String payload) {
      return new Answer(payload, null, java.time.Duration.ZERO);
    }

    /** Lambda's answer when the handler throws. */
    public static Answer unhandled(String errorType, String message) {
      return new Answer(
          JSON.createObjectNode()
              .put("errorMessage", message)
              .put("errorType", errorType)
              .set("stackTrace", JSON.createArrayNode())
              .toString(),
          "Unhandled",
          java.time.Duration.ZERO);
    }
  }

  /** What an alias serves, for assertions. */
  public record AliasState(String version, Map<String, Double> weights, String description) {}

  public static FakeLambdaApi startServer() {
    FakeLambdaApi fake = new FakeLambdaApi();
    fake.server = new WireMockServer(options().dynamicPort().extensions(fake));
    fake.server.start();
    fake.server.stubFor(
        any(urlPathMatching("/2015-03-31/functions/.*"))
            .willReturn(aResponse().withTransformers(NAME)));
    return fake;
  }

  public URI endpoint() {
    return URI.create("http://localhost:" + server.port());
  }

  public void stop() {
    server.stop();
  }

  /** The WireMock server, for what the fake does not record itself (headers). */
  public WireMockServer server() {
    return server;
  }

  /** Forgets functions, artifacts, calls and injected failures. */
  public synchronized void reset() {
    functions.clear();
    artifacts.clear();
    calls.clear();
    invocations.clear();
    clearInjected();
  }

  /**
   * A function whose code has {@code codeSha} published as {@code version}, with {@code alias} on
   * that version.
   */
  public synchronized void function(String name, String alias, int version, String codeSha) {
    Fn fn = new Fn(name);
    fn.codeSha = codeSha;
    fn.lastVersion = version;
    fn.versions.put(String.valueOf(version), codeSha);
    fn.versionSettings.put(String.valueOf(version), fn.settings);
    fn.aliases.put(alias, new Alias(String.valueOf(version)));
    functions.put(name, fn);
  }

  /**
   * The configuration of $LATEST and of the latest version, as if the version had been published
   * with it.
   */
  public synchronized void settings(String function, Settings settings) {
    Fn fn = functions.get(function);
    fn.settings = settings;
    fn.versionSettings.put(String.valueOf(fn.lastVersion), settings);
  }

  /** The configuration of $LATEST. */
  public synchronized Settings settings(String function) {
    return functions.get(function).settings;
  }

  /** The configuration of a published version. */
  public synchronized Settings settings(String function, String version) {
    return functions.get(function).versionSettings.get(version);
  }

  /** The next configuration update of the function ends Failed with this reason. */
  public synchronized void configurationFails(String function, String reason) {
    functions.get(function).configurationFailReason = reason;
  }

  /**
   * Points an alias at a version (or $LATEST) without Countersign, as someone at the console would.
   */
  public synchronized void pointAlias(String function, String alias, String version) {
    functions.get(function).aliases.get(alias).version = version;
  }

  /** What code an artifact in S3 holds; an artifact not declared does not exist. */
  public void artifact(String bucket, String key, String codeSha) {
    artifacts.put(bucket + "/" + key, codeSha);
  }

  /** The next updates of the function answer InProgress to this many looks before they end. */
  public synchronized void updateTakes(String function, int looks) {
    functions.get(function).looksPerUpdate = looks;
  }

  /** The next update of the function ends Failed with this reason. */
  public synchronized void updateFails(String function, String reason) {
    functions.get(function).failReason = reason;
  }

  /**
   * From now on, invocations of {@code function} (a deployed or a validation function) answer so;
   * until then a function answers {@code null} (a handler that returns nothing).
   */
  public synchronized void answers(String function, Answer answer) {
    functions.computeIfAbsent(function, Fn::new).answer = answer;
  }

  /** A function that only answers invocations, such as a validation function. */
  public synchronized void validator(String function, Answer answer) {
    Fn fn = new Fn(function);
    fn.codeSha = "sha-" + function;
    fn.answer = answer;
    functions.put(function, fn);
  }

  public List<Invocation> invocations() {
    return List.copyOf(invocations);
  }

  public List<Call> calls() {
    return List.copyOf(calls);
  }

  /** The calls as "METHOD path" lines. */
  public List<String> callLines() {
    return calls.stream().map(Call::toString).toList();
  }

  public synchronized AliasState alias(String function, String alias) {
    Alias a = functions.get(function).aliases.get(alias);
    return new AliasState(a.version, Map.copyOf(a.weights), a.description);
  }

  /** The function's current RevisionId. */
  public synchronized String revision(String function) {
    return functions.get(function).revision;
  }

  public synchronized String code(String function) {
    return functions.get(function).codeSha;
  }

  public synchronized List<String> versions(String function) {
    return List.copyOf(functions.get(function).versions.keySet());
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
    LoggedRequest request = event.getRequest();
    String method = request.getMethod().getName();
    String path = URI.create(request.getUrl()).getPath();
    JsonNode body = json(request.getBodyAsString());
    calls.add(new Call(method, path, body));
    Injected injected = injected(method, path);
    if (injected != null) {
      return error(injected.status(), injected.code(), injected.message());
    }
    String[] parts = path.split("/"); // "", "2015-03-31", "functions", name, resource, [alias]
    Fn fn = functions.get(parts[3]);
    if (fn == null) {
      return error(404, "ResourceNotFoundException", "Function not found: " + ARN + parts[3]);
    }
    String resource = parts.length > 4 ? parts[4] : "";
    return switch (method + " " + resource) {
      case "GET configuration" ->
          request.queryParameter("Qualifier").isPresent()
              ? qualified(fn, request.queryParameter("Qualifier").firstValue())
              : ok(200, fn.look());
      case "PUT code" -> updateCode(fn, body);
      case "PUT configuration" -> updateConfiguration(fn, body);
      case "GET versions" ->
          ok(
              200,
              fn.versionList(
                  request.queryParameter("Marker").isPresent()
                      ? request.queryParameter("Marker").firstValue()
                      : null,
                  request.queryParameter("MaxItems").isPresent()
                      ? Integer.parseInt(request.queryParameter("MaxItems").firstValue())
                      : 50));
      case "POST versions" -> publish(fn, body);
      case "GET aliases" -> getAlias(fn, parts[5]);
      case "PUT aliases" -> updateAlias(fn, parts[5], body);
      case "POST invocations" ->
          invoke(
              fn,
              request.queryParameter("Qualifier").isPresent()
                  ? request.queryParameter("Qualifier").firstValue()
                  : null,
              request.getHeader("X-Amz-Invocation-Type"),
              request.getBodyAsString());
      default ->
          error(
              400,
              "InvalidParameterValueException",
              "not handled by the fake: " + method + " " + path);
    };
  }

  private ResponseDefinition updateCode(Fn fn, JsonNode body) {
    if (!body.path("RevisionId").isMissingNode()
        && !body.path("RevisionId").asText().equals(fn.revision)) {
      return error(
          412,
          "PreconditionFailedException",
          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    if (fn.status.equals("InProgress")) {
      return error(
          409,
          "ResourceConflictException",
          "The operation cannot be performed at this time. An update is in progress for resource: "
              + ARN
              + fn.name);
    }
    String sha = artifacts.get(body.path("S3Bucket").asText() + "/" + body.path("S3Key").asText());
    if (sha == null) {
      return error(
          400,
          "InvalidParameterValueException",
          "Error occurred while GetObject. S3 Error Code: NoSuchKey. "
              + "S3 Error Message: The specified key does not exist.");
    }
    fn.codeSha = sha;
    fn.pendingFailure = fn.failReason;
    fn.failReason = null;
    fn.status = "InProgress";
    fn.looks = fn.looksPerUpdate;
    fn.revision = UUID.randomUUID().toString();
    return ok(200, fn.configuration("$LATEST", fn.codeSha));
  }

  private ResponseDefinition qualified(Fn fn, String qualifier) {
    if (qualifier.equals("$LATEST")) {
      return ok(200, fn.look());
    }
    if (!fn.versions.containsKey(qualifier)) {
      return error(
          404,
          "ResourceNotFoundException",
          "Function not found: " + ARN + fn.name + ":" + qualifier);
    }
    return ok(200, fn.configuration(qualifier, fn.versions.get(qualifier)));
  }

  /** UpdateFunctionConfiguration: only the fields given change; Environment replaces the map. */
  private ResponseDefinition updateConfiguration(Fn fn, JsonNode body) {
    if (!body.path("RevisionId").isMissingNode()
        && !body.path("RevisionId").asText().equals(fn.revision)) {
      return error(
          412,
          "PreconditionFailedException",
          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    if (fn.status.equals("InProgress")) {
      return error(
          409,
          "ResourceConflictException",
          "The operation cannot be performed at this time. An update is in progress for resource: "
              + ARN
              + fn.name);
    }
    Settings now = fn.settings;
    List<String> layers = now.layers();
    if (body.has("Layers")) {
      layers = new ArrayList<>();
      for (JsonNode layer : body.get("Layers")) {
        layers.add(layer.asText());
      }
    }
    Map<String, String> environment = now.environment();
    if (body.has("Environment")) {
      environment = new LinkedHashMap<>();
      for (var it = body.path("Environment").path("Variables").fields(); it.hasNext(); ) {
        var e = it.next();
        environment.put(e.getKey(), e.getValue().asText());
      }
      if (environment.toString().length() > 4096) {
        // Lambda's message quotes what it measured.
        return error(
            400,
            "InvalidParameterValueException",
            "Lambda was unable to configure your environment variables because the environment"
                + " variables you have provided exceeded the 4KB limit. String measured: "
                + JSON.valueToTree(environment));
      }
    }
    fn.settings =
        new Settings(
            body.path("MemorySize").asInt(now.memory()),
            body.path("Timeout").asInt(now.timeout()),
            layers,
            environment);
    fn.pendingFailure = fn.configurationFailReason;
    fn.configurationFailReason = null;
    fn.status = "InProgress";
    fn.looks = fn.looksPerUpdate;
    fn.revision = UUID.randomUUID().toString();
    return ok(200, fn.configuration("$LATEST", fn.codeSha));
  }

  private ResponseDefinition publish(Fn fn, JsonNode body) {
    if (fn.status.equals("InProgress")) {
      return error(
          409,
          "ResourceConflictException",
          "The operation cannot be performed at this time. An update is in progress for resource: "
              + ARN
              + fn.name);
    }
    if (body.hasNonNull("RevisionId") && !body.get("RevisionId").asText().equals(fn.revision)) {
      return error(
          412,
          "PreconditionFailedException",
          "The Revision Id provided does not match the latest Revision Id. Call the GetFunction/GetAlias API to retrieve the latest Revision Id");
    }
    if (body.hasNonNull("CodeSha256") && !body.get("CodeSha256").asText().equals(fn.codeSha)) {
      return error(
          412,
          "PreconditionFailedException",
          "CodeSHA256 ("
              + body.get("CodeSha256").asText()
              + ") is different from current CodeSHA256 in $LATEST ("
              + fn.codeSha
              + "). Please try again with the CodeSHA256 in $LATEST.");
    }
    // Like Lambda: neither code nor configuration changed since the last version, no new version.
    String last = String.valueOf(fn.lastVersion);
    if (!fn.codeSha.equals(fn.versions.get(last))
        || !fn.settings.equals(fn.versionSettings.get(last))) {
      fn.lastVersion++;
      last = String.valueOf(fn.lastVersion);
      fn.versions.put(last, fn.codeSha);
      fn.versionSettings.put(last, fn.settings);
    }
    return ok(201, fn.configuration(last, fn.versions.get(last)));
  }

  /**
   * Invoke: the version the qualifier names (a version, an alias's primary version, or $LATEST
   * unqualified) runs, and its answer comes back as the body with {@code X-Amz-Executed-Version}
   * and, when it failed, {@code X-Amz-Function-Error}; an Event invocation is only accepted (202).
   */
  private ResponseDefinition invoke(Fn fn, String qualifier, String type, String payload) {
    invocations.add(new Invocation(fn.name, qualifier, type, json(payload)));
    String executed = "$LATEST";
    if (qualifier != null) {
      Alias alias = fn.aliases.get(qualifier);
      executed = alias != null ? alias.version : qualifier;
      if (!executed.equals("$LATEST") && !fn.versions.containsKey(executed)) {
        return error(
            404,
            "ResourceNotFoundException",
            "Function not found: " + ARN + fn.name + ":" + qualifier);
      }
    }
    if ("Event".equals(type)) {
      return ResponseDefinitionBuilder.responseDefinition()
          .withStatus(202)
          .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
          .build();
    }
    Answer answer = fn.answer == null ? Answer.ok("null") : fn.answer;
    ResponseDefinitionBuilder response =
        ResponseDefinitionBuilder.responseDefinition()
            .withStatus(200)
            .withBody(answer.payload())
            .withHeader("Content-Type", "application/json")
            .withHeader("X-Amz-Executed-Version", executed)
            .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
            .withFixedDelay((int) answer.latency().toMillis());
    if (answer.functionError() != null) {
      response = response.withHeader("X-Amz-Function-Error", answer.functionError());
    }
    return response.build();
  }

  private ResponseDefinition getAlias(Fn fn, String name) {
    Alias alias = fn.aliases.get(name);
    if (alias == null) {
      return error(
          404, "ResourceNotFoundException", "Alias not found: " + ARN + fn.name + ":" + name);
    }
    return ok(200, alias.json(fn, name));
  }

  private ResponseDefinition updateAlias(Fn fn, String name, JsonNode body) {
    Alias alias = fn.aliases.get(name);
    if (alias == null) {
      return error(
          404, "ResourceNotFoundException", "Alias not found: " + ARN + fn.name + ":" + name);
    }
    String version = body.path("FunctionVersion").asText(alias.version);
    if (!fn.versions.containsKey(version)) {
      return error(
          404, "ResourceNotFoundException", "Function not found: " + ARN + fn.name + ":" + version);
    }
    Map<String, Double> weights = alias.weights;
    if (body.has("RoutingConfig")) {
      weights = new LinkedHashMap<>();
      JsonNode given = body.path("RoutingConfig").path("AdditionalVersionWeights");
      for (var it = given.fields(); it.hasNext(); ) {
        var e = it.next();
        if (!fn.versions.containsKey(e.getKey()) || e.getKey().equals(version)) {
          return error(
              400,
              "InvalidParameterValueException",
              "Invalid function version " + e.getKey() + " in the routing configuration");
        }
        weights.put(e.getKey(), e.getValue().asDouble());
      }
    }
    alias.version = version;
    alias.weights = weights;
    if (body.has("Description")) {
      alias.description = body.get("Description").asText();
    }
    alias.revision = UUID.randomUUID().toString();
    return ok(200, alias.json(fn, name));
  }

  private static ResponseDefinition ok(int status, JsonNode body) {
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withBody(body.toString())
        .withHeader("Content-Type", "application/json")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }

  private static ResponseDefinition error(int status, String type, String message) {
    ObjectNode body = JSON.createObjectNode().put("Type", "User").put("message", message);
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withBody(body.toString())
        .withHeader("Content-Type", "application/json")
        .withHeader("x-amzn-ErrorType", type)
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

  private static final class Fn {
    final String name;
    final Map<String, String> versions = new LinkedHashMap<>();
    final Map<String, Alias> aliases = new LinkedHashMap<>();
    final Map<String, Settings> versionSettings = new LinkedHashMap<>();
    Settings settings = DEFAULT_SETTINGS;
    String configurationFailReason;
    String pendingFailure;
    String codeSha;
    String revision = UUID.randomUUID().toString();
    String status = "Successful";
    String reason;
    String failReason;
    Answer answer;
    int looks;
    int looksPerUpdate;
    int lastVersion;

    Fn(String name) {
      this.name = name;
    }

    /**
     * GetFunctionConfiguration: an update in progress ends after its looks, Successful or Failed.
     */
    ObjectNode look() {
      if (status.equals("InProgress")) {
        if (looks > 0) {
          looks--;
        } else if (pendingFailure != null) {
          status = "Failed";
          reason = pendingFailure;
          pendingFailure = null;
        } else {
          status = "Successful";
          reason = null;
          revision = UUID.randomUUID().toString();
        }
      }
      return configuration("$LATEST", codeSha);
    }

    ObjectNode configuration(String version, String sha) {
      Settings shown =
          version.equals("$LATEST") ? settings : versionSettings.getOrDefault(version, settings);
      ObjectNode c =
          JSON.createObjectNode()
              .put("FunctionName", name)
              .put("FunctionArn", ARN + name + (version.equals("$LATEST") ? "" : ":" + version))
              .put("Runtime", "python3.12")
              .put("Role", "arn:aws:iam::123456789012:role/" + name)
              .put("Handler", "app.handler")
              .put("CodeSize", 5120)
              .put("Description", "")
              .put("Timeout", shown.timeout())
              .put("MemorySize", shown.memory())
              .put("LastModified", "2026-11-22T08:00:00.000+0000")
              .put("CodeSha256", sha)
              .put("Version", version)
              .put("RevisionId", revision)
              .put("State", "Active")
              .put("PackageType", "Zip");
      c.putArray("Architectures").add("x86_64");
      if (!shown.environment().isEmpty()) {
        ObjectNode variables = c.putObject("Environment").putObject("Variables");
        shown.environment().forEach(variables::put);
      }
      if (!shown.layers().isEmpty()) {
        ArrayNode layers = c.putArray("Layers");
        shown.layers().forEach(arn -> layers.addObject().put("Arn", arn).put("CodeSize", 1024));
      }
      if (version.equals("$LATEST")) {
        c.put("LastUpdateStatus", status);
        if (reason != null) {
          c.put("LastUpdateStatusReason", reason)
              .put("LastUpdateStatusReasonCode", "InvalidZipFileException");
        }
      }
      return c;
    }

    ObjectNode versionList(String marker, int maxItems) {
      List<ObjectNode> all = new ArrayList<>();
      all.add(configuration("$LATEST", codeSha));
      versions.forEach((v, sha) -> all.add(configuration(v, sha)));
      int from = marker == null ? 0 : Integer.parseInt(marker);
      int to = Math.min(all.size(), from + maxItems);
      ObjectNode page = JSON.createObjectNode();
      ArrayNode items = page.putArray("Versions");
      all.subList(from, to).forEach(items::add);
      if (to < all.size()) {
        page.put("NextMarker", String.valueOf(to));
      }
      return page;
    }
  }

  private static final class Alias {
    String version;
    Map<String, Double> weights = new LinkedHashMap<>();
    String description = "";
    String revision = UUID.randomUUID().toString();

    Alias(String version) {
      this.version = version;
    }

    ObjectNode json(Fn fn, String name) {
      ObjectNode a =
          JSON.createObjectNode()
              .put("AliasArn", ARN + fn.name + ":" + name)
              .put("Name", name)
              .put("FunctionVersion", version)
              .put("Description", description)
              .put("RevisionId", revision);
      if (!weights.isEmpty()) {
        ObjectNode w = a.putObject("RoutingConfig").putObject("AdditionalVersionWeights");
        weights.forEach(w::put);
      }
      return a;
    }
  }
}
