package io.countersign;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.UUID;

/** The medication-tracker example manifests as Jackson trees to mutate, and ways to send them. */
public final class ManifestFixture {
  public static final Path STAGING = Path.of("examples/medication-tracker/release-staging.yaml");
  public static final Path PRODUCTION =
      Path.of("examples/medication-tracker/release-production.yaml");
  private static final YAMLMapper YAML = new YAMLMapper();

  private ManifestFixture() {}

  public static ObjectNode staging() {
    return read(STAGING);
  }

  public static ObjectNode production() {
    return read(PRODUCTION);
  }

  /**
   * A version no other test uses, so "one active release per application, version and environment"
   * never bites.
   */
  public static String freshVersion(String tag) {
    return "2.4.0-" + tag + "." + UUID.randomUUID().toString().substring(0, 8);
  }

  public static ObjectNode withVersion(ObjectNode manifest, String version) {
    manifest.put("version", version);
    return manifest;
  }

  public static byte[] json(JsonNode manifest) {
    try {
      return HttpSupport.JSON.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  public static byte[] yaml(JsonNode manifest) {
    try {
      return YAML.writeValueAsBytes(manifest);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static ObjectNode read(Path file) {
    try {
      return (ObjectNode) YAML.readTree(file.toFile());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
