package io.countersign.manifest;

import static io.countersign.manifest.ManifestReaderFixtures.DRILL_STEPS;
import static io.countersign.manifest.ManifestReaderFixtures.VALIDATOR;
import static io.countersign.manifest.ManifestReaderFixtures.changed;
import static io.countersign.manifest.ManifestReaderFixtures.resource;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.countersign.process.ManifestStore;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;

/**
 * A section a target capability declares beyond the manifest's own fields, read through {@link
 * ManifestParts} exactly like those: shape, Bean Validation with JSON paths, checks, canonical
 * form, and read back from the store.
 */
class ManifestSectionTest {
  /** A section of the kind a new target adds: a list of configured names and an optional note. */
  record Notice(
      @NotNull @Size(min = 1, max = 3)
          List<@NotNull @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String>
              endpoints,
      @Size(max = 20) String note) {}

  private static final ManifestSection<Notice> NOTICE = ManifestSection.of("notice", Notice.class);
  private final List<ReleaseManifest> checked = new ArrayList<>();
  private final ManifestReader reader =
      new ManifestReader(
          VALIDATOR,
          ManifestParts.of(
              List.of(NOTICE), List.of((manifest, errors) -> checked.add(manifest)), DRILL_STEPS),
          Environments.defaults());

  @Test
  void aSectionOfItsOwnIsReadValidatedAndHandedToTheChecks() {
    ReleaseManifest manifest =
        reader.read(
            changed(
                "release-staging.yaml",
                m ->
                    m.putObject("notice")
                        .put("note", "hello")
                        .putArray("endpoints")
                        .add("change-board")),
            MediaType.APPLICATION_JSON);

    assertThat(NOTICE.in(manifest)).isEqualTo(new Notice(List.of("change-board"), "hello"));
    assertThat(checked).containsExactly(manifest);
  }

  @Test
  void itsMistakesAreReportedAtTheirPathsWithTheManifestsOwn() {
    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                reader.read(
                    changed(
                        "release-staging.yaml",
                        m -> {
                          m.put("version", "v 1");
                          m.putObject("notice")
                              .put("note", "x".repeat(21))
                              .put("colour", "red")
                              .putArray("endpoints")
                              .add("Change Board")
                              .add(7);
                        }),
                    MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .containsExactly(
            new FieldErrors.FieldError(
                "$.notice.colour", "unknown field; expected one of endpoints, note"),
            new FieldErrors.FieldError("$.notice.endpoints[0]", Patterns.NAME_MESSAGE),
            new FieldErrors.FieldError(
                "$.notice.endpoints[1]", "must be a string (put the value in quotes)"),
            new FieldErrors.FieldError("$.notice.note", "size must be between 0 and 20"),
            new FieldErrors.FieldError("$.version", Patterns.VERSION_MESSAGE));
    assertThat(checked).isEmpty();
  }

  @Test
  void anUnknownTopLevelFieldNamesTheSectionsAmongTheExpectedOnes() {
    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                reader.read(
                    changed("release-staging.yaml", m -> m.putObject("notices")),
                    MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.path()).isEqualTo("$.notices");
              assertThat(error.message()).endsWith("verification, drill, notice");
            });
  }

  @Test
  void aSectionMustBeAnObjectAndNullIsNone() {
    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                reader.read(
                    changed("release-staging.yaml", m -> m.putArray("notice")),
                    MediaType.APPLICATION_JSON));
    ReleaseManifest none =
        reader.read(
            changed("release-staging.yaml", m -> m.putNull("notice")), MediaType.APPLICATION_JSON);

    assertThat(e.errors())
        .containsExactly(new FieldErrors.FieldError("$.notice", "must be an object"));
    assertThat(NOTICE.in(none)).isNull();
    assertThat(none.sections()).isEmpty();
  }

  @Test
  void theCanonicalFormCarriesTheSectionAndTheStoreReadsItBack() throws Exception {
    ReleaseManifest without =
        reader.read(resource("release-staging.yaml"), ManifestReaderFixtures.YAML);
    ReleaseManifest with =
        reader.read(
            changed(
                "release-staging.yaml",
                m -> m.putObject("notice").putArray("endpoints").add("change-board")),
            MediaType.APPLICATION_JSON);

    String canonical = ManifestStore.canonical(with);
    assertThat(canonical).contains(",\"notice\":{\"endpoints\":[\"change-board\"]},");
    assertThat(canonical.replace(",\"notice\":{\"endpoints\":[\"change-board\"]}", ""))
        .isEqualTo(ManifestStore.canonical(without));
    // As the manifest store reads its text back: the section arrives as plain JSON data and binds
    // when asked for.
    ReleaseManifest stored =
        JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .build()
            .readValue(canonical, ReleaseManifest.class);
    assertThat(NOTICE.in(stored)).isEqualTo(new Notice(List.of("change-board"), null));
    assertThat(ManifestStore.canonical(stored)).isEqualTo(canonical);
  }

  @Test
  void aDrillNamesAStepOfTheCapabilities() {
    InvalidManifestException e =
        catchThrowableOfType(
            InvalidManifestException.class,
            () ->
                reader.read(
                    changed(
                        "release-staging.yaml",
                        m -> m.putObject("drill").put("failAt", "notifyEveryone")),
                    MediaType.APPLICATION_JSON));

    assertThat(e.errors())
        .containsExactly(
            new FieldErrors.FieldError(
                "$.drill.failAt",
                "must be one of backupDatabase, migrateDatabase, deployLambda, publishFrontend, rolloutKubernetes, awaitRollout, "
                    + "verifyRelease, watchMetrics"));
  }

  @Test
  void aSectionIsNamedOnceAndTypedOnesMatchTheManifestsFields() {
    assertThatThrownBy(() -> ManifestSection.of("database", Notice.class))
        .hasMessage("'database' is a field of the manifest itself, not a section of its own");
    assertThatThrownBy(() -> ManifestSection.typed("database", Notice.class, m -> null))
        .hasMessage("the manifest's field 'database' is a DatabaseChange");
    assertThatThrownBy(() -> ManifestSection.typed("webhook", Notice.class, m -> null))
        .hasMessage("the manifest has no field 'webhook'");
    assertThatThrownBy(() -> ManifestSection.of("web-hook", Notice.class))
        .hasMessage("a manifest section is named in camelCase, not 'web-hook'");
  }
}
