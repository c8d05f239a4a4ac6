package io.countersign.manifest;

import static io.countersign.manifest.ManifestReaderFixtures.YAML;
import static io.countersign.manifest.ManifestReaderFixtures.changed;
import static io.countersign.manifest.ManifestReaderFixtures.object;
import static io.countersign.manifest.ManifestReaderFixtures.reader;
import static io.countersign.manifest.ManifestReaderFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.springframework.http.MediaType;

/**
 * The reader's input limits, and the ways around them: YAML tags, evidence locations, charsets,
 * repeated keys.
 */
class ManifestHardeningTest {
  private static final String STAGING =
      new String(resource("release-staging.yaml"), StandardCharsets.UTF_8);
  private final ManifestReader reader = reader();

  // ---- YAML tags ----

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      textBlock =
          """
      tag on a value                  | 'summary: Dose reminders'       | 'summary: !evil Dose reminders'                 | $.summary
      tag on a key                    | 'summary: Dose reminders'       | '!evil summary: Dose reminders'                 | $.summary
      tag on a mapping                | 'frontend:'                     | 'frontend: !evil'                               | $.frontend
      tag on a sequence               | 'evidence:'                     | 'evidence: !evil'                               | $.evidence
      tag on a sequence item          | '  - type: integration-tests'   | '  - !evil\n    type: integration-tests'        | $.evidence[0]
      tag on a nested item's value    | '    - name: alert_generator'   | '    - name: !evil alert_generator'             | $.lambda.functions[1].name
      python object                   | 'summary: Dose reminders'       | 'summary: !!python/object:os.system ls'         | $.summary
      python apply on a sequence      | 'summary: Dose reminders'       | 'summary: !!python/object/apply:os.system [ls] #' | $.summary
      binary                          | 'summary: Dose reminders'       | 'summary: !!binary aGVsbG8= #'                  | $.summary
      binary that is no base64        | 'summary: Dose reminders'       | 'summary: !!binary no~base64 #'                 | $.summary
      YAML 1.1 timestamp              | 'summary: Dose reminders'       | 'summary: !!timestamp 2026-11-30 #'             | $.summary
      a local tag                     | 'summary: Dose reminders'       | 'summary: !tag x'                               | $.summary
      a global tag in brackets        | 'summary: Dose reminders'       | 'summary: !<tag:example.com,2026:x> x'          | $.summary
      !! redefined by a TAG directive | 'application: '                 | 'application: !!str '                           | $.application
      """)
  void refusesTagsOutsideTheCoreSchemaAtTheTaggedNode(
      String name, String original, String tagged, String path) {
    String yaml =
        STAGING.replaceFirst(java.util.regex.Pattern.quote(original), tagged.replace("\\n", "\n"));
    if (name.startsWith("!!")) {
      yaml = "%TAG !! tag:evil.example,2026:\n---\n" + yaml;
    }
    assertThat(yaml).as("the test changed the manifest").isNotEqualTo(STAGING);

    List<FieldErrors.FieldError> errors = errors(yaml);

    assertThat(errors)
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.path()).isEqualTo(path);
              assertThat(error.message()).startsWith("YAML tag !").contains("is not allowed");
            });
  }

  @Test
  void acceptsTheCoreSchemaTags() {
    String yaml =
        STAGING
                .replace("application: medication-tracker", "application: !!str medication-tracker")
                .replace("summary: Dose reminders", "summary: ! Dose reminders")
                .replace(
                    "changeReference: CHG-2041",
                    "changeReference: !<tag:yaml.org,2002:str> CHG-2041")
                .replace("evidence:", "evidence: !!seq")
                .replace("database:", "database: !!map")
                .replace("expectStatus: 200\n  smokeTests", "expectStatus: !!int 200\n  smokeTests")
                .replace("max: 0.01", "max: !!float 0.01")
            + "drill: !!null null\n";

    ReleaseManifest manifest = reader.read(yaml.getBytes(StandardCharsets.UTF_8), YAML);

    assertThat(manifest.application()).isEqualTo("medication-tracker");
    assertThat(manifest.verification().healthChecks().get(0).expectStatus()).isEqualTo(200);
    assertThat(manifest.drill()).isNull();
  }

  // ---- evidence locations ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "s3://medication-artifacts/evidence/2.4.0/security-scan.sarif",
        "s3://medication-artifacts/a/./b..c/...",
        "https://ci.medication.example/job/42/artifact/report.xml",
        "https://ci.medication.example:8443/reports/2.4.0/scan%20results.sarif",
        "https://CI.Medication.Example/reports/caf%C3%A9.json",
        "https://10.0.0.7/reports/x"
      })
  void acceptsS3AndHttpsEvidenceLocations(String location) {
    assertThat(ManifestRules.isEvidenceLocation(location)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "file:///etc/passwd",
        "file:/etc/passwd",
        "http://ci.medication.example/report.xml",
        "HTTPS://ci.medication.example/report.xml",
        "Https://ci.medication.example/report.xml",
        "S3://medication-artifacts/evidence/x",
        "s3:/medication-artifacts/evidence/x",
        "s3://medication-artifacts",
        "s3://medication-artifacts/",
        "s3://Medication_Artifacts/x",
        "s3://user@medication-artifacts/x",
        "s3://medication-artifacts/../x",
        "s3://medication-artifacts/a/../../x",
        "s3://medication-artifacts/a/..",
        "s3://medication-artifacts/a/%2e%2e/x",
        "https:///report.xml",
        "https://",
        "https://ci.medication.example",
        "https://ci.medication.example/",
        "https://user@ci.medication.example/report.xml",
        "https://user:secret@ci.medication.example/report.xml",
        "https://ci.medication.example:/report.xml",
        "https://ci.medication.example:99999999/report.xml",
        "https://ci..medication.example/report.xml",
        "https://-ci.medication.example/report.xml",
        "https://ci.medication.example./report.xml",
        "https://[::1]/report.xml",
        "https://ci.medication.example/../etc/passwd",
        "https://ci.medication.example/a/../../etc/passwd",
        "https://ci.medication.example/a/..",
        "https://ci.medication.example/%2e%2e/etc/passwd",
        "https://ci.medication.example/%2E%2E/etc/passwd",
        "https://ci.medication.example/.%2e/etc/passwd",
        "https://ci.medication.example/%2e./etc/passwd",
        "https://ci.medication.example/a%2f..%2fetc",
        "https://ci.medication.example/a/..%5cetc",
        "https://ci.medication.example/a\\..\\etc",
        "https://ci.medication.example/%252e%252e/etc",
        "https://ci.medication.example/a%00.json",
        "https://ci.medication.example/a%0d%0aSet-Cookie:x",
        "https://ci.medication.example/%c0%ae%c0%ae/etc",
        "https://ci.medication.example/a%2",
        "https://ci.medication.example/a%zz",
        "https://ci.medication.example/report.xml?X-Amz-Signature=abc",
        "https://ci.medication.example/report.xml#x",
        "https://ci.medication.example/rep ort.xml",
        "https://ci.medication.example/répört.xml",
        "javascript:alert(1)",
        "//ci.medication.example/report.xml",
        "../evidence/report.xml"
      })
  void refusesEveryOtherEvidenceLocation(String location) {
    assertThat(ManifestRules.isEvidenceLocation(location)).isFalse();
  }

  @Test
  void namesTheEvidenceItemWhoseLocationIsRefused() {
    byte[] body =
        changed(
            "release-production.yaml",
            m -> {
              object(m, "/evidence/1").put("location", "file:///etc/passwd");
              object(m, "/evidence/2")
                  .put("location", "https://ci.medication.example/%2e%2e/secrets");
            });

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class, () -> reader.read(body, MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .containsExactly(
            new FieldErrors.FieldError(
                "$.evidence[1].location", Patterns.EVIDENCE_LOCATION_MESSAGE),
            new FieldErrors.FieldError(
                "$.evidence[2].location", Patterns.EVIDENCE_LOCATION_MESSAGE));
  }

  @Test
  void aLocationOverTheSizeLimitIsReportedOnceAndQuickly() {
    byte[] body =
        changed(
            "release-production.yaml",
            m ->
                object(m, "/evidence/0")
                    .put("location", "https://ci.medication.example/" + "a/".repeat(100_000)));

    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class, () -> reader.read(body, MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.evidence[0].location");
    assertThat(e.errors().get(0).message()).startsWith("size must be");
  }

  // ---- charsets ----

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json",
        "application/json;charset=UTF-8",
        "application/json; charset=utf-8",
        "application/json; charset=\"utf-8\"",
        "application/json;charset=utf8",
        "APPLICATION/JSON; CHARSET=UTF-8"
      })
  void readsUtf8HoweverItIsDeclared(String type) {
    assertThat(
            reader
                .read(resource("release-production.json"), MediaType.parseMediaType(type))
                .version())
        .isEqualTo("2.4.0");
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "application/json; charset=ISO-8859-1",
        "application/json; charset=latin1",
        "application/yaml; charset=UTF-16",
        "text/yaml; charset=us-ascii",
        "application/json; charset=windows-1252"
      })
  void refusesAnyOtherCharsetRatherThanMisreadTheBody(String type) {
    assertThatThrownBy(
            () -> reader.read(resource("release-production.json"), MediaType.parseMediaType(type)))
        .isInstanceOf(UnsupportedManifestTypeException.class)
        .hasMessageContaining("is not supported; send the manifest as UTF-8");
  }

  // ---- repeated keys ----

  @Test
  void refusesARepeatedKeyDeepInJsonAndYamlAtItsPath() {
    String json =
        new String(resource("release-production.json"), StandardCharsets.UTF_8)
            .replaceFirst(
                "\"name\": \"data_ingestion\",",
                "\"name\": \"data_ingestion\", \"name\": \"api_handler\",");
    String yaml =
        STAGING.replace(
            "    - name: data_ingestion\n",
            "    - name: data_ingestion\n      name: api_handler\n");

    assertThat(errors(json, MediaType.APPLICATION_JSON))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.lambda.functions[0].name");
    assertThat(errors(yaml))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.lambda.functions[0].name");
  }

  @Test
  void refusesKeysThatOnlyLookDifferent() {
    String escaped =
        new String(resource("release-production.json"), StandardCharsets.UTF_8)
            .replaceFirst("\\{", "{\"appl\\\\u0069cation\": \"other\", ");
    String quoted = STAGING.replace("version: 2.4.0", "version: 2.4.0\n\"version\": 9.9.9");

    assertThat(errors(escaped, MediaType.APPLICATION_JSON))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.application");
    assertThat(errors(quoted))
        .extracting(FieldErrors.FieldError::path)
        .containsExactly("$.version");
  }

  private List<FieldErrors.FieldError> errors(String yaml) {
    return errors(yaml, YAML);
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
