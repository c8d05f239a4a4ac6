package io.countersign.release;

import io.countersign.manifest.ManifestReader;
import io.countersign.manifest.ReleaseManifest;
import io.swagger.v3.core.converter.ModelConverters;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.Operation;
import io.swagger.v3.oas.models.PathItem;
import io.swagger.v3.oas.models.examples.Example;
import io.swagger.v3.oas.models.headers.Header;
import io.swagger.v3.oas.models.info.Info;
import io.swagger.v3.oas.models.media.ArraySchema;
import io.swagger.v3.oas.models.media.BooleanSchema;
import io.swagger.v3.oas.models.media.Content;
import io.swagger.v3.oas.models.media.IntegerSchema;
import io.swagger.v3.oas.models.media.MediaType;
import io.swagger.v3.oas.models.media.ObjectSchema;
import io.swagger.v3.oas.models.media.Schema;
import io.swagger.v3.oas.models.media.StringSchema;
import io.swagger.v3.oas.models.parameters.Parameter;
import io.swagger.v3.oas.models.parameters.RequestBody;
import io.swagger.v3.oas.models.responses.ApiResponse;
import io.swagger.v3.oas.models.responses.ApiResponses;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import io.swagger.v3.oas.models.tags.Tag;
import java.math.BigDecimal;
import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.springdoc.core.customizers.OpenApiCustomizer;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.info.BuildProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpStatus;

/**
 * The OpenAPI document of {@code /api} (springdoc serves it at {@code /api/docs/openapi}, Swagger
 * UI at {@code /api/docs/swagger-ui.html}, both behind the API's authentication). What springdoc
 * cannot see in the code is added here, in one place, so the controllers stay free of annotations:
 * the security schemes, the problem+json responses each operation really gives, and the bodies the
 * controllers read or write by hand (the manifest in JSON or YAML, {@code ResponseEntity<?>}).
 */
@Configuration(proxyBeanMethods = false)
class ApiDocumentation {
  static final String PROBLEM_JSON = "application/problem+json";
  static final String JSON = "application/json";
  static final String BASIC = "basicAuth";
  static final String BEARER = "bearerAuth";

  /**
   * Every problem the API answers with. The types of ReleaseController's own problems come from its
   * problem(), so the document names exactly the URIs it sends.
   */
  enum Problem {
    INVALID_MANIFEST(
        ProblemResponses.INVALID_MANIFEST,
        HttpStatus.BAD_REQUEST,
        "Invalid release manifest",
        "The manifest is not valid: `errors` lists every invalid field with its JSON path."),
    INVALID_REQUEST(
        ProblemResponses.INVALID_REQUEST,
        HttpStatus.BAD_REQUEST,
        "Invalid request",
        "A request body, query parameter or header is not valid (or a JSON body not readable):"
            + " `errors` lists each with its JSON path (`$.query.size`, `$.headers.Idempotency-Key`)."),
    BAD_PARAMETER(
        null,
        HttpStatus.BAD_REQUEST,
        "Bad Request",
        "A query parameter that is not of its type (`page=abc`)."),
    UNAUTHORIZED(
        null,
        HttpStatus.UNAUTHORIZED,
        "Unauthorized",
        "No credentials, or wrong ones (with `WWW-Authenticate: Basic realm=\"Countersign\"`); a"
            + " rejected bearer token gets `WWW-Authenticate: Bearer error=\"invalid_token\"` and"
            + " no body."),
    NOT_A_REQUESTER(
        typeOf(HttpStatus.FORBIDDEN, "Not a release requester"),
        HttpStatus.FORBIDDEN,
        "Not a release requester",
        "The caller is not in group `release-requesters`."),
    NOT_ALLOWED(
        typeOf(HttpStatus.FORBIDDEN, "Not allowed"),
        HttpStatus.FORBIDDEN,
        "Not allowed",
        "The caller may not read this release or request this action on it."),
    EVIDENCE_NOT_ALLOWED(
        null,
        HttpStatus.FORBIDDEN,
        "Not allowed",
        "The caller's groups do not admit this read (the refusal is recorded in the evidence-access"
            + " chain)."),
    RELEASE_NOT_FOUND(
        typeOf(HttpStatus.NOT_FOUND, "Release not found"),
        HttpStatus.NOT_FOUND,
        "Release not found",
        "No release with this id."),
    EVIDENCE_RELEASE_NOT_FOUND(
        null,
        HttpStatus.NOT_FOUND,
        "Release not found",
        "No release with this id (the evidence endpoints)."),
    CHAIN_NOT_FOUND(
        null,
        HttpStatus.NOT_FOUND,
        "Evidence chain not found",
        "No evidence chain of this name (`models` and `evidence-access` exist)."),
    NOT_POSSIBLE(
        typeOf(HttpStatus.CONFLICT, "Not possible in the release's current state"),
        HttpStatus.CONFLICT,
        "Not possible in the release's current state",
        "The release's status does not allow this action (now)."),
    EVIDENCE_INVALID(
        URI.create(ProblemResponses.TYPES + "evidence-invalid"),
        HttpStatus.CONFLICT,
        "Evidence does not verify",
        "The chain does not verify, so no signed bundle is issued: `problems` lists why."),
    PAYLOAD_TOO_LARGE(
        ProblemResponses.PAYLOAD_TOO_LARGE,
        HttpStatus.PAYLOAD_TOO_LARGE,
        "Request body too large",
        "The manifest is larger than `limitBytes` (256 KiB)."),
    UNSUPPORTED_MEDIA_TYPE(
        ProblemResponses.UNSUPPORTED_MEDIA_TYPE,
        HttpStatus.UNSUPPORTED_MEDIA_TYPE,
        "Unsupported media type",
        "A body in a media type the endpoint does not read (`supported` lists the manifest's), or a"
            + " `Content-Type` header that is not one concrete media type with a known charset."),
    TOO_MANY_FAILED_LOGINS(
        URI.create(ProblemResponses.TYPES + "too-many-failed-logins"),
        HttpStatus.TOO_MANY_REQUESTS,
        "Too many failed logins",
        "Too many failed logins from the client's address; `Retry-After` says when to try again."),
    DATABASE_UNAVAILABLE(
        DatabaseDownFilter.DATABASE_UNAVAILABLE,
        HttpStatus.SERVICE_UNAVAILABLE,
        "Database unavailable",
        "Countersign's database is unreachable: nothing was started or changed; try again after"
            + " `Retry-After` seconds.");

