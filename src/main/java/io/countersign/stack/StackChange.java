package io.countersign.stack;

import io.countersign.manifest.Patterns;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;
import java.util.Map;

/**
 * The manifest's {@code stack} section: a configured stack target, the stack, the packaged template
 * (pinned by its SHA-256: the signed bytes are what CloudFormation runs), literal parameters and
 * the capabilities it acknowledges. Names and values are checked against the target's allow-lists
 * by {@link StackManifestCheck}.
 */
record StackChange(
    @NotNull @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
    @NotNull
        @Pattern(
            regexp = "[A-Za-z][A-Za-z0-9-]{0,127}",
            message = "must be a CloudFormation stack name (a letter, then letters, digits, '-')")
        String name,
    @NotNull @Valid Template template,
    @Size(max = 200) Map<String, String> parameters,
    @Size(max = 3) List<@NotNull String> capabilities) {

  StackChange {
    parameters = parameters == null ? Map.of() : parameters;
    capabilities = capabilities == null ? List.of() : capabilities;
  }

  /** The packaged template (the output of {@code sam package}) in an allowed artifact bucket. */
  record Template(
      @NotNull @Pattern(regexp = Patterns.BUCKET, message = Patterns.BUCKET_MESSAGE) String bucket,
      @NotNull
          @Size(max = 1024)
          @Pattern(regexp = Patterns.OBJECT_KEY, message = Patterns.OBJECT_KEY_MESSAGE)
          String key,
      @NotNull(message = "is required: the signed template is what runs")
          @Pattern(regexp = Patterns.SHA256, message = Patterns.SHA256_MESSAGE)
          String sha256) {}
}
