package io.countersign.manifest;

import java.util.List;
import java.util.stream.Collectors;

/**
 * A request body that cannot be accepted, with every invalid field and its JSON path. Answered as
 * HTTP 400 {@code application/problem+json} by the API's problem responses. Use the constructor for
 * a release manifest and {@link #ofRequest} for any other body (an override or cancel request).
 */
public class InvalidManifestException extends RuntimeException {
  private final transient List<FieldErrors.FieldError> errors;
  private final boolean manifest;

  public InvalidManifestException(List<FieldErrors.FieldError> errors) {
    this(errors, true);
  }

  private InvalidManifestException(List<FieldErrors.FieldError> errors, boolean manifest) {
    super(summary(errors));
    if (errors.isEmpty()) {
      throw new IllegalArgumentException("an invalid request needs at least one field error");
    }
    this.errors = List.copyOf(errors);
    this.manifest = manifest;
  }

  /** Another request body than a manifest, e.g. an override request without {@code $.reason}. */
  public static InvalidManifestException ofRequest(List<FieldErrors.FieldError> errors) {
    return new InvalidManifestException(errors, false);
  }

  public static InvalidManifestException ofRequest(String path, String message) {
    return ofRequest(List.of(new FieldErrors.FieldError(path, message)));
  }

  public List<FieldErrors.FieldError> errors() {
    return errors;
  }

  /** True for a release manifest, false for other request bodies. */
  public boolean isManifest() {
    return manifest;
  }

  /** "1 field is invalid", "3 fields are invalid": counts fields, not messages. */
  public String detail() {
    return detail(errors);
  }

  public static String detail(List<FieldErrors.FieldError> errors) {
    long fields = errors.stream().map(FieldErrors.FieldError::path).distinct().count();
    return fields == 1 ? "1 field is invalid" : fields + " fields are invalid";
  }

  private static String summary(List<FieldErrors.FieldError> errors) {
    return detail(errors)
        + ": "
        + errors.stream().map(e -> e.path() + " " + e.message()).collect(Collectors.joining("; "));
  }
}