    final URI type;
    final HttpStatus status;
    final String title;
    final String when;

    Problem(URI type, HttpStatus status, String title, String when) {
      this.type = type == null ? URI.create("about:blank") : type;
      this.status = status;
      this.title = title;
      this.when = when;
    }

    private static URI typeOf(HttpStatus status, String title) {
      return ReleaseController.problem(status, title, "").getBody().getType();
    }
  }

  /** What every operation can answer, whatever it does. */
  static final List<Problem> EVERY_OPERATION =
      List.of(
          Problem.UNAUTHORIZED,
          Problem.UNSUPPORTED_MEDIA_TYPE,
          Problem.TOO_MANY_FAILED_LOGINS,
          Problem.DATABASE_UNAVAILABLE);

  /** One operation of the API: its stable id, tag, summary and its own problems. */
  record Op(String id, String tag, String summary, List<Problem> problems) {
    Op(String id, String tag, String summary, Problem... problems) {
      this(id, tag, summary, List.of(problems));
    }
  }

  static final String RELEASES = "Releases";
  static final String EVIDENCE = "Evidence";
  static final String COMPLIANCE = "Compliance";

  /**
   * Every operation, by method and path; a test fails when the code has one this table lacks. The
   * problems are the ones the controllers and ProblemResponses really send for each.
   */
  static final Map<String, Op> OPERATIONS =
      Map.ofEntries(
          Map.entry(
              "POST /api/releases",
              new Op(
                  "submitRelease",
                  RELEASES,
                  "Submit a release manifest (JSON or YAML)",
                  Problem.INVALID_MANIFEST,
                  Problem.INVALID_REQUEST,
                  Problem.NOT_A_REQUESTER,
                  Problem.PAYLOAD_TOO_LARGE)),
          Map.entry(
              "GET /api/releases",
              new Op(
                  "listReleases",
                  RELEASES,
                  "A page of releases, newest first (requesters see their own)",
                  Problem.INVALID_REQUEST,
                  Problem.BAD_PARAMETER)),
          Map.entry(
              "GET /api/releases/{id}",
              new Op(
                  "getRelease",
                  RELEASES,
                  "A release: status, sign-offs, steps, incidents, what it waits for, actions",
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND)),
          Map.entry(
              "GET /api/releases/{id}/manifest",
              new Op(
                  "getReleaseManifest",
                  RELEASES,
                  "The manifest as stored and signed (RFC 8785 canonical JSON)",
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND)),
          Map.entry(
              "GET /api/releases/{id}/diff",
              new Op(
                  "getReleaseDiff",
                  RELEASES,
                  "What the release changes against the one running in its environment before it",
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND)),
          Map.entry(
              "GET /api/releases/{id}/diagram",
              new Op(
                  "getReleaseDiagram",
                  RELEASES,
                  "The release's process instances, their models and the state of each element",
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND)),
          Map.entry(
              "POST /api/releases/{id}/cancel",
              new Op(
                  "cancelRelease",
                  RELEASES,
                  "Cancel a release before deployment (requester or release manager)",
                  Problem.INVALID_REQUEST,
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND,
                  Problem.NOT_POSSIBLE)),
          Map.entry(
              "POST /api/releases/{id}/rollback",
              new Op(
                  "rollBackRelease",
                  RELEASES,
                  "Roll a released release back within its rollback window",
                  Problem.INVALID_REQUEST,
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND,
                  Problem.NOT_POSSIBLE)),
          Map.entry(
              "POST /api/releases/{id}/post-deployment-evidence",
              new Op(
                  "postDeploymentEvidence",
                  RELEASES,
                  "Hand in the evidence the policy requires once deployed",
                  Problem.INVALID_REQUEST,
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND,
                  Problem.NOT_POSSIBLE)),
          Map.entry(
              "POST /api/releases/{id}/override",
              new Op(
                  "overrideRelease",
                  RELEASES,
                  "Request an emergency override (requester only, before deployment)",
                  Problem.INVALID_REQUEST,
                  Problem.NOT_ALLOWED,
                  Problem.RELEASE_NOT_FOUND,
                  Problem.NOT_POSSIBLE)),
          Map.entry(
              "GET /api/releases/{id}/evidence",
              new Op(
                  "exportReleaseEvidence",
                  EVIDENCE,
                  "The release's signed evidence bundle",
                  Problem.EVIDENCE_NOT_ALLOWED,
                  Problem.EVIDENCE_RELEASE_NOT_FOUND,
                  Problem.EVIDENCE_INVALID)),
          Map.entry(
              "GET /api/releases/{id}/evidence/verify",
              new Op(
                  "verifyReleaseEvidence",
                  EVIDENCE,
                  "Verify the release's evidence chain",
                  Problem.EVIDENCE_NOT_ALLOWED,
                  Problem.EVIDENCE_RELEASE_NOT_FOUND)),
          Map.entry(
              "GET /api/evidence/chains/{chain}",
              new Op(
                  "exportEvidenceChain",
                  EVIDENCE,
                  "A signed bundle of a chain that belongs to no release (models, evidence-access)",
                  Problem.EVIDENCE_NOT_ALLOWED,
                  Problem.CHAIN_NOT_FOUND,
                  Problem.EVIDENCE_INVALID)),
          Map.entry(
              "GET /api/evidence/chains/{chain}/verify",
              new Op(
                  "verifyEvidenceChain",
                  EVIDENCE,
                  "Verify a chain that belongs to no release",
                  Problem.EVIDENCE_NOT_ALLOWED,
                  Problem.CHAIN_NOT_FOUND)),
          Map.entry(
              "GET /api/evidence/verify",
              new Op(
                  "verifyInstallationEvidence",
                  EVIDENCE,
                  "Verify every chain and every release of the installation",
                  Problem.EVIDENCE_NOT_ALLOWED)),
          Map.entry(
              "POST /api/evidence/verify",
              new Op(
                  "verifyEvidenceBundle",
                  EVIDENCE,
                  "Check a bundle someone hands in against this server's signing key",
                  Problem.INVALID_REQUEST)),
          Map.entry(
              "GET /api/evidence/public-key",
              new Op(
                  "getEvidencePublicKey",
                  EVIDENCE,
                  "The public key that verifies bundles, entries and checkpoints offline")),
          Map.entry(
              "GET /api/compliance/report",
              new Op(
                  "getComplianceReport",
                  COMPLIANCE,
                  "The compliance report for a period (admins, compliance officers)",
                  Problem.INVALID_REQUEST,
                  Problem.EVIDENCE_NOT_ALLOWED)));

