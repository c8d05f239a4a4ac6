package io.countersign.lambda;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * How an alias moves to the new version, as CodeDeploy teams know it: {@code all-at-once}; {@code
 * canaryP-D} (P % for D minutes, then all); {@code linearP-D} (P % more every D minutes until all).
 * Each step says the share of the new version and how long to hold it before the next step (zero
 * for the last).
 */
record TrafficPlan(String spec, List<Step> steps) {
  static final String ALL_AT_ONCE = "all-at-once";
  private static final Pattern SHAPED = Pattern.compile("(canary|linear)(\\d{1,2})-(\\d{1,3})");

  TrafficPlan {
    steps = List.copyOf(steps);
  }

  /**
   * One step: {@code percent} of the traffic to the new version, held for {@code hold} before the
   * next step.
   */
  record Step(int percent, Duration hold) {}

  /**
   * @throws IllegalArgumentException saying what a valid spec looks like
   */
  static TrafficPlan parse(String spec) {
    if (spec == null || spec.equals(ALL_AT_ONCE)) {
      return new TrafficPlan(ALL_AT_ONCE, List.of(new Step(100, Duration.ZERO)));
    }
    Matcher m = SHAPED.matcher(spec);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          "traffic '"
              + spec
              + "' is not all-at-once, canary<percent>-<minutes> or linear<percent>-<minutes> (e.g. canary10-5, linear20-3)");
    }
    int percent = Integer.parseInt(m.group(2));
    int minutes = Integer.parseInt(m.group(3));
    if (percent < 1 || percent > 99) {
      throw new IllegalArgumentException("traffic '" + spec + "': the percentage must be 1-99");
    }
    if (minutes < 1) {
      throw new IllegalArgumentException("traffic '" + spec + "': the minutes must be 1-999");
    }
    Duration hold = Duration.ofMinutes(minutes);
    List<Step> steps = new ArrayList<>();
    if (m.group(1).equals("canary")) {
      steps.add(new Step(percent, hold));
    } else {
      for (int share = percent; share < 100; share += percent) {
        steps.add(new Step(share, hold));
      }
    }
    steps.add(new Step(100, Duration.ZERO));
    return new TrafficPlan(spec, steps);
  }

  /**
   * Where the alias points at step {@code index}: before the last step the previous version stays
   * primary and the new one gets the step's share as an additional version weight; at the last step
   * the new version is primary and the weights are cleared. The same version on both sides (code
   * unchanged) needs no weights at any step.
   */
  Routing routing(int index, String previousVersion, String newVersion) {
    Step step = step(index);
    if (isLast(index) || newVersion.equals(previousVersion)) {
      return new Routing(newVersion, Map.of());
    }
    return new Routing(previousVersion, Map.of(newVersion, step.percent() / 100.0));
  }

  /**
   * What an alias serves: its primary version and the additional versions with their share (0-1).
   */
  record Routing(String primaryVersion, Map<String, Double> weights) {
    Routing {
      weights = Map.copyOf(weights);
    }
  }

  Step step(int index) {
    return steps.get(index);
  }

  boolean isLast(int index) {
    return index == steps.size() - 1;
  }

  int size() {
    return steps.size();
  }
}
