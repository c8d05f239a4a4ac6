package io.countersign.lambda;

import io.countersign.aws.TargetRefusedException;
import io.countersign.lambda.LambdaTarget.Alias;
import io.countersign.lambda.LambdaTarget.CodeUpdate;
import io.countersign.lambda.LambdaTarget.ConfigurationRestore;
import io.countersign.lambda.LambdaTarget.ConfigurationUpdate;
import io.countersign.lambda.LambdaTarget.FunctionSettings;
import io.countersign.lambda.LambdaTarget.PublishedVersion;
import io.countersign.lambda.LambdaTarget.Reference;
import io.countersign.lambda.LambdaTarget.UpdateStatus;
import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.process.Attempts;
import io.countersign.process.Attempts.Call;
import io.countersign.process.Attempts.Resolution;
import io.countersign.process.StepOutcome;
import io.countersign.process.StepSupport;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The deployment of one function as short steps, each resumed from the progress the last one
 * recorded: start (record the alias's version, start the code update), then advance (one look at
 * the update; once it succeeded, start the configuration update when the manifest gives one and
 * look at it the same way; then publish a version and apply the first traffic step; later, one
 * traffic step per call), and revert (with the configuration restored). Nothing here waits: the
 * model loops with timers in between.
 */
class LambdaRollout {
  static final String UPDATING = "updating";
  static final String CONFIGURING = "configuring";
  static final String SHIFTING = "shifting";
  static final String DEPLOYED = "deployed";

  /** Published, waiting for the before-traffic check; no weight moved yet. */
  static final String PUBLISHED = "published";

  /** The before-traffic check passed: the first traffic step may follow. */
  static final String CHECKED = "checked";

  /**
   * All traffic on the new version: the final hold, the gates at 100 % and the after-traffic check
   * follow, then deployed.
   */
  static final String SHIFTED = "shifted";

  static final String LATEST = "$LATEST";
  static final String CONFIGURED = "lambda-configuration-updated";
  static final String RESTORED = "lambda-configuration-restored";

  private static final Pattern FUNCTION_NAME = Pattern.compile("[A-Za-z0-9_-]{1,64}");
  private static final Pattern ALIAS_NAME = Pattern.compile("(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}");

  /**
   * The alias description a shift leaves, so a re-run of the first step still knows the version
   * before it.
   */
  private static final String SHIFT_DESCRIPTION = "countersign release %s: version %s -> %s (%s)";

  private static final Pattern SHIFTED_BY =
      Pattern.compile("countersign release (\\S+): version (\\S+) -> .*");

  private static final String REVISION = "revision ";

  private final LambdaTarget target;
  private final LambdaProperties properties;
  private final Attempts attempts;

  LambdaRollout(LambdaTarget target, LambdaProperties properties, Attempts attempts) {
    this.target = target;
    this.properties = properties;
    this.attempts = attempts;
  }

  /**
   * How far one function got; stored as JSON in {@code lambda.deployments}, keyed by function name.
   */
  record Progress(
      String phase,
      String previousVersion,
      String newVersion,
      int step,
      String updateStartedAt,
      String codeSha256) {}

  /**
   * What a call did: the progress to record, how long the model should wait before the next call,
   * and evidence.
   */
  record Advance(Progress progress, Duration waitFor, List<Event> events) {
    /**
     * For the model: running while the code update runs (poll again), paused once published (the
     * before-traffic check decides whether traffic may start) and while a traffic step holds (the
     * traffic gates decide after the hold whether the next step may follow), done once deployed.
     */
    StepOutcome outcome() {
      return switch (progress.phase()) {
        case DEPLOYED -> StepOutcome.done();
        // Published: the before-traffic check lets it go on; shifted: the final gate and the
        // after-traffic check.
        case SHIFTING, SHIFTED, PUBLISHED -> StepOutcome.paused(waitFor);
        default -> StepOutcome.running(waitFor);
      };
    }
  }

