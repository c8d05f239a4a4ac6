package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.ClusterSteps.ObjectRef;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.SectionArtifacts;
import io.countersign.process.TargetCapability;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * The team's own Kubernetes steps ({@code kubernetesSteps}): manifest sets, Jobs, migrations with
 * their own tool, traffic switches and canaries, run after the workload rollouts in the order
 * written, undone first in a rollback, then the after-rollback checks.
 */
@Component
@Order(550)
class KubernetesStepsCapability implements TargetCapability, SectionArtifacts {
  static final ManifestSection<KubernetesSteps> SECTION =
      ManifestSection.of("kubernetesSteps", KubernetesSteps.class);
  static final String NONE = "the manifest has no kubernetesSteps section";

  static final String HAS_STEPS = "hasKubernetesSteps";
  static final String MIGRATES_WITH_JOB = "migratesWithJob";
  static final String SWITCHES_TRAFFIC = "switchesTraffic";

  private final KubernetesStepsCheck check;
  private final StepTypes types;
  private final ClusterSteps cluster;

  KubernetesStepsCapability(KubernetesStepsCheck check, StepTypes types, ClusterSteps cluster) {
    this.check = check;
    this.types = types;
    this.cluster = cluster;
  }

  @Override
  public ManifestSection<?> section() {
    return SECTION;
  }

  @Override
  public ManifestCheck check() {
    return check;
  }

  @Override
  public boolean isUsedBy(ReleaseManifest manifest) {
    return SECTION.in(manifest) != null;
  }

  @Override
  public List<Step> steps() {
    return List.of(
        Step.main(StartKubernetesStepDelegate.STEP),
        Step.check(CheckKubernetesStepDelegate.STEP),
        Step.undo(UndoKubernetesStepsDelegate.STEP),
        Step.afterUndo(CheckAfterRollbackDelegate.STEP));
  }

  @Override
  public List<String> plannedSteps(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    if (section == null) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    for (StepSpec spec : section.steps()) {
      lines.add(types.of(spec).plan(plan(manifest, section, spec)));
    }
    for (StepSpec spec : section.afterRollback()) {
      lines.add("After a rollback, check: " + types.of(spec).plan(plan(manifest, section, spec)));
    }
    return lines;
  }

  private static StepRun plan(ReleaseManifest manifest, KubernetesSteps section, StepSpec spec) {
    return new StepRun(null, manifest, section, spec, null, null, null, null);
  }

  /**
   * The multi-instance's collection: the step names in the order written. A list shortened in the
   * database changes nothing: each step starts only after every signed step before it finished, and
   * the last instance fails when signed steps remain ({@link StepOrder}).
   */
  @Override
  public List<String> undoSteps(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    if (section == null) {
      return List.of();
    }
    List<String> lines = new ArrayList<>();
    for (int i = section.steps().size() - 1; i >= 0; i--) {
      StepSpec spec = section.steps().get(i);
      lines.add(
          "Undo Kubernetes step "
              + spec.name()
              + ": put back the objects it changed, last changed first, then run its undo Job if"
              + " it has one");
    }
    return lines;
  }

  @Override
  public List<String> afterUndoSteps(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    if (section == null) {
      return List.of();
    }
    return section.afterRollback().stream()
        .map(
            spec ->
                "Check after the rollback: " + types.of(spec).plan(plan(manifest, section, spec)))
        .toList();
  }