  @Bean
  OpenApiCustomizer countersignApi(ObjectProvider<BuildProperties> build) {
    return api -> document(api, version(build));
  }

  private static String version(ObjectProvider<BuildProperties> build) {
    BuildProperties properties = build.getIfAvailable();
    if (properties != null && properties.getVersion() != null) {
      return properties.getVersion();
    }
    String manifest = ApiDocumentation.class.getPackage().getImplementationVersion();
    return manifest == null ? "development" : manifest;
  }

  static void document(OpenAPI api, String version) {
    api.info(
        new Info()
            .title("Countersign API")
            .version(version)
            .description(
                "Submit releases, follow them, act on them, and read their evidence. Every"
                    + " operation needs HTTP Basic (the engine's users) or, where OIDC is"
                    + " configured, a bearer token from the organisation's identity provider."
                    + " Errors are `application/problem+json` (RFC 9457):\n\n"
                    + problemTable()));
    Components components = api.getComponents() == null ? new Components() : api.getComponents();
    api.components(components);
    components.addSecuritySchemes(
        BASIC,
        new SecurityScheme()
            .type(SecurityScheme.Type.HTTP)
            .scheme("basic")
            .description("A user of the engine's identity (Camunda Admin) and password."));
    components.addSecuritySchemes(
        BEARER,
        new SecurityScheme()
            .type(SecurityScheme.Type.HTTP)
            .scheme("bearer")
            .bearerFormat("JWT")
            .description(
                "An OIDC access token, accepted when countersign.security.oidc.issuer and"
                    + " jwk-set-uri are configured; groups come from the token's claims."));
    api.security(
        List.of(
            new SecurityRequirement().addList(BASIC), new SecurityRequirement().addList(BEARER)));
    components.addSchemas("FieldError", fieldError());
    components.addSchemas("Problem", problemSchema());
    manifestSchemas(components);
    for (Problem common : EVERY_OPERATION) {
      components.addResponses(responseName(common), response(List.of(common)));
    }
    api.tags(
        List.of(
            new Tag().name(RELEASES).description("Submitting releases and acting on them"),
            new Tag().name(EVIDENCE).description("The signed, hash-chained evidence log"),
            new Tag().name(COMPLIANCE).description("Reports for auditors")));
    api.getPaths()
        .forEach(
            (path, item) ->
                item.readOperationsMap()
                    .forEach(
                        (method, operation) -> {
                          Op op = OPERATIONS.get(method + " " + path);
                          if (op != null) {
                            operation.operationId(op.id()).tags(List.of(op.tag()));
                            operation.summary(op.summary());
                            problems(operation, op);
                          }
                          bodies(method, path, operation);
                        }));
  }

