package io.countersign.kubernetes;

import io.countersign.kubernetes.KubernetesSteps.CanarySpec;
import io.countersign.kubernetes.KubernetesSteps.EnvRef;
import io.countersign.kubernetes.KubernetesSteps.EnvSource;
import io.countersign.kubernetes.KubernetesSteps.JobSpec;
import io.countersign.kubernetes.KubernetesSteps.MigrationSpec;
import io.countersign.kubernetes.KubernetesSteps.StepSpec;
import io.countersign.kubernetes.KubernetesSteps.TrafficSwitch;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ReleaseManifest;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * The kubernetesSteps section against the configured clusters, namespaces and kinds, and the rules
 * the record's annotations cannot say: one type per step, names unique, references not literals.
 */
@Component
class KubernetesStepsCheck implements ManifestCheck {
  private static final String ROOT = "$.kubernetesSteps";
  private static final Pattern LABEL_KEY =
      Pattern.compile(
          "([a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?");
  private static final Pattern LABEL_VALUE =
      Pattern.compile("([A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?)?");

  private final KubernetesProperties properties;
  private final ManifestSets sets;

  KubernetesStepsCheck(KubernetesProperties properties, ManifestSets sets) {
    this.properties = properties;
    this.sets = sets;
  }

  @Override
  public void check(ReleaseManifest manifest, FieldErrors errors) {
    KubernetesSteps section = KubernetesStepsCapability.SECTION.in(manifest);
    if (section == null) {
      return;
    }
    KubernetesProperties.Target target = properties.targets().get(section.target());
    if (target == null) {
      errors.add(
          ROOT + ".target",
          "unknown Kubernetes target '"
              + section.target()
              + "'; configured targets: "
              + (properties.targets().isEmpty()
                  ? "none"
                  : String.join(", ", new TreeSet<>(properties.targets().keySet()))));
    } else if (!target.namespaces().contains(section.namespace())) {
      errors.add(
          ROOT + ".namespace",
          "namespace '"
              + section.namespace()
              + "' is not allowed on target '"
              + section.target()
              + "' (allowed: "
              + String.join(", ", target.namespaces())
              + ")");
    }
    Map<String, String> names = new HashMap<>();
    check(section, section.steps(), ".steps", target != null, names, errors);
    check(section, section.afterRollback(), ".afterRollback", target != null, names, errors);
    for (int i = 0; i < section.afterRollback().size(); i++) {
      StepSpec spec = section.afterRollback().get(i);
      String path = ROOT + ".afterRollback[" + i + "]";
      if (spec.job() == null && spec.types().size() == 1) {
        errors.add(path, "an after-rollback check is a job; it must not change anything else");
      } else if (spec.job() != null && !spec.job().undo().isEmpty()) {
        errors.add(path + ".job.undo", "an after-rollback check has nothing to undo");
      }
    }
  }

  private void check(
      KubernetesSteps section,
      List<StepSpec> steps,
      String list,
      boolean knownTarget,
      Map<String, String> names,
      FieldErrors errors) {
    for (int i = 0; i < steps.size(); i++) {
      StepSpec spec = steps.get(i);
      String path = ROOT + list + "[" + i + "]";
      if (spec.name() != null) {
        String first = names.putIfAbsent(spec.name(), path);
        if (first != null) {
          errors.add(
              path + ".name", "step '" + spec.name() + "' is named twice (also " + first + ")");
        }
      }
      if (spec.types().size() != 1) {
        errors.add(
            path,
            "a step has exactly one of apply, job, migration, switchTraffic, canary; found "
                + (spec.types().isEmpty() ? "none" : String.join(", ", spec.types())));
        continue;
      }
      if (spec.apply() != null && knownTarget) {
        sets.check(path + ".apply", section.target(), section.namespace(), spec.apply(), errors);
      }
      if (spec.job() != null) {
        checkJob(spec.job(), path + ".job", errors);
      }
      if (spec.migration() != null) {
        checkMigration(spec.migration(), path + ".migration", errors);
      }
      if (spec.switchTraffic() != null) {
        checkSwitch(spec.switchTraffic(), path + ".switchTraffic", errors);
      }
      if (spec.canary() != null) {
        checkCanary(spec, spec.canary(), path, errors);
      }
    }
  }

  private static void checkJob(JobSpec job, String path, FieldErrors errors) {
    checkEnv(job.env(), job.envFrom(), path, errors);
  }

  private static void checkMigration(MigrationSpec migration, String path, FieldErrors errors) {
    checkEnv(migration.env(), migration.envFrom(), path, errors);
    if (migration.downgrade() != null
        && migration.downgrade().stream()
            .noneMatch(part -> part != null && part.contains(MigrationSpec.PREVIOUS))) {
      errors.add(
          path + ".downgrade",
          "must name the revision to go back to as "
              + MigrationSpec.PREVIOUS
              + " (the one the current command printed before migrating)");
    }
  }

  private static void checkEnv(
      List<EnvRef> env, List<EnvSource> envFrom, String path, FieldErrors errors) {
    for (int i = 0; i < env.size(); i++) {
      EnvRef ref = env.get(i);
      if ((ref.secret() == null) == (ref.configMap() == null)) {
        errors.add(
            path + ".env[" + i + "]",
            "takes its value from exactly one of secret or configMap; literal values are not"
                + " accepted, so no secret is ever written into a release");
      }
    }
    for (int i = 0; i < envFrom.size(); i++) {
      EnvSource source = envFrom.get(i);
      if ((source.secret() == null) == (source.configMap() == null)) {
        errors.add(path + ".envFrom[" + i + "]", "names exactly one of secret or configMap");
      }
    }
  }

  private static void checkSwitch(TrafficSwitch change, String path, FieldErrors errors) {
    if ((change.ingress() == null) == (change.service() == null)) {
      errors.add(path, "switches exactly one of ingress or service");
      return;
    }
    if (change.ingress() != null) {
      if (change.to() == null) {
        errors.add(path + ".to", "must name the Service and port the Ingress sends traffic to");
      }
      if (change.selector() != null) {
        errors.add(path + ".selector", "is for a service switch; an ingress switch names to");
      }
      return;
    }
    if (change.selector() == null || change.selector().isEmpty()) {
      errors.add(path + ".selector", "must name the labels of the pods the Service selects");
    } else {
      change
          .selector()
          .forEach(
              (key, value) -> {
                if (!LABEL_KEY.matcher(key).matches()
                    || value == null
                    || !LABEL_VALUE.matcher(value).matches()) {
                  errors.add(path + ".selector." + key, "must be a Kubernetes label key and value");
                }
              });
    }
    if (change.to() != null) {
      errors.add(path + ".to", "is for an ingress switch; a service switch names selector");
    }
    if (change.rollbackTo() != null) {
      errors.add(path + ".rollbackTo", "is for an ingress switch");
    }
  }

  private static void checkCanary(
      StepSpec spec, CanarySpec canary, String path, FieldErrors errors) {
    if (spec.timeout() != null
        && canary.analysis() != null
        && Duration.parse(spec.timeout()).compareTo(Duration.parse(canary.analysis())) <= 0) {
      errors.add(
          path + ".timeout",
          "must be longer than the canary's analysis ("
              + canary.analysis()
              + "): the step's deadline includes the analysis and the promotion");
    }
  }
}