  /** One evidence entry to record. */
  record Event(String type, Map<String, Object> payload) {}

  static boolean isFunctionName(String name) {
    return name != null && FUNCTION_NAME.matcher(name).matches();
  }

  /** Everything about the function that can be refused before anything changes. */
  TrafficPlan check(String targetName, LambdaFunction function) {
    LambdaProperties.Target config =
        targetName == null ? null : properties.targets().get(targetName);
    if (config == null) {
      throw new TargetRefusedException("unknown Lambda target '" + targetName + "'");
    }
    if (function.name() == null || !FUNCTION_NAME.matcher(function.name()).matches()) {
      throw new TargetRefusedException(
          "'"
              + function.name()
              + "' is not a Lambda function name (letters, digits, '-', '_'; 1-64; no ARNs or qualifiers)");
    }
    if (!ALIAS_NAME.matcher(function.aliasOrDefault()).matches()) {
      throw new TargetRefusedException(
          "'" + function.aliasOrDefault() + "' is not a Lambda alias name");
    }
    String bucket = function.artifact() == null ? null : function.artifact().bucket();
    String key = function.artifact() == null ? null : function.artifact().key();
    if (bucket == null || !config.artifactBuckets().contains(bucket)) {
      throw new TargetRefusedException(
          "artifact bucket '"
              + bucket
              + "' of function "
              + function.name()
              + " is not an artifact bucket of target '"
              + targetName
              + "' (allowed: "
              + String.join(", ", config.artifactBuckets())
              + ")");
    }
    if (key == null || key.isBlank() || key.startsWith("/") || key.contains("..")) {
      throw new TargetRefusedException(
          "artifact key '"
              + key
              + "' of function "
              + function.name()
              + " is not a plain S3 object key");
    }
    LambdaConfigurationRules.refuse(function.name(), function.configuration(), config);
    try {
      return TrafficPlan.parse(function.trafficOrDefault());
    } catch (IllegalArgumentException e) {
      throw new TargetRefusedException(e.getMessage());
    }
  }

  /** Records what the alias serves, then starts the code update. */
  Advance start(String releaseId, String targetName, LambdaFunction function, Instant now) {
    check(targetName, function);
    Alias alias = target.alias(targetName, function);
    if (LATEST.equals(alias.version())) {
      throw new TargetRefusedException(
          "alias "
              + function.aliasOrDefault()
              + " of function "
              + function.name()
              + " points at $LATEST; point it at a published version first, so there is a version to roll back to");
    }
    String previous = previousVersion(alias, releaseId);
    CodeUpdate update = updateCode(releaseId, targetName, function);
    Progress progress = new Progress(UPDATING, previous, null, -1, now.toString(), null);
    return new Advance(
        progress,
        properties.pollIntervalOrDefault(),
        List.of(
            new Event(
                "lambda-code-updated",
                StepSupport.payload(
                    "target",
                    targetName,
                    "function",
                    function.name(),
                    "alias",
                    function.aliasOrDefault(),
                    "artifact",
                    artifact(function),
                    "previousVersion",
                    previous,
                    "revisionBefore",
                    update.revisionBefore(),
                    "revisionAfter",
                    update.revisionAfter(),
                    "dryRun",
                    target.dryRun()))));
  }

  /**
   * Moves the function on as far as it can without waiting: while updating, one look at
   * LastUpdateStatus (and, once Successful, publish and the first traffic step); while shifting,
   * the next traffic step. A deployed function is left alone, so calling again is harmless.
   */
  Advance advance(
      String releaseId,
      String targetName,
      LambdaFunction function,
      Progress progress,
      Instant now) {
    return advance(releaseId, targetName, function, progress, now, false);
  }

