package io.countersign.manifest;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import jakarta.validation.Validation;
import jakarta.validation.Validator;
import jakarta.validation.ValidatorFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.function.Consumer;
import org.springframework.http.MediaType;

/** The example manifests of the tests and ways to break them. */
public final class ManifestReaderFixtures {
  public static final MediaType YAML = MediaType.parseMediaType("application/yaml");

  /**
   * The main steps of the target capabilities, which a drill may name (TargetRegistryTest checks
   * they still are).
   */
  public static final List<String> DRILL_STEPS =
      List.of(
          "backupDatabase",
          "migrateDatabase",
          "deployLambda",
          "publishFrontend",
          "rolloutKubernetes",
          "awaitRollout",
          "verifyRelease",
          "watchMetrics");

  static final String DRILL_STEP_MESSAGE = "must be one of " + String.join(", ", DRILL_STEPS);
  static final Validator VALIDATOR;

  static {
    ValidatorFactory factory = Validation.buildDefaultValidatorFactory();
    VALIDATOR = factory.getValidator();
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML_READER = new YAMLMapper();

  private ManifestReaderFixtures() {}

  public static ManifestReader reader(ManifestCheck... checks) {
    return new ManifestReader(
        VALIDATOR,
        ManifestParts.of(List.of(), List.of(checks), DRILL_STEPS),
        Environments.defaults());
  }

  public static byte[] resource(String name) {
    try (InputStream in = ManifestReaderFixtures.class.getResourceAsStream("/manifests/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no test manifest " + name);
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode tree(String name) {
    try {
      return (ObjectNode) YAML_READER.readTree(resource(name));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The named example as JSON after the change. */
  public static byte[] changed(String name, Consumer<ObjectNode> change) {
    ObjectNode root = tree(name);
    change.accept(root);
    try {
      return JSON.writeValueAsBytes(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static ObjectNode object(JsonNode root, String pointer) {
    JsonNode node = root.at(pointer);
    if (!(node instanceof ObjectNode object)) {
      throw new IllegalArgumentException("no object at " + pointer);
    }
    return object;
  }
}
