package io.countersign.manifest;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.util.JsonParserDelegate;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import jakarta.validation.ConstraintViolation;
import jakarta.validation.Validator;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotEmpty;
import jakarta.validation.constraints.NotNull;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.annotation.Annotation;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.error.MarkedYAMLException;

/**
 * Turns a submitted body (JSON or YAML) into a valid {@link ReleaseManifest}, or fails with every
 * problem at once: syntax, shape (unknown fields, JSON types), Bean Validation, rules across
 * fields, then every {@link ManifestCheck} (known targets, allow-lists). The target capabilities
 * ({@link ManifestParts}) say which sections beyond the manifest's own fields are read, which
 * checks run and which steps a drill may name.
 */
@Component
public class ManifestReader {
  /** Largest body accepted: a manifest is a page of text, not an artifact. */
  public static final int MAX_BYTES = 256 * 1024;

  public static final MediaType APPLICATION_YAML = MediaType.parseMediaType("application/yaml");
  public static final List<MediaType> SUPPORTED_TYPES =
      List.of(
          MediaType.APPLICATION_JSON,
          APPLICATION_YAML,
          MediaType.parseMediaType("application/x-yaml"),
          MediaType.parseMediaType("text/yaml"));

  /**
   * A manifest is at most six levels deep; this leaves room without letting a body exhaust the
   * stack.
   */
  static final int MAX_DEPTH = 20;

  /**
   * The YAML 1.2 core schema's tags as Jackson reports them (leading '!' removed, so "" is the
   * non-specific {@code !}). A local tag spelled like one of these ({@code !tag:yaml.org,2002:str})
   * reads the same as it.
   */
  private static final Set<String> CORE_TAGS =
      Set.of(
          "",
          "tag:yaml.org,2002:str",
          "tag:yaml.org,2002:int",
          "tag:yaml.org,2002:float",
          "tag:yaml.org,2002:bool",
          "tag:yaml.org,2002:null",
          "tag:yaml.org,2002:map",
          "tag:yaml.org,2002:seq");

  private static final String YAML_TAG_PREFIX = "tag:yaml.org,2002:";

  private static final Set<Class<? extends Annotation>> PRESENCE =
      Set.of(NotNull.class, NotBlank.class, NotEmpty.class);

  private final Validator validator;
  private final ManifestParts parts;
  private final Environments environments;

  /** The capabilities' sections beyond ReleaseManifest's own fields, by name. */
  private final Map<String, Class<?>> sections = new LinkedHashMap<>();

  private final JsonFactory json;
  private final YAMLFactory yaml;
  private final ObjectMapper mapper;