  /**
   * As above; {@code withTrafficChecks} when the model has the before- and after-traffic checks: a
   * published version then waits for its check (phase published) before any weight moves, and the
   * last step ends shifted (held for the final hold, gated at 100 %, checked after) instead of
   * deployed. A release pinned to a model without them shifts right after the publish, as before.
   */
  Advance advance(
      String releaseId,
      String targetName,
      LambdaFunction function,
      Progress progress,
      Instant now,
      boolean withTrafficChecks) {
    TrafficPlan plan = check(targetName, function);
    List<Event> events = new ArrayList<>();
    if (progress.phase().equals(UPDATING)) {
      UpdateStatus status = finished("code", targetName, function, progress, now);
      if (status == null) {
        return new Advance(progress, properties.pollIntervalOrDefault(), events);
      }
      refuseUnsignedCode(function, status.codeSha256());
      if (function.configuration() != null) {
        // Returned at once, so the caller records the change before anything can fail; the
        // caller looks at the update right after, in the same job (see DeployLambdaDelegate).
        progress = configure(releaseId, targetName, function, progress, status, now, events);
        return new Advance(progress, properties.pollIntervalOrDefault(), events);
      }
      progress =
          publish(
              releaseId,
              targetName,
              function,
              progress,
              status.codeSha256(),
              status.revisionId(),
              events,
              withTrafficChecks);
    }
    if (progress.phase().equals(CONFIGURING)) {
      UpdateStatus status = finished("configuration", targetName, function, progress, now);
      if (status == null) {
        return new Advance(progress, properties.pollIntervalOrDefault(), events);
      }
      // The code checked when its update ended: PublishVersion refuses any other.
      progress =
          publish(
              releaseId,
              targetName,
              function,
              progress,
              progress.codeSha256() == null ? status.codeSha256() : progress.codeSha256(),
              status.revisionId(),
              events,
              withTrafficChecks);
    }
    if (progress.phase().equals(SHIFTING) || progress.phase().equals(CHECKED)) {
      return shift(releaseId, targetName, function, plan, progress, events, withTrafficChecks);
    }
    // Published (the check is next), shifted (the final gate is next) or deployed: nothing to do.
    return new Advance(progress, Duration.ZERO, events);
  }

  /**
   * One look at the function's LastUpdateStatus for the {@code what} ("code", "configuration")
   * update: its status once Successful, null while it is in progress; Failed, or in progress past
   * the update timeout, is refused.
   */
  private UpdateStatus finished(
      String what, String targetName, LambdaFunction function, Progress progress, Instant now) {
    UpdateStatus status = target.updateStatus(targetName, function);
    String reason = status.reason() == null ? "no reason given" : status.reason();
    String update = "Lambda " + what + " update of " + function.name();
    switch (status.status()) {
      case FAILED -> throw new TargetRefusedException(update + " failed: " + reason);
      case IN_PROGRESS -> {
        Duration timeout = properties.updateTimeoutOrDefault();
        if (now.isAfter(Instant.parse(progress.updateStartedAt()).plus(timeout))) {
          throw new TargetRefusedException(
              update + " still InProgress after " + timeout + " (" + reason + ")");
        }
        return null;
      }
      default -> {
        return status;
      }
    }
  }

  private Progress publish(
      String releaseId,
      String targetName,
      LambdaFunction function,
      Progress progress,
      String codeSha256,
      String revisionId,
      List<Event> events,
      boolean withTrafficChecks) {
    // Interrupted: publishing again is Lambda's to settle (no new version when nothing changed).
    Supplier<PublishedVersion> publish =
        () -> target.publishVersion(releaseId, targetName, function, codeSha256, revisionId);
    PublishedVersion version =
        attempts.once(
            call(releaseId, DeployLambdaDelegate.STEP, targetName, function, "publish"),
            PublishedVersion.class,
            publish,
            Attempts.Interrupted.repeat(
                publish,
                "published again: Lambda returns the latest version when neither code nor"
                    + " configuration changed since"));
    events.add(
        new Event(
            "lambda-version-published",
            StepSupport.payload(
                "target",
                targetName,
                "function",
                function.name(),
                "version",
                version.version(),
                "codeSha256",
                version.codeSha256(),
                "reused",
                version.reused(),
                "dryRun",
                target.dryRun())));
    return new Progress(
        withTrafficChecks ? PUBLISHED : SHIFTING,
        progress.previousVersion(),
        version.version(),
        -1,
        progress.updateStartedAt(),
        version.codeSha256());
  }

