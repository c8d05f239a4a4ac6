package io.countersign.lambda;

import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ReleaseManifest.EnvironmentValue;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What a function's configuration may say, shared by the manifest check (field errors before
 * anything starts), the rollout's check before each call and the live adapter before it resolves a
 * reference: each environment variable has exactly one source, references stay on the target's
 * allow-lists, and no literal looks like a secret. Messages name the field, never a value.
 */
final class LambdaConfigurationRules {
  static final String SECRETS_MANAGER = "secretsManager";
  static final String PARAMETER_STORE = "parameterStore";

  /** Lambda's rule for variable names. */
  private static final Pattern VARIABLE = Pattern.compile("[A-Za-z][A-Za-z0-9_]{0,127}");

  /** Set by Lambda itself: an update that names them is refused by Lambda. */
  private static final Set<String> RESERVED =
      Set.of(
          "_HANDLER",
          "_X_AMZN_TRACE_ID",
          "AWS_DEFAULT_REGION",
          "AWS_REGION",
          "AWS_EXECUTION_ENV",
          "AWS_LAMBDA_FUNCTION_NAME",
          "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
          "AWS_LAMBDA_FUNCTION_VERSION",
          "AWS_LAMBDA_INITIALIZATION_TYPE",
          "AWS_LAMBDA_LOG_GROUP_NAME",
          "AWS_LAMBDA_LOG_STREAM_NAME",
          "AWS_ACCESS_KEY",
          "AWS_ACCESS_KEY_ID",
          "AWS_SECRET_ACCESS_KEY",
          "AWS_SESSION_TOKEN",
          "AWS_LAMBDA_RUNTIME_API",
          "LAMBDA_TASK_ROOT",
          "LAMBDA_RUNTIME_DIR");

  private static final Pattern SECRET_NAME =
      Pattern.compile(
          "(?i).*(PASSWORD|PASSWD|PASSPHRASE|SECRET|TOKEN|API_?KEY|PRIVATE_?KEY|ACCESS_?KEY|CREDENTIAL|AUTH_?KEY).*");
  private static final Pattern ACCESS_KEY_ID = Pattern.compile("(?:AKIA|ASIA)[A-Z0-9]{16}");
  private static final Pattern PEM_PRIVATE_KEY =
      Pattern.compile("-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----");

  /** A secret's name or ARN: Secrets Manager's characters, no whitespace. */
  private static final Pattern SECRET_REFERENCE = Pattern.compile("[A-Za-z0-9/_+=.@:-]{1,2048}");

  /** A parameter's name (with or without the leading slash) and an optional numeric version. */
  private static final Pattern PARAMETER_REFERENCE =
      Pattern.compile("([A-Za-z0-9_./-]{1,2011})(?::([0-9]{1,10}))?");

  private static final String SECRETS_THROUGH_PARAMETERS = "/aws/reference/secretsmanager/";

  private LambdaConfigurationRules() {}

  /** One problem, at a path relative to the configuration ({@code .environment.DB_PASSWORD}). */
  record Problem(String path, String message) {}

  /**
   * Every problem of {@code configuration}; the allow-lists are checked only when {@code target} is
   * known (an unknown target is an error of its own).
   */
  static List<Problem> problems(LambdaConfiguration configuration, LambdaProperties.Target target) {
    List<Problem> problems = new ArrayList<>();
    if (configuration == null || configuration.environment() == null) {
      return problems;
    }
    for (Map.Entry<String, EnvironmentValue> e : configuration.environment().entrySet()) {
      String name = e.getKey();
      String path = field(".environment", name);
      if (!VARIABLE.matcher(name).matches()) {
        problems.add(
            new Problem(
                path,
                "not a Lambda environment variable name (a letter, then letters, digits and '_')"));
        continue;
      }
      if (RESERVED.contains(name)) {
        problems.add(new Problem(path, "reserved by Lambda: it sets this variable itself"));
        continue;
      }
      EnvironmentValue value = e.getValue();
      if (value == null) {
        continue; // the shape's own check: must not be null
      }
      problems.addAll(value(name, path, value, target));
    }
    return problems;
  }

