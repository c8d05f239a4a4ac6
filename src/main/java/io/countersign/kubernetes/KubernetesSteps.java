package io.countersign.kubernetes;

import com.fasterxml.jackson.annotation.JsonIgnore;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.countersign.manifest.Patterns;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.countersign.manifest.ReleaseManifest.Container;
import jakarta.validation.Valid;
import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The manifest's {@code kubernetesSteps} section: the team's own runbook steps, run in the order
 * written after the workload rollouts, each undone in reverse order on rollback; then, after every
 * other rollback step, the {@code afterRollback} checks (a data-consistency Job).
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
record KubernetesSteps(
    @NotBlank @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String target,
    @NotBlank @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
        String namespace,
    @NotNull @Size(min = 1, max = 30) List<@NotNull @Valid StepSpec> steps,
    @Size(max = 10) List<@NotNull @Valid StepSpec> afterRollback) {
  static final String DEFAULT_TIMEOUT = "PT10M";

  KubernetesSteps {
    steps = steps == null ? List.of() : List.copyOf(steps);
    afterRollback = afterRollback == null ? List.of() : List.copyOf(afterRollback);
  }

  /** The step named {@code name} among the steps (not the after-rollback checks). */
  StepSpec step(String name) {
    return steps.stream()
        .filter(s -> s.name().equals(name))
        .findFirst()
        .orElseThrow(
            () -> new IllegalStateException("the manifest has no Kubernetes step '" + name + "'"));
  }

  /**
   * One step: its name, exactly one of the step types, and how long its wait may take.
   *
   * @param name unique in the section; it names the step's Jobs and objects' records
   * @param timeout the deadline of the step's wait (rollout, Job, analysis), ISO-8601
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record StepSpec(
      @NotBlank
          @Size(max = 40)
          @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String name,
      @Valid ManifestSet apply,
      @Valid JobSpec job,
      @Valid MigrationSpec migration,
      @Valid TrafficSwitch switchTraffic,
      @Valid CanarySpec canary,
      @Pattern(regexp = Patterns.DURATION, message = Patterns.DURATION_MESSAGE) String timeout) {

    /** The types present, in declaration order; a valid step has exactly one. */
    @JsonIgnore
    List<String> types() {
      List<String> types = new ArrayList<>();
      if (apply != null) {
        types.add("apply");
      }
      if (job != null) {
        types.add("job");
      }
      if (migration != null) {
        types.add("migration");
      }
      if (switchTraffic != null) {
        types.add("switchTraffic");
      }
      if (canary != null) {
        types.add("canary");
      }
      return types;
    }

    @JsonIgnore
    String type() {
      List<String> types = types();
      return types.size() == 1 ? types.get(0) : null;
    }

    String timeoutOrDefault() {
      return timeout == null ? DEFAULT_TIMEOUT : timeout;
    }
  }

  /**
   * A set of Kubernetes objects applied together: inline in the release bundle, or a YAML file or
   * {@code .tar.gz} of YAML files in S3 pinned by its SHA-256. Never a URL: what deploys is what
   * was signed. {@code prune}: delete the objects an earlier release applied under this step's name
   * that the set no longer has.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ManifestSet(
      @Size(max = 100) List<@NotNull Map<String, Object>> objects,
      @Valid Artifact artifact,
      Boolean prune) {

    boolean pruning() {
      return Boolean.TRUE.equals(prune);
    }
  }

  /**
   * The team's own image run as a Kubernetes Job; its environment only from Secrets and ConfigMaps
   * by reference. {@code undo}: the command run as the step's compensation, with the same image and
   * environment.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record JobSpec(
      @NotBlank @Size(max = 512) @Pattern(regexp = Patterns.IMAGE, message = Patterns.IMAGE_MESSAGE)
          String image,
      @NotNull @Size(min = 1, max = 50) List<@NotNull @Size(max = 1000) String> command,
      @Size(max = 50) List<@NotNull @Valid EnvRef> env,
      @Size(max = 10) List<@NotNull @Valid EnvSource> envFrom,
      @Size(max = 50) List<@NotNull @Size(max = 1000) String> undo) {

    JobSpec {
      env = env == null ? List.of() : List.copyOf(env);
      envFrom = envFrom == null ? List.of() : List.copyOf(envFrom);
      undo = undo == null ? List.of() : List.copyOf(undo);
    }
  }

  /**
   * A database migration with the team's own tool: {@code current} prints the revision now applied
   * (a read-only Job before migrating; its last line of output is kept), {@code upgrade} migrates,
   * {@code downgrade} is the compensation, with {@value #PREVIOUS} replaced by the kept revision.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record MigrationSpec(
      @NotBlank @Size(max = 512) @Pattern(regexp = Patterns.IMAGE, message = Patterns.IMAGE_MESSAGE)
          String image,
      @Size(max = 50) List<@NotNull @Valid EnvRef> env,
      @Size(max = 10) List<@NotNull @Valid EnvSource> envFrom,
      @NotNull @Size(min = 1, max = 50) List<@NotNull @Size(max = 1000) String> current,
      @NotNull @Size(min = 1, max = 50) List<@NotNull @Size(max = 1000) String> upgrade,
      @NotNull @Size(min = 1, max = 50) List<@NotNull @Size(max = 1000) String> downgrade) {
    static final String PREVIOUS = "{previous}";

    MigrationSpec {
      env = env == null ? List.of() : List.copyOf(env);
      envFrom = envFrom == null ? List.of() : List.copyOf(envFrom);
    }
  }

  /** An environment variable read from one key of a Secret or of a ConfigMap. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record EnvRef(
      @NotBlank
          @Pattern(regexp = "[A-Za-z_][A-Za-z0-9_]{0,127}", message = "must be a variable name")
          String name,
      @Valid KeyRef secret,
      @Valid KeyRef configMap) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record KeyRef(
      @NotBlank @Size(max = 253) @Pattern(regexp = OBJECT_NAME, message = OBJECT_NAME_MESSAGE)
          String name,
      @NotBlank
          @Size(max = 253)
          @Pattern(regexp = "[-._a-zA-Z0-9]+", message = "must be a Secret or ConfigMap key")
          String key) {}

  /** Every key of one Secret or one ConfigMap as environment variables. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record EnvSource(
      @Size(max = 253) @Pattern(regexp = OBJECT_NAME, message = OBJECT_NAME_MESSAGE) String secret,
      @Size(max = 253) @Pattern(regexp = OBJECT_NAME, message = OBJECT_NAME_MESSAGE)
          String configMap) {}

  /**
   * Moves traffic: an Ingress's backends all to {@code to}, or a Service's selector to {@code
   * selector}. Undone by restoring what was there, or, with {@code rollbackTo}, by sending the
   * Ingress to that backend (the users' "switch to the backup load balancer").
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record TrafficSwitch(
      @Size(max = 253) @Pattern(regexp = OBJECT_NAME, message = OBJECT_NAME_MESSAGE) String ingress,
      @Size(max = 63) @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String service,
      @Valid Backend to,
      @Size(max = 10) Map<String, String> selector,
      @Valid Backend rollbackTo) {}

  @JsonInclude(JsonInclude.Include.NON_NULL)
  record Backend(
      @NotBlank
          @Size(max = 63)
          @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String service,
      @NotNull @Min(1) @Max(65535) Integer port) {}

  /**
   * A canary of a Deployment: a second Deployment {@code <deployment>-canary} with the new images
   * and {@code percent} of the replicas (at least one), behind the same Service; watched by the
   * manifest's metric rules for {@code analysis}, then promoted (the Deployment gets the images,
   * the canary is deleted) or removed.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record CanarySpec(
      @NotBlank
          @Size(max = 56)
          @Pattern(regexp = Patterns.DNS_LABEL, message = Patterns.DNS_LABEL_MESSAGE)
          String deployment,
      @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid Container> containers,
      @NotNull @Min(1) @Max(50) Integer percent,
      @NotBlank @Pattern(regexp = Patterns.DURATION, message = Patterns.DURATION_MESSAGE)
          String analysis) {

    CanarySpec {
      containers = containers == null ? List.of() : List.copyOf(containers);
    }
  }

  static final String OBJECT_NAME = "[a-z0-9]([-a-z0-9.]*[a-z0-9])?";
  static final String OBJECT_NAME_MESSAGE =
      "must be a Kubernetes object name (lower-case letters, digits, '-' and '.')";
}
