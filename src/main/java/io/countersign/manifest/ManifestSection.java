package io.countersign.manifest;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.lang.reflect.RecordComponent;
import java.util.Arrays;
import java.util.Objects;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * A top-level section of the manifest that a target capability reads ({@code database}, {@code
 * webhook}, ...): its name and the record it binds to. The sections from before the capability
 * registry are components of {@link ReleaseManifest}; a new one is read by the {@link
 * ManifestReader} into {@link ReleaseManifest#sections()}, so adding it needs no change here.
 */
public final class ManifestSection<T extends Record> {
  private static final Pattern NAME = Pattern.compile("[a-z][A-Za-z0-9]{0,63}");
  // As the manifest store reads its canonical text back: fields the record does not have are
  // ignored.
  private static final ObjectMapper JSON =
      JsonMapper.builder().disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES).build();

  private final String name;
  private final Class<T> type;
  private final Function<ReleaseManifest, T> component;

  private ManifestSection(String name, Class<T> type, Function<ReleaseManifest, T> component) {
    if (!NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "a manifest section is named in camelCase, not '" + name + "'");
    }
    this.name = name;
    this.type = Objects.requireNonNull(type);
    this.component = component;
  }

  /** A section of its own, read under {@code name} into {@link ReleaseManifest#sections()}. */
  public static <T extends Record> ManifestSection<T> of(String name, Class<T> type) {
    if (Arrays.stream(ReleaseManifest.class.getRecordComponents())
        .map(RecordComponent::getName)
        .anyMatch(name::equals)) {
      throw new IllegalArgumentException(
          "'" + name + "' is a field of the manifest itself, not a section of its own");
    }
    return new ManifestSection<>(name, type, null);
  }

  /**
   * One of {@link ReleaseManifest}'s own components, e.g. {@code typed("database",
   * DatabaseChange.class, ReleaseManifest::database)}.
   */
  public static <T extends Record> ManifestSection<T> typed(
      String name, Class<T> type, Function<ReleaseManifest, T> component) {
    RecordComponent declared =
        Arrays.stream(ReleaseManifest.class.getRecordComponents())
            .filter(c -> c.getName().equals(name))
            .findFirst()
            .orElseThrow(
                () -> new IllegalArgumentException("the manifest has no field '" + name + "'"));
    if (declared.getType() != type) {
      throw new IllegalArgumentException(
          "the manifest's field '" + name + "' is a " + declared.getType().getSimpleName());
    }
    return new ManifestSection<>(name, type, Objects.requireNonNull(component));
  }

  public String name() {
    return name;
  }

  public Class<T> type() {
    return type;
  }

  /**
   * Whether it is a component of {@link ReleaseManifest} rather than one of its {@link
   * ReleaseManifest#sections()}.
   */
  public boolean isTyped() {
    return component != null;
  }

  /**
   * This section of the manifest, or null when the manifest has none. A manifest read back from the
   * store holds a section of its own as plain JSON data; it is bound to the record here.
   */
  public T in(ReleaseManifest manifest) {
    if (component != null) {
      return component.apply(manifest);
    }
    Object value = manifest.sections().get(name);
    return value == null || type.isInstance(value)
        ? type.cast(value)
        : JSON.convertValue(value, type);
  }

  @Override
  public String toString() {
    return name + " (" + type.getSimpleName() + ")";
  }
}
