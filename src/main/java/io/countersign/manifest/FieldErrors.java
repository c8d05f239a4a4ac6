package io.countersign.manifest;

import java.util.ArrayList;
import java.util.List;

/**
 * Collects every invalid field of a request, each with its JSON path (e.g. {@code
 * $.lambda.functions[1].name}).
 */
public final class FieldErrors {
  private final List<FieldError> errors = new ArrayList<>();

  public void add(String path, String message) {
    errors.add(new FieldError(path, message));
  }

  public boolean isEmpty() {
    return errors.isEmpty();
  }

  public List<FieldError> list() {
    return List.copyOf(errors);
  }

  public record FieldError(String path, String message) {}
}