  /**
   * What {@code updateConfiguration} made: the configuration before (null when a re-run found the
   * update made by a job that was lost, which had read it) and the update.
   */
  record Configured(FunctionSettings before, ConfigurationUpdate update) {}

  /**
   * Starts the configuration update at the revision read just before (noted in the attempt, as for
   * the code), records before and after (names only) and goes on to wait for it.
   */
  private Progress configure(
      String releaseId,
      String targetName,
      LambdaFunction function,
      Progress progress,
      UpdateStatus code,
      Instant now,
      List<Event> events) {
    Call call =
        call(releaseId, DeployLambdaDelegate.STEP, targetName, function, "update-configuration");
    Configured configured =
        attempts.once(
            call,
            Configured.class,
            () -> {
              FunctionSettings before = target.settings(targetName, function, null);
              attempts.note(call, REVISION + before.revisionId());
              return new Configured(
                  before,
                  target.updateConfiguration(releaseId, targetName, function, before.revisionId()));
            },
            previous -> {
              String noted =
                  previous.detail() == null || !previous.detail().startsWith(REVISION)
                      ? null
                      : previous.detail().substring(REVISION.length());
              FunctionSettings now1 = target.settings(targetName, function, null);
              if (noted != null && !noted.equals(now1.revisionId())) {
                return new Resolution<>(
                    new Configured(null, new ConfigurationUpdate(noted, now1.revisionId(), null)),
                    "verified",
                    "the function's revision moved from "
                        + noted
                        + " to "
                        + now1.revisionId()
                        + ": the configuration update was made; not made again");
              }
              attempts.note(call, REVISION + now1.revisionId());
              return new Resolution<>(
                  new Configured(
                      now1,
                      target.updateConfiguration(
                          releaseId, targetName, function, now1.revisionId())),
                  "verified",
                  "the function was still at revision "
                      + now1.revisionId()
                      + ": the configuration update had not reached Lambda; made now");
            });
    events.add(new Event(CONFIGURED, configurationPayload(targetName, function, configured)));
    // The code's digest as its update ended, so the publish after this one checks the same code;
    // the update timeout starts again for this update.
    return new Progress(
        CONFIGURING, progress.previousVersion(), null, -1, now.toString(), code.codeSha256());
  }

  private Map<String, Object> configurationPayload(
      String targetName, LambdaFunction function, Configured configured) {
    LambdaConfiguration c = function.configuration();
    FunctionSettings before = configured.before();
    Map<String, Object> after = new LinkedHashMap<>();
    after.put("memory", c.memory() != null ? c.memory() : before == null ? null : before.memory());
    after.put(
        "timeout", c.timeout() != null ? c.timeout() : before == null ? null : before.timeout());
    after.put("layers", c.layers() != null ? c.layers() : before == null ? null : before.layers());
    after.put(
        "environment",
        c.environment() != null
            ? List.copyOf(new TreeSet<>(c.environment().keySet()))
            : before == null ? null : before.environment());
    List<Reference> references = configured.update().references();
    return StepSupport.payload(
        "target",
        targetName,
        "function",
        function.name(),
        "before",
        before == null ? "unknown: read by an attempt whose job was lost" : settingsMap(before),
        "after",
        after,
        "changed",
        changedFields(c),
        "literals",
        c.environment() == null
            ? List.of()
            : c.environment().entrySet().stream()
                .filter(e -> e.getValue().value() != null)
                .map(Map.Entry::getKey)
                .sorted()
                .toList(),
        "references",
        references == null ? "unknown: resolved by an attempt whose job was lost" : references,
        "revisionBefore",
        configured.update().revisionBefore(),
        "revisionAfter",
        configured.update().revisionAfter(),
        "dryRun",
        target.dryRun());
  }