  /** The problem types as a Markdown table (also in the README). */
  static String problemTable() {
    StringBuilder table =
        new StringBuilder("| type | status | title | when |\n|---|---|---|---|\n");
    for (Problem problem : Problem.values()) {
      table
          .append("| `")
          .append(problem.type)
          .append("` | ")
          .append(problem.status.value())
          .append(" | ")
          .append(problem.title)
          .append(" | ")
          .append(problem.when)
          .append(" |\n");
    }
    return table.toString();
  }

  private static void problems(Operation operation, Op op) {
    ApiResponses responses =
        operation.getResponses() == null ? new ApiResponses() : operation.getResponses();
    operation.responses(responses);
    Map<HttpStatus, List<Problem>> byStatus = new TreeMap<>();
    op.problems().forEach(p -> byStatus.computeIfAbsent(p.status, s -> new ArrayList<>()).add(p));
    byStatus.forEach(
        (status, problems) ->
            responses.addApiResponse(String.valueOf(status.value()), response(problems)));
    // The answers every operation shares are defined once, in components.responses.
    for (Problem common : EVERY_OPERATION) {
      responses.addApiResponse(
          String.valueOf(common.status.value()),
          new ApiResponse().$ref("#/components/responses/" + responseName(common)));
    }
  }

  /** components.responses name of a problem every operation can answer: TooManyFailedLogins. */
  static String responseName(Problem problem) {
    StringBuilder name = new StringBuilder();
    for (String word : problem.name().toLowerCase().split("_")) {
      name.append(Character.toUpperCase(word.charAt(0))).append(word.substring(1));
    }
    return name.toString();
  }

