package io.countersign.manifest;

import static io.countersign.manifest.ManifestReaderFixtures.YAML;
import static io.countersign.manifest.ManifestReaderFixtures.changed;
import static io.countersign.manifest.ManifestReaderFixtures.object;
import static io.countersign.manifest.ManifestReaderFixtures.reader;
import static io.countersign.manifest.ManifestReaderFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.TestManifests;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;

class ManifestReaderTest {
  private final ManifestReader reader = reader();

  @Test
  void readsTheProductionExampleFromYamlAndJsonAlike() {
    ReleaseManifest fromYaml = reader.read(resource("release-production.yaml"), YAML);
    ReleaseManifest fromJson =
        reader.read(resource("release-production.json"), MediaType.APPLICATION_JSON);

    assertThat(fromJson).isEqualTo(fromYaml);
    assertThat(fromYaml.application()).isEqualTo("medication-tracker");
    assertThat(fromYaml.version()).isEqualTo("2.4.0");
    assertThat(fromYaml.environment()).isEqualTo("production");
    assertThat(fromYaml.evidence())
        .extracting(ReleaseManifest.EvidenceItem::type)
        .containsExactly("security-scan", "integration-tests", "performance-tests");
    assertThat(fromYaml.lambda().functions())
        .extracting(ReleaseManifest.LambdaFunction::trafficOrDefault)
        .containsExactly("all-at-once", "all-at-once", "canary10-5");
    assertThat(fromYaml.frontend().artifact().key()).isEqualTo("web/2.4.0/site.zip");
    assertThat(fromYaml.kubernetes().workloads().get(0).containers().get(0).image())
        .isEqualTo("registry.medication.example/medication/backend:2.4.0");
    assertThat(fromYaml.verification().metrics())
        .extracting(ReleaseManifest.MetricRule::max)
        .containsExactly(0.01, 0.5);
    assertThat(fromYaml.verification().bakeWindow()).isEqualTo("PT2M");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/yaml",
        "application/x-yaml",
        "text/yaml",
        "application/yaml;charset=UTF-8"
      })
  void readsTheStagingExampleWithEveryYamlType(String type) {
    ReleaseManifest manifest =
        reader.read(resource("release-staging.yaml"), MediaType.parseMediaType(type));

    assertThat(manifest.environment()).isEqualTo("staging");
    assertThat(manifest.kubernetes().namespace()).isEqualTo("medication-staging");
    assertThat(manifest.evidence())
        .extracting(ReleaseManifest.EvidenceItem::type)
        .containsExactly("integration-tests");
    assertThat(manifest.lambda().functions()).allSatisfy(f -> assertThat(f.traffic()).isNull());
  }

  @ParameterizedTest
  @ValueSource(strings = {"release-staging.yaml", "release-production.yaml"})
  void theShippedExamplesAreValid(String name) throws Exception {
    // Tests run from the project directory; the examples are what the README tells requesters to
    // submit.
    byte[] example = Files.readAllBytes(Path.of("examples", "medication-tracker", name));

    assertThat(reader.read(example, YAML).application()).isEqualTo("medication-tracker");
  }

  @Test
  void readsWhatManifestsWritesAsTheProcessVariable() {
    ReleaseManifest manifest = reader.read(resource("release-production.yaml"), YAML);

    byte[] stored = TestManifests.toJson(manifest).getBytes(StandardCharsets.UTF_8);

    assertThat(reader.read(stored, MediaType.APPLICATION_JSON)).isEqualTo(manifest);
  }

  @Test
  void acceptsAnExplicitNullForAnOptionalSection() {
    ReleaseManifest manifest =
        reader.read(
            changed("release-staging.yaml", m -> m.putNull("frontend")),
            MediaType.APPLICATION_JSON);

    assertThat(manifest.hasFrontend()).isFalse();
  }

  @Test
  void refusesOtherContentTypes() {
    byte[] body = resource("release-production.json");

    assertThatThrownBy(() -> reader.read(body, MediaType.TEXT_PLAIN))
        .isInstanceOf(UnsupportedManifestTypeException.class)
        .hasMessageContaining("'text/plain' is not supported")
        .hasMessageContaining("application/json, application/yaml");
    assertThatThrownBy(() -> reader.read(body, null))
        .isInstanceOf(UnsupportedManifestTypeException.class)
        .hasMessageStartingWith("a Content-Type header is required");
  }

  @Test
  void refusesABodyOverTheLimit() {
    byte[] body = new byte[ManifestReader.MAX_BYTES + 1];

    assertThatThrownBy(() -> reader.read(body, YAML))
        .isInstanceOf(PayloadTooLargeException.class)
        .hasMessage("the request body is larger than 262144 bytes");
  }

  @Test
  void readBodyStopsOneBytePastTheLimit() throws Exception {
    ByteArrayInputStream in = new ByteArrayInputStream(new byte[ManifestReader.MAX_BYTES + 100]);

    assertThatThrownBy(() -> ManifestReader.readBody(in))
        .isInstanceOf(PayloadTooLargeException.class);
    assertThat(in.available()).isEqualTo(99);
    assertThat(
            ManifestReader.readBody(new ByteArrayInputStream(new byte[ManifestReader.MAX_BYTES])))
        .hasSize(ManifestReader.MAX_BYTES);
  }

  @Test
  void reportsAYamlSyntaxErrorAtTheRootWithItsPlace() {
    String yaml =
        """
        application: medication-tracker
        version: 2.4.0
          environment: production
        """;

    List<FieldErrors.FieldError> errors = errors(yaml, YAML);

    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path()).isEqualTo("$");
    assertThat(errors.get(0).message()).startsWith("invalid YAML at line 3, column 14: ");
  }

  @Test
  void reportsAJsonSyntaxErrorAtTheRootWithItsPlace() {
    List<FieldErrors.FieldError> errors =
        errors(
            "{\"application\": \"medication-tracker\",\n  version: 1}", MediaType.APPLICATION_JSON);

    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path()).isEqualTo("$");
    assertThat(errors.get(0).message())
        .startsWith("invalid JSON at line 2, column 3: Unexpected character ('v'");
  }

  @Test
  void refusesDuplicateKeysInYamlAtTheirPath() {
    String yaml =
        """
        application: medication-tracker
        lambda:
          target: medication-aws
          target: other-aws
        """;

    assertThat(errors(yaml, YAML))
        .containsExactly(new FieldErrors.FieldError("$.lambda.target", "duplicate key (line 4)"));
  }

  @Test
  void refusesDuplicateKeysInJsonAtTheirPath() {
    String json = "{\"evidence\": [{\"type\": \"a\"}, {\"type\": \"b\", \"type\": \"c\"}]}";

    assertThat(errors(json, MediaType.APPLICATION_JSON))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.evidence[1].type");
  }

  @Test
  void refusesAnAliasBombQuickly() {
    StringBuilder yaml =
        new StringBuilder(
            "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n");
    for (char c = 'b'; c <= 'j'; c++) {
      char previous = (char) (c - 1);
      yaml.append(c)
          .append(": &")
          .append(c)
          .append(" [")
          .append(String.join(",", java.util.Collections.nCopies(9, "*" + previous)))
          .append("]\n");
    }

    List<FieldErrors.FieldError> errors =
        assertTimeoutPreemptively(Duration.ofSeconds(5), () -> errors(yaml.toString(), YAML));

    assertThat(errors).hasSize(1);
    assertThat(errors.get(0).path()).isEqualTo("$.b[0]");
    assertThat(errors.get(0).message()).startsWith("YAML aliases (*a) are not supported");
  }

  @Test
  void refusesAnAliasForASection() {
    String yaml =
        new String(resource("release-staging.yaml"), StandardCharsets.UTF_8)
                .replace(
                    "frontend:\n  target: medication-web\n  artifact:\n",
                    "frontend:\n  target: medication-web\n  artifact: &site\n")
            + "drill: *site\n";

    assertThat(errors(yaml, YAML))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.drill");
  }

  @Test
  void refusesInputNestedTooDeeply() {
    String json = "{\"summary\": " + "[".repeat(30) + "]".repeat(30) + "}";
    String yaml = "summary: " + "[".repeat(30) + "]".repeat(30) + "\n";

    assertThat(errors(json, MediaType.APPLICATION_JSON))
        .containsExactly(
            new FieldErrors.FieldError("$", "the body is nested more than 20 levels deep"));
    assertThat(errors(yaml, YAML))
        .containsExactly(
            new FieldErrors.FieldError("$", "the body is nested more than 20 levels deep"));
  }

  @Test
  void refusesAnArrayAtTheRoot() {
    assertThat(errors("- application: medication-tracker\n", YAML))
        .containsExactly(new FieldErrors.FieldError("$", "must be an object"));
  }

  @Test
  void refusesAnEmptyBody() {
    assertThat(errors("", YAML)).extracting(FieldErrors.FieldError::path).containsExactly("$");
    assertThat(errors("  ", MediaType.APPLICATION_JSON))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$");
  }

  @Test
  void refusesMoreThanOneYamlDocument() {
    String yaml =
        new String(resource("release-staging.yaml"), StandardCharsets.UTF_8)
            + "---\napplication: other\n";

    assertThat(errors(yaml, YAML))
        .containsExactly(
            new FieldErrors.FieldError("$", "the body must hold exactly one YAML document"));
  }

  @Test
  void readsYamlOneOneBooleansAndOctalsAsTheTypeErrorsTheyAre() {
    String yaml =
        new String(resource("release-staging.yaml"), StandardCharsets.UTF_8)
            .replace("version: 2.4.0", "version: 010")
            .replace("changeReference: CHG-2041", "changeReference: yes");

    assertThat(errors(yaml, YAML))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.changeReference", "$.version");
  }

  @Test
  void reportsEveryProblemOfABodyAtOnce() {
    byte[] body =
        changed(
            "release-production.yaml",
            m -> {
              m.put("approver", "alice"); // unknown field
              m.put("version", 2.4); // wrong type
              m.put("environment", "qa"); // unknown environment
              m.remove("changeReference"); // missing
              object(m, "/evidence/1").put("sha256", "abc"); // bad digest
              object(m, "/evidence/2").put("type", "security-scan"); // duplicate type
              object(m, "/lambda/functions/0")
                  .put("handler", "index.handler"); // unknown nested field
              object(m, "/lambda/functions/1").put("name", "alert generator"); // bad name
              object(m, "/lambda/functions/2").put("traffic", "canary"); // bad traffic
              object(m, "/kubernetes/workloads/1").put("kind", "Pod"); // bad kind
              object(m, "/verification/smokeTests/1").put("expectStatus", 99); // out of range
              object(m, "/verification/metrics/0").put("min", 0.5); // min > max
              m.putObject("drill").put("failAt", "rollbackEverything"); // unknown step
            });

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class, () -> reader.read(body, MediaType.APPLICATION_JSON));

    assertThat(ManifestReaderFieldErrorsTest.paths(e))
        .containsExactly(
            "$.approver",
            "$.changeReference",
            "$.drill.failAt",
            "$.environment",
            "$.evidence[1].sha256",
            "$.evidence[2].type",
            "$.kubernetes.workloads[1].kind",
            "$.lambda.functions[0].handler",
            "$.lambda.functions[1].name",
            "$.lambda.functions[2].traffic",
            "$.verification.metrics[0].min",
            "$.verification.smokeTests[1].expectStatus",
            "$.version");
    assertThat(e.detail()).isEqualTo("13 fields are invalid");
    assertThat(e.errors())
        .filteredOn(error -> error.path().equals("$.environment"))
        .singleElement()
        .extracting(FieldErrors.FieldError::message)
        .asString()
        .startsWith("unknown environment 'qa'");
  }

  @Test
  void passesOnTheErrorsOfManifestChecks() {
    ManifestReader checked = reader(knownDatabases("medication-db"));

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                checked.read(
                    changed(
                        "release-staging.yaml",
                        m -> object(m, "/database").put("target", "billing-db")),
                    MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .containsExactly(
            new FieldErrors.FieldError(
                "$.database.target", "unknown database target 'billing-db'"));
  }

  @Test
  void reportsRuleAndCheckErrorsTogether() {
    ManifestReader checked = reader(knownDatabases("medication-db"));

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                checked.read(
                    changed(
                        "release-production.yaml",
                        m -> {
                          object(m, "/database").put("target", "billing-db");
                          m.putObject("drill").put("failAt", "deployLambda");
                        }),
                    MediaType.APPLICATION_JSON));

    assertThat(ManifestReaderFieldErrorsTest.paths(e))
        .containsExactly("$.database.target", "$.drill.failAt");
  }

  @Test
  void runsChecksOnlyOnManifestsThatPassedValidation() {
    AtomicInteger runs = new AtomicInteger();
    ManifestReader checked = reader((manifest, errors) -> runs.incrementAndGet());

    checked.read(resource("release-staging.yaml"), YAML);
    assertThatThrownBy(
            () ->
                checked.read(
                    changed("release-staging.yaml", m -> m.remove("application")),
                    MediaType.APPLICATION_JSON))
        .isInstanceOf(InvalidManifestException.class);

    assertThat(runs).hasValue(1);
  }

  @Test
  void everyCheckRuns() {
    List<String> ran = new ArrayList<>();
    ManifestReader checked =
        reader((m, errors) -> ran.add("first"), (m, errors) -> ran.add("second"));

    checked.read(resource("release-production.yaml"), YAML);

    assertThat(ran).containsExactly("first", "second");
  }

  private static ManifestCheck knownDatabases(String... names) {
    List<String> known = List.of(names);
    return (manifest, errors) -> {
      if (manifest.database() != null && !known.contains(manifest.database().target())) {
        errors.add(
            "$.database.target", "unknown database target '" + manifest.database().target() + "'");
      }
    };
  }

  @Test
  void aLongRepetitiveValueIsAFieldErrorNotAStackOverflow() throws Exception {
    // Repeated groups in a pattern backtrack recursively in Java; kilobytes of "a.a.a…" once
    // overflowed the stack.
    ObjectNode manifest =
        (ObjectNode)
            new com.fasterxml.jackson.dataformat.yaml.YAMLMapper()
                .readTree(
                    Files.readString(Path.of("examples/medication-tracker/release-staging.yaml")));
    ((ObjectNode) manifest.at("/kubernetes/workloads/0/containers/0"))
        .put("image", "a.".repeat(20_000) + "a");
    ((ObjectNode) manifest.at("/verification/smokeTests/0")).put("jsonField", "$.a".repeat(20_000));
    assertThat(errors(manifest.toString(), MediaType.APPLICATION_JSON))
        .extracting(FieldErrors.FieldError::path)
        .contains(
            "$.kubernetes.workloads[0].containers[0].image",
            "$.verification.smokeTests[0].jsonField");
  }

  private List<FieldErrors.FieldError> errors(String body, MediaType type) {
    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () -> reader.read(body.getBytes(StandardCharsets.UTF_8), type));
    assertThat(e).as("refused").isNotNull();
    return e.errors();
  }
}