  private static List<Problem> value(
      String name, String path, EnvironmentValue value, LambdaProperties.Target target) {
    int sources =
        (value.value() != null ? 1 : 0)
            + (value.secretsManager() != null ? 1 : 0)
            + (value.parameterStore() != null ? 1 : 0);
    if (sources != 1) {
      return List.of(
          new Problem(
              path, "give exactly one of value, " + SECRETS_MANAGER + " or " + PARAMETER_STORE));
    }
    List<Problem> problems = new ArrayList<>();
    if (value.secretsManager() == null) {
      if (value.jsonKey() != null) {
        problems.add(new Problem(path + ".jsonKey", "only with " + SECRETS_MANAGER));
      }
      if (value.versionId() != null) {
        problems.add(
            new Problem(
                path + ".versionId",
                "only with "
                    + SECRETS_MANAGER
                    + " (a parameter's version goes after its name: name:3)"));
      }
    }
    if (value.value() != null) {
      String use = "; use " + SECRETS_MANAGER + " or " + PARAMETER_STORE + " for secrets";
      if (SECRET_NAME.matcher(name).matches()) {
        problems.add(
            new Problem(path + ".value", "the variable's name says it holds a secret" + use));
      } else if (ACCESS_KEY_ID.matcher(value.value()).find()) {
        problems.add(
            new Problem(path + ".value", "the value looks like an AWS access key id" + use));
      } else if (PEM_PRIVATE_KEY.matcher(value.value()).find()) {
        problems.add(new Problem(path + ".value", "the value holds a PEM private key" + use));
      }
    }
    if (value.secretsManager() != null) {
      String problem = secretProblem(value.secretsManager(), target);
      if (problem != null) {
        problems.add(new Problem(path + "." + SECRETS_MANAGER, problem));
      }
    }
    if (value.parameterStore() != null) {
      String problem = parameterProblem(value.parameterStore(), target);
      if (problem != null) {
        problems.add(new Problem(path + "." + PARAMETER_STORE, problem));
      }
    }
    return problems;
  }

  /**
   * Why a secret may not be used, or null. An ARN must start with an ARN prefix (it may name
   * another account), a name with a name prefix (it resolves in the target's account).
   */
  static String secretProblem(String reference, LambdaProperties.Target target) {
    if (!SECRET_REFERENCE.matcher(reference).matches()) {
      return "not a Secrets Manager secret name or ARN";
    }
    if (target == null) {
      return null;
    }
    boolean arn = reference.startsWith("arn:");
    List<String> allowed =
        target.secretPrefixes().stream().filter(p -> p.startsWith("arn:") == arn).toList();
    if (allowed.stream().noneMatch(reference::startsWith)) {
      return "secret '"
          + reference
          + "' is not under the target's secret-prefixes ("
          + (allowed.isEmpty()
              ? "none for " + (arn ? "ARNs" : "names")
              : String.join(", ", allowed))
          + ")";
    }
    return null;
  }

  /**
   * Why a parameter may not be used, or null: a plain name (no ARN of another account, no {@code
   * ..}) under a parameter prefix, optionally with a numeric version.
   */
  static String parameterProblem(String reference, LambdaProperties.Target target) {
    var m = PARAMETER_REFERENCE.matcher(reference);
    if (!m.matches() || reference.contains("..") || reference.contains("//")) {
      return "not a Parameter Store name, optionally with a version (/app/db-password:3)";
    }
    String name = m.group(1);
    // Parameter Store hands out Secrets Manager secrets under this path: it would get round the
    // secret-prefixes whatever the parameter prefixes say.
    if (name.startsWith(SECRETS_THROUGH_PARAMETERS)) {
      return "a Secrets Manager secret through Parameter Store; use "
          + SECRETS_MANAGER
          + " (the target's secret-prefixes apply)";
    }
    if (target == null) {
      return null;
    }
    if (target.parameterPrefixes().stream().noneMatch(name::startsWith)) {
      return "parameter '"
          + name
          + "' is not under the target's parameter-prefixes ("
          + (target.parameterPrefixes().isEmpty()
              ? "none"
              : String.join(", ", target.parameterPrefixes()))
          + ")";
    }
    return null;
  }

  /** Throws what {@link #problems} finds, as one refusal naming each field. */
  static void refuse(
      String functionName, LambdaConfiguration configuration, LambdaProperties.Target target) {
    List<Problem> problems = problems(configuration, target);
    if (!problems.isEmpty()) {
      throw new TargetRefusedException(
          "configuration of function "
              + functionName
              + " refused: "
              + String.join(
                  "; ",
                  problems.stream()
                      .map(p -> "configuration" + p.path() + ": " + p.message())
                      .toList()));
    }
  }

  /** The parameter name of a reference ({@code /app/x:3} → {@code /app/x}). */
  static String parameterName(String reference) {
    var m = PARAMETER_REFERENCE.matcher(reference);
    return m.matches() ? m.group(1) : reference;
  }

  /** A JSON path member in the dot form where the name allows it, else {@code ['name']}. */
  static String field(String parent, String name) {
    if (name.matches("[A-Za-z_][A-Za-z0-9_]*")) {
      return parent + "." + name;
    }
    return parent + "['" + name.replace("\\", "\\\\").replace("'", "\\'") + "']";
  }
}