  private static Map<String, Object> settingsMap(FunctionSettings settings) {
    Map<String, Object> map = new LinkedHashMap<>();
    map.put("memory", settings.memory());
    map.put("timeout", settings.timeout());
    map.put("layers", settings.layers());
    map.put("environment", settings.environment());
    return map;
  }

  /** The fields a configuration sets, as named in the manifest. */
  static List<String> changedFields(LambdaConfiguration c) {
    List<String> fields = new ArrayList<>();
    if (c.memory() != null) {
      fields.add("memory");
    }
    if (c.timeout() != null) {
      fields.add("timeout");
    }
    if (c.layers() != null) {
      fields.add("layers");
    }
    if (c.environment() != null) {
      fields.add("environment");
    }
    return fields;
  }

  /**
   * Gives {@code $LATEST} back the fields this release's configuration set, from the version the
   * alias returned to. The adapter reads both first and calls only if they differ, so an
   * interrupted attempt is simply made again.
   */
  Event restoreConfiguration(
      String releaseId, String targetName, LambdaFunction function, String previousVersion) {
    Supplier<ConfigurationRestore> restore =
        () ->
            target.restoreConfiguration(
                releaseId, targetName, function, function.configuration(), previousVersion);
    ConfigurationRestore restored =
        attempts.once(
            call(
                releaseId,
                RevertLambdaDelegate.STEP,
                targetName,
                function,
                "restore-configuration"),
            ConfigurationRestore.class,
            restore,
            Attempts.Interrupted.repeat(
                restore, "read the function again before restoring its configuration"));
    return new Event(
        RESTORED,
        StepSupport.payload(
            "target",
            targetName,
            "function",
            function.name(),
            "fromVersion",
            previousVersion,
            "fields",
            changedFields(function.configuration()),
            "replaced",
            settingsMap(restored.replaced()),
            "restored",
            settingsMap(restored.restored()),
            "changed",
            restored.changed(),
            "dryRun",
            target.dryRun()));
  }

  private Advance shift(
      String releaseId,
      String targetName,
      LambdaFunction function,
      TrafficPlan plan,
      Progress progress,
      List<Event> events,
      boolean withTrafficChecks) {
    String previous = progress.previousVersion();
    String next = progress.newVersion();
    // The same code as before: nothing to shift gradually, the last step only makes sure the
    // weights are clear.
    int index = next.equals(previous) ? plan.size() - 1 : progress.step() + 1;
    // A dry run has no traffic to hold or judge: it goes through every step at once and records
    // each.
    int until = target.dryRun() ? plan.size() - 1 : index;
    for (int i = index; i <= until; i++) {
      Routing routing = plan.routing(i, previous, next);
      String description =
          String.format(
              SHIFT_DESCRIPTION,
              releaseId,
              previous,
              next,
              plan.spec()
                  + " step "
                  + (i + 1)
                  + "/"
                  + plan.size()
                  + ", "
                  + plan.step(i).percent()
                  + " %");
      route(releaseId, targetName, function, routing, description, "traffic-step-" + (i + 1));
      events.add(
          new Event(
              "lambda-traffic-shifted",
              StepSupport.payload(
                  "target",
                  targetName,
                  "function",
                  function.name(),
                  "alias",
                  function.aliasOrDefault(),
                  "step",
                  i + 1,
                  "of",
                  plan.size(),
                  "percent",
                  plan.step(i).percent(),
                  "primaryVersion",
                  routing.primaryVersion(),
                  "weights",
                  routing.weights(),
                  "dryRun",
                  target.dryRun())));
    }
    boolean last = plan.isLast(until);
    Progress shifted =
        new Progress(
            !last ? SHIFTING : withTrafficChecks ? SHIFTED : DEPLOYED,
            previous,
            next,
            until,
            progress.updateStartedAt(),
            progress.codeSha256());
    if (last && withTrafficChecks) {
      // All traffic on the new version, held before the gates judge it at 100 % (a dry run has no
      // traffic to hold).
      return new Advance(
          shifted, target.dryRun() ? Duration.ZERO : properties.finalHoldOrDefault(), events);
    }
    if (last) {
      events.add(deployed(targetName, function, shifted));
    }
    return new Advance(shifted, plan.step(until).hold(), events);
  }

