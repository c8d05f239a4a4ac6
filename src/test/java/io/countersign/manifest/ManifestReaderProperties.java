package io.countersign.manifest;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.springframework.http.MediaType;

/**
 * Property-based: whatever a pipeline sends, the reader either returns a manifest or refuses it
 * with field errors that each carry a JSON path; it never fails in another way (which the API would
 * answer with 500).
 */
class ManifestReaderProperties {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private final ManifestReader reader = ManifestReaderFixtures.reader();

  private void readsOrRefusesCleanly(byte[] body, MediaType type) {
    try {
      assertThat(reader.read(body, type)).isNotNull();
    } catch (InvalidManifestException e) {
      assertThat(e.errors())
          .isNotEmpty()
          .allSatisfy(
              error -> {
                assertThat(error.path()).startsWith("$");
                assertThat(error.message()).isNotBlank();
              });
    } catch (UnsupportedManifestTypeException | PayloadTooLargeException expected) {
      // 415 and 413: refusals with their own problem responses
    }
  }

  @Property(tries = 400)
  void anyTextIsReadOrRefusedWithFieldPaths(
      @ForAll("text") String body, @ForAll("types") MediaType type) {
    readsOrRefusesCleanly(body.getBytes(StandardCharsets.UTF_8), type);
  }

  @Property(tries = 600)
  void anyMutationOfAValidManifestIsReadOrRefusedWithFieldPaths(
      @ForAll("mutations") List<Mutation> mutations) {
    JsonNode manifest = ManifestReaderFixtures.tree("release-production.yaml");
    for (Mutation m : mutations) {
      m.apply(manifest);
    }
    readsOrRefusesCleanly(
        manifest.toString().getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON);
  }

  @Provide
  Arbitrary<String> text() {
    Arbitrary<String> noise = Arbitraries.strings().ofMaxLength(300);
    Arbitrary<String> jsonish =
        Arbitraries.strings().withChars("{}[]\":,-0123456789.eE truefalsnul\\u").ofMaxLength(200);
    Arbitrary<String> yamlish =
        Arbitraries.strings().withChars("abc:-\n #&*!|>'\"[]{}0123456789").ofMaxLength(200);
    return Arbitraries.oneOf(noise, jsonish, yamlish);
  }

  @Provide
  Arbitrary<MediaType> types() {
    return Arbitraries.of(
        MediaType.APPLICATION_JSON, ManifestReader.APPLICATION_YAML, MediaType.TEXT_PLAIN);
  }

  record Mutation(int where, int what, JsonNode value) {
    void apply(JsonNode root) {
      List<ObjectNode> objects = new ArrayList<>();
      collect(root, objects);
      ObjectNode target = objects.get(where % objects.size());
      List<String> names = new ArrayList<>();
      target.fieldNames().forEachRemaining(names::add);
      String name = names.isEmpty() ? "extra" : names.get((where / 7) % names.size());
      switch (what) {
        case 0 -> target.remove(name);
        case 1 -> target.set(name, value.deepCopy());
        default -> target.set("unexpected" + what, value.deepCopy());
      }
    }

    private static void collect(JsonNode node, List<ObjectNode> out) {
      if (node instanceof ObjectNode object) {
        out.add(object);
      }
      for (Iterator<JsonNode> it = node.elements(); it.hasNext(); ) {
        collect(it.next(), out);
      }
    }
  }

  @Provide
  Arbitrary<List<Mutation>> mutations() {
    Arbitrary<JsonNode> values =
        Arbitraries.oneOf(
            Arbitraries.strings().ofMaxLength(80).map(NODES::textNode),
            Arbitraries.integers().map(NODES::numberNode),
            Arbitraries.doubles().between(-1e6, 1e6).map(NODES::numberNode),
            Arbitraries.of(true, false).map(NODES::booleanNode),
            Arbitraries.just(NODES.nullNode()),
            Arbitraries.of("[]", "{}")
                .map(text -> text.equals("[]") ? (JsonNode) NODES.arrayNode() : NODES.objectNode()),
            Arbitraries.strings()
                .ofMaxLength(20)
                .map(
                    s -> {
                      ArrayNode a = NODES.arrayNode();
                      a.add(s).add(NODES.objectNode().put("k", s));
                      return (JsonNode) a;
                    }),
            Arbitraries.of(
                    "production",
                    "qa",
                    "PT0S",
                    "P",
                    "../../etc",
                    "canary101-1",
                    "a".repeat(300),
                    "${x}")
                .map(NODES::textNode));
    Arbitrary<Mutation> one =
        Combinators.combine(
                Arbitraries.integers().between(0, 100_000),
                Arbitraries.integers().between(0, 3),
                values)
            .as(Mutation::new);
    return one.list().ofMinSize(1).ofMaxSize(6);
  }
}