  public ManifestReader(Validator validator, ManifestParts parts, Environments environments) {
    this.validator = validator;
    this.parts = parts;
    this.environments = environments;
    parts.sections().stream()
        .filter(section -> !section.isTyped())
        .forEach(section -> sections.put(section.name(), section.type()));
    StreamReadConstraints limits =
        StreamReadConstraints.builder()
            .maxNestingDepth(MAX_DEPTH)
            .maxStringLength(MAX_BYTES)
            .maxNumberLength(100)
            .build();
    this.json =
        JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(limits)
            .build();
    this.yaml =
        YAMLFactory.builder()
            .loaderOptions(yamlLimits())
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(limits)
            .build();
    this.mapper =
        JsonMapper.builder(json)
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.ACCEPT_FLOAT_AS_INT)
            .build();
  }

  /**
   * Reads a request body of at most {@link #MAX_BYTES}, consuming no more than one byte past the
   * limit.
   *
   * @throws PayloadTooLargeException when the body is longer
   */
  public static byte[] readBody(InputStream in) throws IOException {
    byte[] body = in.readNBytes(MAX_BYTES + 1);
    if (body.length > MAX_BYTES) {
      throw new PayloadTooLargeException(MAX_BYTES);
    }
    return body;
  }

  /**
   * @throws UnsupportedManifestTypeException for a content type other than JSON or YAML, or a
   *     charset other than UTF-8
   * @throws PayloadTooLargeException for a body over {@link #MAX_BYTES}
   * @throws InvalidManifestException listing every problem of the manifest
   */
  public ReleaseManifest read(byte[] body, MediaType contentType) {
    boolean isYaml = isYaml(contentType);
    if (body.length > MAX_BYTES) {
      throw new PayloadTooLargeException(MAX_BYTES);
    }
    FieldErrors errors = new FieldErrors();
    JsonNode tree = parse(body, isYaml, errors);
    if (tree == null) {
      throw invalid(errors);
    }
    ObjectNode clean = ManifestShape.check(tree, ReleaseManifest.class, sections, errors, mapper);
    if (clean == null) {
      throw invalid(errors);
    }
    List<String> shapeErrors = errors.list().stream().map(FieldErrors.FieldError::path).toList();
    ReleaseManifest manifest;
    Map<String, Object> bound = new LinkedHashMap<>();
    try {
      manifest = mapper.treeToValue(clean, ReleaseManifest.class);
      for (Map.Entry<String, Class<?>> section : sections.entrySet()) {
        if (clean.has(section.getKey())) {
          bound.put(
              section.getKey(),
              mapper.treeToValue(clean.get(section.getKey()), section.getValue()));
        }
      }
    } catch (JsonProcessingException | IllegalArgumentException e) {
      // The shape check should leave nothing Jackson refuses; if it did, the shape errors already
      // say why.
      if (errors.isEmpty()) {
        errors.add(JsonPaths.ROOT, "could not be read as a manifest: " + e.getMessage());
      }
      throw invalid(errors);
    }
    manifest = manifest.withSections(bound);
    validate(manifest, JsonPaths.ROOT, shapeErrors, errors);
    bound.forEach(
        (name, section) ->
            validate(section, JsonPaths.field(JsonPaths.ROOT, name), shapeErrors, errors));
    drill(manifest, errors);
    environment(manifest.environment(), errors);
    boolean valid = errors.isEmpty();
    FieldErrors ruleErrors = new FieldErrors();
    ManifestRules.check(manifest, environments, ruleErrors);
    for (FieldErrors.FieldError error : ruleErrors.list()) {
      // A value the shape check left out can make a rule misfire on its parent ("needs a threshold"
      // when max was a string).
      if (shapeErrors.stream()
          .noneMatch(
              reported ->
                  JsonPaths.isWithin(error.path(), reported)
                      || JsonPaths.isWithin(reported, error.path()))) {
        errors.add(error.path(), error.message());
      }
    }
    if (valid) {
      // Checks read configuration by target name, so they only see manifests whose fields are all
      // present and well-formed.
      for (ManifestCheck check : parts.checks()) {
        check.check(manifest, errors);
      }
    }
    if (!errors.isEmpty()) {
      throw invalid(errors);
    }
    return manifest;
  }

  /** Environments come from configuration, so the shape check cannot know them. */
  private void environment(String id, FieldErrors errors) {
    if (id != null && environments.find(id).isEmpty()) {
      errors.add(
          JsonPaths.field(JsonPaths.ROOT, "environment"),
          "unknown environment '"
              + id
              + "'; expected one of "
              + String.join(", ", environments.ids()));
    }
  }

  private boolean isYaml(MediaType contentType) {
    if (contentType != null) {
      for (MediaType supported : SUPPORTED_TYPES) {
        if (supported.equalsTypeAndSubtype(contentType)) {
          // The parsers read the bytes as UTF-8 (the only encoding RFC 8259 allows for JSON between
          // systems); a body declared in another charset would be misread, so it is refused rather
          // than guessed at.
          if (contentType.getCharset() != null
              && !contentType.getCharset().equals(StandardCharsets.UTF_8)) {
            throw UnsupportedManifestTypeException.charset(contentType, SUPPORTED_TYPES);
          }
          return !supported.equals(MediaType.APPLICATION_JSON);
        }
      }
    }
    throw new UnsupportedManifestTypeException(contentType, SUPPORTED_TYPES);
  }

  private JsonNode parse(byte[] body, boolean isYaml, FieldErrors errors) {
    String format = isYaml ? "YAML" : "JSON";
    try (JsonParser raw = isYaml ? yaml.createParser(body) : json.createParser(body)) {
      JsonParser parser = isYaml ? new CoreYaml((YAMLParser) raw) : raw;
      JsonNode tree = mapper.readTree(parser);
      if (tree == null || tree.isMissingNode()) {
        errors.add(JsonPaths.ROOT, "the body is empty; expected a " + format + " object");
        return null;
      }
      if (parser.nextToken() != null) {
        errors.add(
            JsonPaths.ROOT,
            isYaml
                ? "the body must hold exactly one YAML document"
                : "unexpected content after the JSON object");
        return null;
      }
      return tree;
    } catch (StreamConstraintsException e) {
      errors.add(
          JsonPaths.ROOT,
          e.getMessage().contains("nesting depth")
              ? "the body is nested more than " + MAX_DEPTH + " levels deep"
              : "the body holds a value that is too long");
    } catch (YamlRefusal e) {
      errors.add(e.path, e.getOriginalMessage() + at(e.getLocation()));
    } catch (JsonParseException e) {
      String duplicate = JsonPaths.ofDuplicateKey(e);
      if (duplicate != null) {
        errors.add(duplicate, "duplicate key" + at(e.getLocation()));
      } else {
        errors.add(JsonPaths.ROOT, syntaxError(format, e));
      }
    } catch (JsonProcessingException e) {
      errors.add(JsonPaths.ROOT, syntaxError(format, e));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // reading a byte array: not expected
    }
    return null;
  }

  private static String syntaxError(String format, JsonProcessingException e) {
    // SnakeYAML knows the precise place and a one-line problem; Jackson's own message spans lines
    // with a snippet.
    if (e.getCause() instanceof MarkedYAMLException yamlError
        && yamlError.getProblemMark() != null) {
      return "invalid YAML at line "
          + (yamlError.getProblemMark().getLine() + 1)
          + ", column "
          + (yamlError.getProblemMark().getColumn() + 1)
          + ": "
          + yamlError.getProblem();
    }
    String message = e.getOriginalMessage();
    int newline = message.indexOf('\n');
    message = newline < 0 ? message : message.substring(0, newline);
    JsonLocation location = e.getLocation();
    return location == null
        ? "invalid " + format + ": " + message
        : "invalid "
            + format
            + " at line "
            + location.getLineNr()
            + ", column "
            + location.getColumnNr()
            + ": "
            + message;
  }

  private static String at(JsonLocation location) {
    return location == null ? "" : " (line " + location.getLineNr() + ")";
  }

  /**
   * Bean Validation of the manifest or of one of its sections ({@code at} is where that stands in
   * the body).
   */
  private void validate(
      Object manifestOrSection, String at, List<String> shapeErrors, FieldErrors errors) {
    Map<String, List<ConstraintViolation<Object>>> byPath = new TreeMap<>(JsonPaths.ORDER);
    for (ConstraintViolation<Object> violation : validator.validate(manifestOrSection)) {
      String path =
          at + JsonPaths.of(violation.getPropertyPath()).substring(JsonPaths.ROOT.length());
      // A value the shape check refused was left out; its "must not be null" would only repeat
      // that.
      if (shapeErrors.stream().noneMatch(reported -> JsonPaths.isWithin(path, reported))) {
        byPath.computeIfAbsent(path, p -> new ArrayList<>()).add(violation);
      }
    }
    byPath.forEach(
        (path, violations) -> {
          // "must not be blank" says it all; "must match ..." for the same empty value would be
          // noise.
          boolean missing = violations.stream().anyMatch(ManifestReader::isPresence);
          Set<String> messages = new LinkedHashSet<>();
          violations.stream()
              .filter(v -> !missing || isPresence(v))
              .map(ConstraintViolation::getMessage)
              .sorted()
              .forEach(messages::add);
          messages.forEach(message -> errors.add(path, message));
        });
  }

  /**
   * A drill names a main step of a target capability; which ones exist is known only at run time.
   */
  private void drill(ReleaseManifest manifest, FieldErrors errors) {
    String step = manifest.drill() == null ? null : manifest.drill().failAt();
    if (step != null && !step.isBlank() && !parts.drillSteps().contains(step)) {
      errors.add("$.drill.failAt", "must be one of " + String.join(", ", parts.drillSteps()));
    }
  }

  private static boolean isPresence(ConstraintViolation<?> violation) {
    return PRESENCE.contains(violation.getConstraintDescriptor().getAnnotation().annotationType());
  }

  private static InvalidManifestException invalid(FieldErrors errors) {
    List<FieldErrors.FieldError> sorted = new ArrayList<>(errors.list());
    sorted.sort(
        (a, b) -> JsonPaths.ORDER.compare(a.path(), b.path())); // stable: same path keeps its order
    return new InvalidManifestException(sorted);
  }

  private static LoaderOptions yamlLimits() {
    LoaderOptions options = new LoaderOptions();
    // Jackson does not expand aliases (they are refused below); these limits guard SnakeYAML
    // itself.
    options.setMaxAliasesForCollections(10);
    options.setNestingDepthLimit(MAX_DEPTH);
    options.setCodePointLimit(MAX_BYTES);
    options.setAllowDuplicateKeys(false);
    options.setAllowRecursiveKeys(false);
    return options;
  }

  /**
   * Refuses what Jackson would read without complaint but wrongly. An alias ({@code *name}) comes
   * out as the plain string "name", which would turn an anchored section into a confusing type
   * error. A tag outside the core schema ({@code !!binary}, {@code !!python/object:...}, a local
   * {@code !x}) means something to some YAML reader and nothing to a manifest, so the same text
   * must not read one way here and another way in a pipeline's tooling. Tags are checked on keys,
   * values, mappings and sequences alike.
   */
  private static final class CoreYaml extends JsonParserDelegate {
    private final YAMLParser yamlParser;

    CoreYaml(YAMLParser parser) {
      super(parser);
      this.yamlParser = parser;
    }

    @Override
    public JsonToken nextToken() throws IOException {
      JsonToken token;
      try {
        token = super.nextToken();
      } catch (JsonParseException e) {
        refuseTag(
            null); // a tag can be why the value did not read (!!binary with bad base64): name the
        // tag then
        throw e;
      }
      if (yamlParser.isCurrentAlias()) {
        throw new YamlRefusal(
            this,
            JsonPaths.of(getParsingContext()),
            "YAML aliases (*" + yamlParser.getText() + ") are not supported; write the value out");
      }
      refuseTag(token);
      return token;
    }

    private void refuseTag(JsonToken token) throws IOException {
      String tag = yamlParser.getTypeId();
      if (tag == null || CORE_TAGS.contains(tag)) {
        return;
      }
      // At the start of a mapping or sequence the parser already stands inside it; the tag belongs
      // to the node itself.
      JsonStreamContext context =
          token == JsonToken.START_OBJECT || token == JsonToken.START_ARRAY
              ? getParsingContext().getParent()
              : getParsingContext();
      String shown =
          tag.startsWith(YAML_TAG_PREFIX)
              ? "!!" + tag.substring(YAML_TAG_PREFIX.length())
              : "!" + tag;
      throw new YamlRefusal(
          this,
          JsonPaths.of(context),
          "YAML tag "
              + shown
              + " is not allowed; only the core schema's !!str, !!int, !!float, !!bool, !!null, !!map, !!seq and ! are");
    }
  }

  /** A YAML construct the manifest does not accept, at the path of the node that carries it. */
  private static final class YamlRefusal extends JsonParseException {
    private final String path;

    YamlRefusal(JsonParser parser, String path, String message) {
      super(parser, message);
      this.path = path;
    }
  }
}