  /**
   * The evidence that a function is deployed: all traffic on the new version, every check passed.
   */
  Event deployed(String targetName, LambdaFunction function, Progress progress) {
    TrafficPlan plan = TrafficPlan.parse(function.trafficOrDefault());
    String previous = progress.previousVersion();
    String next = progress.newVersion();
    return new Event(
        "lambda-deployed",
        StepSupport.payload(
            "target",
            targetName,
            "function",
            function.name(),
            "alias",
            function.aliasOrDefault(),
            "previousVersion",
            previous,
            "newVersion",
            next,
            "traffic",
            plan.spec(),
            "artifact",
            artifact(function),
            "dryRun",
            target.dryRun(),
            "plan",
            plan(targetName, function, previous, next, plan)));
  }

  /**
   * Points the alias back at {@code previousVersion} with no weights; no call when it is there
   * already.
   */
  Event revert(
      String releaseId, String targetName, LambdaFunction function, String previousVersion) {
    // It looks at the alias before it moves it: an interrupted attempt is simply made again.
    return attempts.once(
        call(releaseId, RevertLambdaDelegate.STEP, targetName, function, "revert"),
        Event.class,
        () -> revertNow(releaseId, targetName, function, previousVersion),
        Attempts.Interrupted.repeat(
            () -> revertNow(releaseId, targetName, function, previousVersion),
            "looked at the alias again before moving it"));
  }

  private Event revertNow(
      String releaseId, String targetName, LambdaFunction function, String previousVersion) {
    Alias alias = target.alias(targetName, function);
    boolean already =
        !target.dryRun() && previousVersion.equals(alias.version()) && alias.weights().isEmpty();
    if (!already) {
      target.route(
          releaseId,
          targetName,
          function,
          new Routing(previousVersion, Map.of()),
          "countersign release " + releaseId + ": reverted to version " + previousVersion);
    }
    String plan =
        (target.dryRun() ? "dry-run: would move" : already ? "left" : "moved")
            + " alias "
            + function.aliasOrDefault()
            + " of function "
            + function.name()
            + " in "
            + targetName
            + (already ? " at version " : " back to version ")
            + previousVersion
            + (already ? " (already there, weights clear)" : ", weights cleared");
    return new Event(
        "lambda-reverted",
        StepSupport.payload(
            "target",
            targetName,
            "function",
            function.name(),
            "alias",
            function.aliasOrDefault(),
            "restoredVersion",
            previousVersion,
            "replacedVersion",
            alias.version(),
            "replacedWeights",
            alias.weights(),
            "changed",
            !already,
            "dryRun",
            target.dryRun(),
            "plan",
            plan));
  }