  /** One status of an operation: the problems it can be, each with an example. */
  private static ApiResponse response(List<Problem> problems) {
    MediaType media = new MediaType().schema(ref("Problem"));
    for (Problem problem : problems) {
      Map<String, Object> value = new LinkedHashMap<>();
      value.put("type", problem.type.toString());
      value.put("title", problem.title);
      value.put("status", problem.status.value());
      media.addExamples(
          problem.name().toLowerCase().replace('_', '-'),
          new Example().summary(problem.title).value(value));
    }
    ApiResponse response =
        new ApiResponse()
            .description(
                problems.stream()
                    .map(p -> "`" + p.type + "`: " + p.when)
                    .collect(Collectors.joining("\n\n")))
            .content(new Content().addMediaType(PROBLEM_JSON, media));
    HttpStatus status = problems.get(0).status;
    if (status == HttpStatus.UNAUTHORIZED) {
      response.addHeaderObject(
          "WWW-Authenticate",
          header(
              "Basic realm=\"Countersign\" (the browser's login prompt), or Bearer"
                  + " error=\"invalid_token\" for a rejected token"));
    }
    if (status == HttpStatus.TOO_MANY_REQUESTS || status == HttpStatus.SERVICE_UNAVAILABLE) {
      response.addHeaderObject("Retry-After", header("Seconds to wait before trying again"));
    }
    return response;
  }

  private static Header header(String description) {
    return new Header().description(description).schema(new StringSchema());
  }

  /** The bodies springdoc cannot see: read from the request by hand, or a ResponseEntity<?>. */
  private static void bodies(PathItem.HttpMethod method, String path, Operation operation) {
    String key = method + " " + path;
    switch (key) {
      case "POST /api/releases" -> {
        Content content = new Content();
        for (org.springframework.http.MediaType type : ManifestReader.SUPPORTED_TYPES) {
          content.addMediaType(
              type.toString(),
              new MediaType().schema(new Schema<>().$ref("#/components/schemas/ReleaseManifest")));
        }
        parameter(operation, "Idempotency-Key")
            .description(
                "Repeating a submission with the same key answers the release it created (200)")
            .getSchema()
            .minLength(1)
            .maxLength(128);
        operation.requestBody(
            new RequestBody()
                .required(true)
                .description(
                    "The release manifest, JSON or YAML (UTF-8), at most "
                        + ManifestReader.MAX_BYTES / 1024
                        + " KiB. Target sections (`stack`, `lambda`, ...) are top-level fields.")
                .content(content));
        Schema<?> submitted =
            new ObjectSchema()
                .addProperty("id", new StringSchema())
                .addProperty("status", new StringSchema())
                .addProperty(
                    "created",
                    new BooleanSchema().description("false: the existing release was answered"));
        ApiResponse created =
            json(submitted, "Submitted; `Location` names the release")
                .addHeaderObject("Location", header("/api/releases/{id}"));
        ApiResponse existing =
            json(
                    submitted,
                    "The release already submitted for this application, version and environment"
                        + " (while active), or for this Idempotency-Key")
                .addHeaderObject("Location", header("/api/releases/{id}"));
        operation.getResponses().addApiResponse("201", created).addApiResponse("200", existing);
      }
      case "GET /api/releases" -> {
        parameter(operation, "page").getSchema().minimum(BigDecimal.ZERO);
        parameter(operation, "size")
            .getSchema()
            .minimum(BigDecimal.ONE)
            .maximum(BigDecimal.valueOf(100));
      }
      case "GET /api/releases/{id}" ->
          operation.getResponses().addApiResponse("200", json(ref("Detail"), "The release"));
      case "GET /api/releases/{id}/manifest" ->
          operation
              .getResponses()
              .addApiResponse(
                  "200",
                  json(
                          ref("ReleaseManifest"),
                          "The canonical JSON text; its SHA-256 is the digest the sign-offs name")
                      .addHeaderObject("X-Manifest-SHA256", header("SHA-256 of the body, hex"))
                      .addHeaderObject("Repr-Digest", header("sha-256=:<base64>: (RFC 9530)")));
      case "GET /api/releases/{id}/diff" ->
          operation
              .getResponses()
              .addApiResponse(
                  "200",
                  json(
                      new ObjectSchema().additionalProperties(true),
                      "`against` (the release compared with) and `changes` (path, before, after)"));
      case "GET /api/releases/{id}/diagram" ->
          operation
              .getResponses()
              .addApiResponse(
                  "200",
                  json(
                      new ObjectSchema()
                          .addProperty(
                              "processes",
                              new ArraySchema()
                                  .items(new ObjectSchema().additionalProperties(true))),
                      "Each process instance with its model's BPMN XML and element states"));
      case "POST /api/releases/{id}/cancel",
          "POST /api/releases/{id}/rollback",
          "POST /api/releases/{id}/post-deployment-evidence",
          "POST /api/releases/{id}/override" -> {
        // ResponseEntity<?> made springdoc guess a 200; these answer 202 or a problem.
        operation.getResponses().remove("200");
        operation
            .getResponses()
            .addApiResponse(
                "202",
                json(
                    new ObjectSchema()
                        .addProperty("id", new StringSchema())
                        .addProperty("message", new StringSchema()),
                    "Accepted; the release's process acts on it"));
      }
      default -> {
        // springdoc reads the response type from the method's signature.
      }
    }
  }

