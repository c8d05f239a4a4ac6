package io.countersign.lambda;

import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.lambda.LambdaTarget.Invocation;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import io.countersign.manifest.ReleaseManifest.TrafficCheck;
import io.countersign.process.StepSupport;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A function's before- and after-traffic checks, as CodeDeploy's BeforeAllowTraffic and
 * AfterAllowTraffic hooks: one synchronous invocation, bounded by the check's timeout, judged by
 * its answer. With an {@code event} only, the new version itself ({@code function:version}, never
 * the alias) is invoked with it; with a {@code function}, that validation function is invoked with
 * the release's facts (and the event, if any). It passes on HTTP 200 without a function error and,
 * given {@code jsonField}, with that field of the JSON answer equal to {@code jsonValue}.
 */
class TrafficChecks {
  static final String BEFORE = "before";
  static final String AFTER = "after";
  static final String EVIDENCE = "lambda-traffic-check";
  static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
  static final Duration MAX_TIMEOUT = Duration.ofSeconds(60);

  /** The most of an answer kept in the evidence: enough to see why, never a whole response. */
  static final int EXCERPT = 500;

  private static final int SHORT = 120;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final LambdaTarget target;

  TrafficChecks(LambdaTarget target) {
    this.target = target;
  }

  /**
   * A check's verdict, why, and the evidence payload ({@value #EVIDENCE}).
   *
   * @param passed whether the traffic may (before) or may stay (after)
   */
  record Result(boolean passed, String detail, Map<String, Object> evidence) {}

  /** Whether the manifest asks for either check. */
  static boolean asked(LambdaFunction function) {
    return function.beforeTraffic() != null || function.afterTraffic() != null;
  }

  /** The check's timeout: PT30S when not given. */
  static Duration timeout(TrafficCheck check) {
    return check.timeout() == null ? DEFAULT_TIMEOUT : Duration.parse(check.timeout());
  }

  /** Why a timeout is not allowed, or null: more than zero, at most PT60S. */
  static String timeoutProblem(String timeout) {
    if (timeout == null) {
      return null;
    }
    try {
      Duration d = Duration.parse(timeout);
      return d.isZero() || d.isNegative() || d.compareTo(MAX_TIMEOUT) > 0
          ? "must be more than zero and at most PT60S: a check is a short synchronous call"
          : null;
    } catch (DateTimeParseException e) {
      return "must be a duration in seconds such as PT5S";
    }
  }

  /**
   * Runs the {@code phase} check of {@code function}, whose {@code newVersion} replaces {@code
   * previousVersion} behind its alias. No check in the manifest passes, and says so.
   */
  Result run(
      String releaseId,
      String targetName,
      LambdaFunction function,
      String phase,
      String previousVersion,
      String newVersion) {
    TrafficCheck check = BEFORE.equals(phase) ? function.beforeTraffic() : function.afterTraffic();
    if (check == null) {
      String detail = "no " + phase + "Traffic check in the manifest";
      return new Result(
          true,
          detail,
          StepSupport.payload(
              "phase",
              phase,
              "function",
              function.name(),
              "version",
              newVersion,
              "passed",
              true,
              "detail",
              detail,
              "dryRun",
              target.dryRun()));
    }
    String invokedFunction = check.function() == null ? function.name() : check.function();
    String qualifier = check.function() == null ? newVersion : null;
    String invoked = invokedFunction + (qualifier == null ? "" : ":" + qualifier);
    String payload =
        check.function() == null
            ? write(check.event() == null ? Map.of() : check.event())
            : write(
                validationPayload(releaseId, function, phase, previousVersion, newVersion, check));
    Duration timeout = timeout(check);
    long started = System.nanoTime();
    Invocation answer = target.invoke(targetName, invokedFunction, qualifier, payload, timeout);
    long latencyMs = (System.nanoTime() - started) / 1_000_000;
    String failure = failure(answer, check, qualifier, timeout);
    boolean passed = target.dryRun() || failure == null;
    String detail =
        target.dryRun()
            ? "dry-run: would invoke "
                + invoked
                + " (RequestResponse, timeout "
                + timeout
                + ") and require HTTP 200 without a function error"
                + (check.jsonField() == null
                    ? ""
                    : " and " + check.jsonField() + " = '" + check.jsonValue() + "'")
            : failure == null
                ? "passed: HTTP 200, no function error"
                    + (check.jsonField() == null
                        ? ""
                        : ", " + check.jsonField() + " = '" + check.jsonValue() + "'")
                : failure;
    return new Result(
        passed,
        detail,
        StepSupport.payload(
            "phase",
            phase,
            "function",
            function.name(),
            "version",
            newVersion,
            "invoked",
            invoked,
            "status",
            answer.timedOut() ? null : answer.status(),
            "functionError",
            answer.functionError(),
            "executedVersion",
            answer.executedVersion(),
            "latencyMs",
            latencyMs,
            "timeout",
            timeout.toString(),
            "passed",
            passed,
            "detail",
            detail,
            "response",
            excerpt(answer.payload(), EXCERPT),
            "dryRun",
            target.dryRun()));
  }