  /**
   * Starts the code update at the revision read just before, noted in the attempt: a re-run that
   * finds the attempt interrupted compares it with the function's revision now. Lambda refuses an
   * update made against a revision that is not the current one, so a revision that moved means the
   * update was made; one that did not means it never reached Lambda.
   */
  private CodeUpdate updateCode(String releaseId, String targetName, LambdaFunction function) {
    Call call = call(releaseId, DeployLambdaDelegate.STEP, targetName, function, "update-code");
    return attempts.once(
        call,
        CodeUpdate.class,
        () -> {
          String revision = target.updateStatus(targetName, function).revisionId();
          attempts.note(call, REVISION + revision);
          return target.updateCode(releaseId, targetName, function, revision);
        },
        previous -> {
          String before =
              previous.detail() == null || !previous.detail().startsWith(REVISION)
                  ? null
                  : previous.detail().substring(REVISION.length());
          String now = target.updateStatus(targetName, function).revisionId();
          if (before != null && !before.equals(now)) {
            return new Resolution<>(
                new CodeUpdate(before, now),
                "verified",
                "the function's revision moved from "
                    + before
                    + " to "
                    + now
                    + ": the update was made; not made again");
          }
          attempts.note(call, REVISION + now);
          return new Resolution<>(
              target.updateCode(releaseId, targetName, function, now),
              "verified",
              "the function was still at revision "
                  + now
                  + ": the update had not reached Lambda; made now");
        });
  }

  /**
   * One traffic step: an interrupted attempt looks at the alias and calls only if it does not route
   * as asked yet.
   */
  private void route(
      String releaseId,
      String targetName,
      LambdaFunction function,
      Routing routing,
      String description,
      String stepName) {
    attempts.once(
        call(releaseId, DeployLambdaDelegate.STEP, targetName, function, stepName),
        Routing.class,
        () -> {
          target.route(releaseId, targetName, function, routing, description);
          return routing;
        },
        previous -> {
          Alias alias = target.alias(targetName, function);
          if (!target.dryRun()
              && routing.primaryVersion().equals(alias.version())
              && routing.weights().equals(alias.weights())) {
            return new Resolution<>(
                routing, "verified", "the alias routes as asked already; not called again");
          }
          target.route(releaseId, targetName, function, routing, description);
          return new Resolution<>(
              routing, "verified", "the alias did not route as asked yet; routed now");
        });
  }

  private static Call call(
      String releaseId, String step, String targetName, LambdaFunction function, String what) {
    return new Call(releaseId, step, targetName, function.name() + "/" + what, what);
  }

  /**
   * The version before this release: from the alias, or from the description this release left on
   * it.
   */
  static String previousVersion(Alias alias, String releaseId) {
    if (alias.description() != null) {
      Matcher m = SHIFTED_BY.matcher(alias.description());
      if (m.matches() && m.group(1).equals(releaseId)) {
        return m.group(2);
      }
    }
    return alias.version();
  }

  private String plan(
      String targetName, LambdaFunction function, String previous, String next, TrafficPlan plan) {
    String region = properties.targets().get(targetName).region();
    String where = " in " + targetName + (region == null ? "" : " (" + region + ")");
    return (target.dryRun() ? "dry-run: would update function " : "updated function ")
        + function.name()
        + where
        + " from s3://"
        + artifact(function)
        + ", "
        + (target.dryRun() ? "publish a version and move" : "moved")
        + " alias "
        + function.aliasOrDefault()
        + " from version "
        + previous
        + " to "
        + next
        + " ("
        + plan.spec()
        + ")";
  }

  private static String artifact(LambdaFunction function) {
    return function.artifact().bucket() + "/" + function.artifact().key();
  }

  /**
   * Lambda's CodeSha256 is the base64 SHA-256 of the deployment package: when the manifest pins the
   * artifact's digest, code that is not those bytes (the key overwritten since the sign-offs) is
   * never published or given traffic. A dry run has no real digest to compare.
   */
  private void refuseUnsignedCode(LambdaFunction function, String codeSha256) {
    String signed = function.artifact().sha256();
    if (signed == null || target.dryRun()) {
      return;
    }
    String expected = Base64.getEncoder().encodeToString(HexFormat.of().parseHex(signed));
    if (!expected.equals(codeSha256)) {
      throw new TargetRefusedException(
          "Lambda code of "
              + function.name()
              + " has CodeSha256 "
              + codeSha256
              + ", the manifest signs sha256 "
              + signed
              + " ("
              + expected
              + " in base64); it is not published");
    }
  }
}