  private static Parameter parameter(Operation operation, String name) {
    return operation.getParameters().stream()
        .filter(p -> p.getName().equals(name))
        .findFirst()
        // A parameter renamed in the code: the checked-in document's test shows it undescribed.
        .orElseGet(() -> new Parameter().schema(new Schema<>()));
  }

  private static Schema<?> ref(String name) {
    return new Schema<>().$ref("#/components/schemas/" + name);
  }

  private static ApiResponse json(Schema<?> schema, String description) {
    return new ApiResponse()
        .description(description)
        .content(new Content().addMediaType(JSON, new MediaType().schema(schema)));
  }

  private static Schema<?> fieldError() {
    return new ObjectSchema()
        .description("One invalid field")
        .addProperty(
            "path",
            new StringSchema()
                .description("JSON path of the field, e.g. $.lambda.functions[1].name"))
        .addProperty("message", new StringSchema().description("What is wrong with it"))
        .required(List.of("path", "message"));
  }

  private static Schema<?> problemSchema() {
    return new ObjectSchema()
        .description("RFC 9457 problem details; `type` is one of the problem types listed above")
        .addProperty(
            "type",
            new StringSchema()
                .format("uri")
                .description("The problem type; about:blank for a plain HTTP error")
                ._enum(Stream.of(Problem.values()).map(p -> p.type.toString()).distinct().toList()))
        .addProperty("title", new StringSchema())
        .addProperty("status", new IntegerSchema().format("int32"))
        .addProperty("detail", new StringSchema())
        .addProperty(
            "instance", new StringSchema().format("uri-reference").description("The request path"))
        .addProperty(
            "errors",
            new ArraySchema()
                .items(new Schema<>().$ref("#/components/schemas/FieldError"))
                .description("invalid-manifest, invalid-request: every invalid field"))
        .addProperty(
            "supported",
            new ArraySchema()
                .items(new StringSchema())
                .description("unsupported-media-type on a manifest: the media types it reads"))
        .addProperty(
            "limitBytes",
            new IntegerSchema()
                .format("int64")
                .description("payload-too-large: the largest body accepted"))
        .addProperty(
            "problems",
            new ArraySchema()
                .items(new StringSchema())
                .description("evidence-invalid: why the chain does not verify"))
        .required(List.of("type", "title", "status"));
  }

  /**
   * The manifest's schema from its record (with the Bean Validation limits), and the release detail
   * that GET answers in a ResponseEntity. Target sections bind as top-level fields ({@code
   * sections} is the record's any-setter), so they are additional properties, not a field.
   */
  @SuppressWarnings("rawtypes")
  private static void manifestSchemas(Components components) {
    for (Class<?> type : List.of(ReleaseManifest.class, ReleaseViews.Detail.class)) {
      Map<String, Schema> schemas = ModelConverters.getInstance().readAll(type);
      schemas.forEach(
          (name, schema) -> {
            if (components.getSchemas() == null || !components.getSchemas().containsKey(name)) {
              components.addSchemas(name, schema);
            }
          });
    }
    Schema<?> manifest = components.getSchemas().get("ReleaseManifest");
    if (manifest != null && manifest.getProperties() != null) {
      manifest.getProperties().remove("sections");
      manifest.additionalProperties(
          new ObjectSchema()
              .description("A target section (stack, lambda configuration, ...) by name"));
    }
  }
}
