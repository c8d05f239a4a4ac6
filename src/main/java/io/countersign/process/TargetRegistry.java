package io.countersign.process;

import io.countersign.manifest.ManifestCheck;
import io.countersign.manifest.ManifestParts;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.TargetCapability.Phase;
import io.countersign.process.TargetCapability.Step;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.springframework.stereotype.Component;

/**
 * The target capabilities in deploy order, and the lists the rest of Countersign used to keep by
 * hand: steps, planned-step lines, start variables, policy facts, recorded variables, manifest
 * sections and checks. Two capabilities claiming one section, step or variable stop the start.
 */
@Component
public class TargetRegistry implements ManifestParts {
  private final List<TargetCapability> capabilities;

  /**
   * Spring hands the beans over sorted by their {@code @Order}, which is their place in
   * deploy.bpmn.
   */
  public TargetRegistry(List<TargetCapability> capabilities) {
    this.capabilities = List.copyOf(capabilities);
    unique("manifest section", c -> List.of(c.section().name()));
    unique("step", c -> c.steps().stream().map(Step::id).toList());
    unique("recorded variable", TargetCapability::recordedVariables);
  }

  public List<TargetCapability> capabilities() {
    return capabilities;
  }

  /** The deploy steps in model order, then the rollback steps in the order they run. */
  public List<String> steps() {
    List<String> ids = new ArrayList<>(deploySteps());
    for (int i = capabilities.size() - 1; i >= 0; i--) {
      ids.addAll(ids(capabilities.get(i), Phase.UNDO));
    }
    for (TargetCapability capability : capabilities) {
      ids.addAll(ids(capability, Phase.AFTER_UNDO));
    }
    return ids;
  }

  /** The steps of the deployment itself, in model order. */
  public List<String> deploySteps() {
    List<String> ids = new ArrayList<>();
    capabilities.forEach(c -> ids.addAll(ids(c, Phase.DEPLOY)));
    return ids;
  }

  /**
   * The main deploy steps of the capabilities the manifest uses ({@code true}) and of the others
   * ({@code false}).
   */
  public Map<Boolean, List<String>> mainSteps(ReleaseManifest manifest) {
    Map<Boolean, List<String>> byUse = new LinkedHashMap<>();
    byUse.put(true, new ArrayList<>());
    byUse.put(false, new ArrayList<>());
    for (TargetCapability capability : capabilities) {
      capability.steps().stream()
          .filter(Step::main)
          .map(Step::id)
          .forEach(byUse.get(capability.isUsedBy(manifest))::add);
    }
    return byUse;
  }

  public List<String> plannedSteps(ReleaseManifest manifest) {
    List<String> lines = new ArrayList<>();
    capabilities.forEach(c -> lines.addAll(c.plannedSteps(manifest)));
    return lines;
  }

  /**
   * The rollback as deploy.bpmn's <i>Roll back</i> subprocess runs it: each capability's undo
   * lines, last capability first, then each capability's lines after the undo, in capability order.
   */
  public List<String> rollbackPlan(ReleaseManifest manifest) {
    List<String> lines = new ArrayList<>();
    for (int i = capabilities.size() - 1; i >= 0; i--) {
      lines.addAll(capabilities.get(i).undoSteps(manifest));
    }
    capabilities.forEach(c -> lines.addAll(c.afterUndoSteps(manifest)));
    return lines;
  }

  public Map<String, Object> startVariables(ReleaseManifest manifest) {
    return merged("start variable", c -> c.startVariables(manifest));
  }

  public Map<String, Object> policyFacts(ReleaseManifest manifest) {
    return merged("policy fact", c -> c.policyFacts(manifest));
  }

  public List<String> recordedVariables() {
    List<String> names = new ArrayList<>();
    capabilities.forEach(c -> names.addAll(c.recordedVariables()));
    return names;
  }

  @Override
  public List<ManifestSection<?>> sections() {
    return capabilities.stream().<ManifestSection<?>>map(TargetCapability::section).toList();
  }

  @Override
  public List<ManifestCheck> checks() {
    return capabilities.stream().map(TargetCapability::check).toList();
  }

  @Override
  public List<String> drillSteps() {
    return capabilities.stream()
        .flatMap(c -> c.steps().stream())
        .filter(Step::main)
        .map(Step::id)
        .toList();
  }

  private static List<String> ids(TargetCapability capability, Phase phase) {
    return capability.steps().stream().filter(s -> s.phase() == phase).map(Step::id).toList();
  }

  private Map<String, Object> merged(
      String what, Function<TargetCapability, Map<String, Object>> of) {
    Map<String, Object> merged = new LinkedHashMap<>();
    for (TargetCapability capability : capabilities) {
      of.apply(capability)
          .forEach(
              (name, value) -> {
                if (merged.containsKey(name)) {
                  throw new IllegalStateException(
                      "two target capabilities set the " + what + " " + name);
                }
                merged.put(name, value);
              });
    }
    return merged;
  }

  private void unique(String what, Function<TargetCapability, List<String>> of) {
    Set<String> seen = new HashSet<>();
    for (TargetCapability capability : capabilities) {
      for (String name : of.apply(capability)) {
        if (!seen.add(name)) {
          throw new IllegalStateException(
              "two target capabilities declare the " + what + " " + name);
        }
      }
    }
  }
}
