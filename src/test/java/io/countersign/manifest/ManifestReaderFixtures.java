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
  static final Validator VALIDATOR;

  static {
    ValidatorFactory factory = Validation.buildDefaultValidatorFactory();
    VALIDATOR = factory.getValidator();
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final YAMLMapper YAML_READER = new YAMLMapper();

  private ManifestReaderFixtures() {}

  public static ManifestReader reader(ManifestCheck... checks) {
    return new ManifestReader(VALIDATOR, List.of(checks));
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