  /**
   * What a validation function is told, as CodeDeploy tells its hooks the deployment: which release
   * moves which alias of which function from which version to which.
   */
  private static Map<String, Object> validationPayload(
      String releaseId,
      LambdaFunction function,
      String phase,
      String previousVersion,
      String newVersion,
      TrafficCheck check) {
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("source", "countersign");
    payload.put("phase", phase + "-traffic");
    payload.put("releaseId", releaseId);
    payload.put("function", function.name());
    payload.put("alias", function.aliasOrDefault());
    payload.put("newVersion", newVersion);
    payload.put("previousVersion", previousVersion);
    if (check.event() != null) {
      payload.put("event", check.event());
    }
    return payload;
  }

  /** Why the answer fails the check, or null when it passes. */
  private static String failure(
      Invocation answer, TrafficCheck check, String qualifier, Duration timeout) {
    if (answer.timedOut()) {
      return "no answer within " + timeout;
    }
    if (answer.status() != 200) {
      return "HTTP " + answer.status() + " from Invoke";
    }
    if (answer.functionError() != null) {
      return "function error (" + answer.functionError() + "): " + errorSummary(answer.payload());
    }
    if (qualifier != null
        && answer.executedVersion() != null
        && !qualifier.equals(answer.executedVersion())) {
      return "version " + answer.executedVersion() + " ran, not " + qualifier;
    }
    if (check.jsonField() == null) {
      return null;
    }
    JsonNode response;
    try {
      response = answer.payload() == null ? null : JSON.readTree(answer.payload());
    } catch (JsonProcessingException e) {
      response = null;
    }
    if (response == null) {
      return "the answer is not JSON, so " + check.jsonField() + " cannot be read";
    }
    JsonNode field = response.at(pointer(check.jsonField()));
    if (field.isMissingNode()) {
      return "the answer has no " + check.jsonField();
    }
    String value = field.isValueNode() ? field.asText() : field.toString();
    if (!value.equals(check.jsonValue())) {
      return check.jsonField()
          + " is '"
          + excerpt(value, SHORT)
          + "', expected '"
          + check.jsonValue()
          + "'";
    }
    return null;
  }

  /** {@code $.checks[0].state} as the JSON pointer {@code /checks/0/state}. */
  static JsonPointer pointer(String jsonPath) {
    StringBuilder pointer = new StringBuilder();
    for (String part : jsonPath.substring(1).split("(?=[.\\[])")) {
      if (part.isEmpty()) {
        continue;
      }
      String name = part.startsWith(".") ? part.substring(1) : part.substring(1, part.length() - 1);
      pointer.append('/').append(name.replace("~", "~0").replace("/", "~1"));
    }
    return JsonPointer.compile(pointer.toString());
  }

  /** Lambda's error answer ({@code errorType}, {@code errorMessage}) in a line. */
  private static String errorSummary(String payload) {
    try {
      JsonNode error = payload == null ? null : JSON.readTree(payload);
      if (error != null && error.hasNonNull("errorMessage")) {
        return excerpt(
            error.path("errorType").asText("Error") + ": " + error.get("errorMessage").asText(),
            SHORT);
      }
    } catch (JsonProcessingException e) {
      // not JSON: the excerpt below
    }
    return excerpt(payload, SHORT);
  }

  static String excerpt(String text, int max) {
    if (text == null) {
      return null;
    }
    return text.length() <= max ? text : text.substring(0, max) + "…";
  }

  private static String write(Object value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("traffic check payload cannot be written as JSON", e);
    }
  }
}