  @Override
  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    Map<String, Object> variables = new LinkedHashMap<>();
    variables.put(
        StepOrder.STEPS,
        section == null
            ? new ArrayList<String>()
            : new ArrayList<>(section.steps().stream().map(StepSpec::name).toList()));
    variables.put(CheckAfterRollbackDelegate.RESTORED, true);
    return variables;
  }

  /** Everything the steps did is in their signed journal entries, none in variables. */
  @Override
  public List<String> recordedVariables() {
    return List.of();
  }

  /**
   * Reads each object a traffic switch or canary needs (it must exist) and each object of an inline
   * set (recorded as new or existing). Jobs' Secrets are not read: Countersign may not.
   */
  @Override
  public List<Finding> verifyEnvironment(String releaseId, ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    List<Finding> findings = new ArrayList<>();
    if (cluster.dryRun()) {
      findings.add(
          Finding.passed(
              "Kubernetes steps on " + section.target(), "dry-run: the cluster is not read"));
      return findings;
    }
    for (StepSpec spec : section.steps()) {
      for (ObjectRef ref : needed(section, spec)) {
        String subject = "Kubernetes step " + spec.name() + ": " + ref.key();
        try {
          boolean exists = cluster.read(section.target(), ref).isPresent();
          findings.add(
              exists
                  ? Finding.passed(subject, "exists")
                  : Finding.failed(subject, "does not exist"));
        } catch (TargetRefusedException refused) {
          findings.add(Finding.failed(subject, refused.getMessage()));
        }
      }
    }
    if (findings.isEmpty()) {
      findings.add(
          Finding.passed(
              "Kubernetes steps on " + section.target(),
              "manifest sets and Jobs: nothing to look at before they run"));
    }
    return findings;
  }

  private static List<ObjectRef> needed(KubernetesSteps section, StepSpec spec) {
    if (spec.switchTraffic() != null) {
      return List.of(
          spec.switchTraffic().ingress() != null
              ? new ObjectRef(
                  TrafficSwitchStep.INGRESS_API,
                  "Ingress",
                  section.namespace(),
                  spec.switchTraffic().ingress())
              : new ObjectRef(
                  "v1", "Service", section.namespace(), spec.switchTraffic().service()));
    }
    if (spec.canary() != null) {
      return List.of(
          new ObjectRef("apps/v1", "Deployment", section.namespace(), spec.canary().deployment()));
    }
    return List.of();
  }

  @Override
  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    List<StepSpec> steps = section == null ? List.of() : section.steps();
    Map<String, Object> facts = new LinkedHashMap<>();
    facts.put(HAS_STEPS, section != null);
    facts.put(MIGRATES_WITH_JOB, steps.stream().anyMatch(s -> s.migration() != null));
    facts.put(SWITCHES_TRAFFIC, steps.stream().anyMatch(s -> s.switchTraffic() != null));
    return facts;
  }

  /**
   * The images the steps run: each Job's and migration's, a canary's containers, and the containers
   * of the Deployments and StatefulSets in inline sets. A set's other content (replicas, config)
   * differs between environments by design, and a set in S3 is not read here.
   */
  @Override
  public Map<String, String> artifacts(ReleaseManifest manifest) {
    KubernetesSteps section = SECTION.in(manifest);
    Map<String, String> artifacts = new java.util.TreeMap<>();
    if (section == null) {
      return artifacts;
    }
    List<StepSpec> all = new ArrayList<>(section.steps());
    all.addAll(section.afterRollback());
    for (StepSpec spec : all) {
      String step = "kubernetes step " + spec.name();
      if (spec.job() != null) {
        artifacts.put(step + " image", spec.job().image());
      }
      if (spec.migration() != null) {
        artifacts.put(step + " image", spec.migration().image());
      }
      if (spec.canary() != null) {
        spec.canary()
            .containers()
            .forEach(c -> artifacts.put(step + " container " + c.name(), c.image()));
      }
      if (spec.apply() != null && spec.apply().objects() != null) {
        for (Map<String, Object> object : spec.apply().objects()) {
          images(object, step + " " + object.get("kind") + "/" + name(object), artifacts);
        }
      }
    }
    return artifacts;
  }

  private static Object name(Map<String, Object> object) {
    return object.get("metadata") instanceof Map<?, ?> metadata ? metadata.get("name") : null;
  }

  /** Every {@code containers[].image} and {@code initContainers[].image} under the object. */
  private static void images(Object node, String prefix, Map<String, String> artifacts) {
    if (node instanceof Map<?, ?> map) {
      map.forEach(
          (key, value) -> {
            if (("containers".equals(key) || "initContainers".equals(key))
                && value instanceof List<?> containers) {
              for (Object container : containers) {
                if (container instanceof Map<?, ?> c && c.get("image") != null) {
                  artifacts.put(prefix + " " + c.get("name"), String.valueOf(c.get("image")));
                }
              }
            } else {
              images(value, prefix, artifacts);
            }
          });
    } else if (node instanceof List<?> list) {
      list.forEach(item -> images(item, prefix, artifacts));
    }
  }
}
