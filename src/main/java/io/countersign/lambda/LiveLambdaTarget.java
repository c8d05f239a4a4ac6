package io.countersign.lambda;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsFailures;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.TargetRefusedException;
import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.EnvironmentValue;
import io.countersign.manifest.ReleaseManifest.LambdaConfiguration;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Supplier;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallAttemptTimeoutException;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.lambda.model.FunctionConfiguration;
import software.amazon.awssdk.services.lambda.model.GetAliasResponse;
import software.amazon.awssdk.services.lambda.model.GetFunctionConfigurationResponse;
import software.amazon.awssdk.services.lambda.model.InvocationType;
import software.amazon.awssdk.services.lambda.model.InvokeResponse;
import software.amazon.awssdk.services.lambda.model.LastUpdateStatus;
import software.amazon.awssdk.services.lambda.model.Layer;
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionCodeResponse;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionConfigurationRequest;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionConfigurationResponse;
import software.amazon.awssdk.services.secretsmanager.model.GetSecretValueResponse;
import software.amazon.awssdk.services.ssm.model.GetParameterResponse;

/**
 * The port on the AWS SDK: one API call (two for the update and the publish) per operation, never a
 * waiter.
 */
class LiveLambdaTarget implements LambdaTarget, AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String REDACTED = "[redacted]";
  private static final int MESSAGE_LENGTH = 1000;
  private static final String MEASURED = "String measured:";
  private final LambdaProperties properties;
  private final AwsClients clients;

  LiveLambdaTarget(LambdaProperties properties, AwsClients clients) {
    this.properties = properties;
    this.clients = clients;
  }

  @Override
  public Alias alias(String target, LambdaFunction function) {
    GetAliasResponse alias =
        call(
            "GetAlias " + qualified(function),
            () ->
                client(target)
                    .getAlias(
                        r -> r.functionName(function.name()).name(function.aliasOrDefault())));
    Map<String, Double> weights =
        alias.routingConfig() == null ? Map.of() : alias.routingConfig().additionalVersionWeights();
    return new Alias(alias.functionVersion(), weights, alias.description());
  }

  @Override
  public CodeUpdate updateCode(
      String releaseId, String target, LambdaFunction function, String revisionId) {
    // The RevisionId makes Lambda refuse the update if anyone changed the function since we looked.
    UpdateFunctionCodeResponse updated =
        call(
            "UpdateFunctionCode " + function.name(),
            () ->
                client(target)
                    .updateFunctionCode(
                        r ->
                            r.functionName(function.name())
                                .s3Bucket(function.artifact().bucket())
                                .s3Key(function.artifact().key())
                                .revisionId(revisionId)
                                .publish(false)));
    return new CodeUpdate(revisionId, updated.revisionId());
  }

  @Override
  public UpdateStatus updateStatus(String target, LambdaFunction function) {
    GetFunctionConfigurationResponse config =
        call(
            "GetFunctionConfiguration " + function.name(),
            () -> client(target).getFunctionConfiguration(r -> r.functionName(function.name())));
    LastUpdateStatus status = config.lastUpdateStatus();
    Status mapped =
        status == LastUpdateStatus.SUCCESSFUL
            ? Status.SUCCESSFUL
            : status == LastUpdateStatus.FAILED
                ? Status.FAILED
                : Status
                    .IN_PROGRESS; // InProgress, or a status this SDK does not know yet: look again
    String reason =
        config.lastUpdateStatusReason() == null
            ? null
            : config.lastUpdateStatusReason()
                + (config.lastUpdateStatusReasonCodeAsString() == null
                    ? ""
                    : " (" + config.lastUpdateStatusReasonCodeAsString() + ")");
    return new UpdateStatus(mapped, reason, config.codeSha256(), config.revisionId());
  }

  @Override
  public PublishedVersion publishVersion(
      String releaseId,
      String target,
      LambdaFunction function,
      String codeSha256,
      String revisionId) {
    // A version is reused only as Lambda's own PublishVersion rule reuses one: when neither code
    // nor
    // configuration changed since the latest version. Looking for any older version with the same
    // CodeSha256 (as this did before configuration could change) could bring back a version with
    // the old memory, layers or environment. The latest version before the call tells whether the
    // answer is a new one.
    long latestBefore =
        call(
            "ListVersionsByFunction " + function.name(),
            () ->
                client(target)
                    .listVersionsByFunctionPaginator(
                        r -> r.functionName(function.name()).maxItems(50))
                    .versions()
                    .stream()
                    .map(FunctionConfiguration::version)
                    .filter(v -> !LambdaRollout.LATEST.equals(v))
                    .mapToLong(Long::parseLong)
                    .max()
                    .orElse(0L));
    // CodeSha256 and RevisionId make Lambda refuse to publish anything but the code we checked.
    PublishVersionResponse published =
        call(
            "PublishVersion " + function.name(),
            () ->
                client(target)
                    .publishVersion(
                        r ->
                            r.functionName(function.name())
                                .codeSha256(codeSha256)
                                .revisionId(revisionId)
                                .description("countersign release " + releaseId)));
    return new PublishedVersion(
        published.version(),
        published.codeSha256(),
        Long.parseLong(published.version()) <= latestBefore);
  }

  @Override
  public void route(
      String releaseId,
      String target,
      LambdaFunction function,
      Routing routing,
      String description) {
    call(
        "UpdateAlias " + qualified(function),
        () ->
            client(target)
                .updateAlias(
                    r ->
                        r.functionName(function.name())
                            .name(function.aliasOrDefault())
                            .functionVersion(routing.primaryVersion())
                            // An explicitly empty map clears the weights; leaving RoutingConfig out
                            // would keep them.
                            .routingConfig(c -> c.additionalVersionWeights(routing.weights()))
                            .description(description)));
  }

  @Override
  public Invocation invoke(
      String target, String functionName, String qualifier, String payload, Duration timeout) {
    refuseInvocation(target, functionName, qualifier);
    String what = "Invoke " + functionName + (qualifier == null ? "" : ":" + qualifier);
    try {
      InvokeResponse response =
          client(target)
              .invoke(
                  r ->
                      r.functionName(functionName)
                          .qualifier(qualifier)
                          .invocationType(InvocationType.REQUEST_RESPONSE)
                          .payload(SdkBytes.fromUtf8String(payload))
                          // The check's own bound, for the whole call and each attempt: the
                          // client's defaults are for control-plane calls.
                          .overrideConfiguration(
                              o -> o.apiCallTimeout(timeout).apiCallAttemptTimeout(timeout)));
      return new Invocation(
          response.statusCode(),
          response.functionError(),
          response.executedVersion(),
          response.payload() == null ? null : response.payload().asUtf8String(),
          false);
    } catch (ApiCallTimeoutException | ApiCallAttemptTimeoutException e) {
      // A function that does not answer within the check's timeout fails the check, as a smoke
      // test's URL that does not answer does.
      return new Invocation(0, null, null, null, true);
    } catch (SdkException e) {
      throw AwsFailures.translate("Lambda " + what, e);
    }
  }

  /**
   * The adapter's own guard, after the manifest check's: Countersign's role invokes a published
   * version of a function (never an alias or $LATEST), or, unqualified, only a validation function
   * the target allows. Anything else would let a manifest make the role invoke any function.
   */
  private void refuseInvocation(String target, String functionName, String qualifier) {
    LambdaProperties.Target config = properties.targets().get(target);
    if (config == null) {
      throw new TargetRefusedException("unknown Lambda target '" + target + "'");
    }
    if (qualifier == null) {
      if (!config.validationFunctions().contains(functionName)) {
        throw new TargetRefusedException(
            "function '"
                + functionName
                + "' is not a validation function of target '"
                + target
                + "' (allowed: "
                + (config.validationFunctions().isEmpty()
                    ? "none"
                    : String.join(", ", config.validationFunctions()))
                + ")");
      }
    } else if (!qualifier.matches("[0-9]{1,10}")) {
      throw new TargetRefusedException(
          "a traffic check invokes a published version, not '" + qualifier + "'");
    }
  }

  @Override
  public boolean dryRun() {
    return false;
  }

  @Override
  public FunctionSettings settings(String target, LambdaFunction function, String qualifier) {
    return settings(configuration(target, function, qualifier));
  }

  @Override
  public ConfigurationUpdate updateConfiguration(
      String releaseId, String target, LambdaFunction function, String revisionId) {
    LambdaConfiguration configuration = function.configuration();
    LambdaProperties.Target config = properties.targets().get(target);
    // Checked again here, at the last moment before a secret is read: the manifest check is not the
    // only way in.
    LambdaConfigurationRules.refuse(function.name(), configuration, config);
    List<Reference> references = new ArrayList<>();
    Map<String, String> environment = null;
    if (configuration.environment() != null) {
      environment = new TreeMap<>();
      for (Map.Entry<String, EnvironmentValue> e : configuration.environment().entrySet()) {
        environment.put(e.getKey(), resolve(config, e.getKey(), e.getValue(), references));
      }
    }
    UpdateFunctionConfigurationRequest.Builder request =
        UpdateFunctionConfigurationRequest.builder()
            .functionName(function.name())
            .revisionId(revisionId)
            .memorySize(configuration.memory())
            .timeout(configuration.timeout());
    if (configuration.layers() != null) {
      request.layers(configuration.layers());
    }
    if (environment != null) {
      Map<String, String> variables = environment;
      request.environment(e -> e.variables(variables));
    }
    UpdateFunctionConfigurationResponse updated =
        update(
            target,
            function,
            request.build(),
            references.isEmpty() ? List.of() : secretValues(configuration, environment));
    return new ConfigurationUpdate(revisionId, updated.revisionId(), references);
  }

  @Override
  public ConfigurationRestore restoreConfiguration(
      String releaseId,
      String target,
      LambdaFunction function,
      LambdaConfiguration configuration,
      String version) {
    GetFunctionConfigurationResponse latest = configuration(target, function, null);
    GetFunctionConfigurationResponse from = configuration(target, function, version);
    Map<String, String> fromEnvironment = variables(from);
    boolean same =
        (configuration.memory() == null || Objects.equals(latest.memorySize(), from.memorySize()))
            && (configuration.timeout() == null || Objects.equals(latest.timeout(), from.timeout()))
            && (configuration.layers() == null || layers(latest).equals(layers(from)))
            && (configuration.environment() == null || variables(latest).equals(fromEnvironment));
    if (same) {
      return new ConfigurationRestore(false, settings(latest), settings(latest));
    }
    UpdateFunctionConfigurationRequest.Builder request =
        UpdateFunctionConfigurationRequest.builder()
            .functionName(function.name())
            .revisionId(latest.revisionId());
    if (configuration.memory() != null) {
      request.memorySize(from.memorySize());
    }
    if (configuration.timeout() != null) {
      request.timeout(from.timeout());
    }
    if (configuration.layers() != null) {
      request.layers(layers(from));
    }
    if (configuration.environment() != null) {
      // An empty map clears the variables this release added to a function that had none.
      request.environment(e -> e.variables(fromEnvironment));
    }
    update(target, function, request.build(), fromEnvironment.values());
    return new ConfigurationRestore(true, settings(latest), settings(from));
  }

  /**
   * UpdateFunctionConfiguration. Lambda's error messages can quote the environment it was given
   * (the 4 KB limit's message does), so every value that may be a secret is cut out of the message,
   * and the SDK's exception, which carries the original, is not kept as the cause.
   */
  private UpdateFunctionConfigurationResponse update(
      String target,
      LambdaFunction function,
      UpdateFunctionConfigurationRequest request,
      Collection<String> secrets) {
    try {
      return client(target).updateFunctionConfiguration(request);
    } catch (SdkException e) {
      RuntimeException translated =
          AwsFailures.translate("Lambda UpdateFunctionConfiguration " + function.name(), e);
      // Cut as well: a message this long (the 4 KB limit's) would not fit a failure reason.
      String message = cut(redact(translated.getMessage(), secrets));
      if (translated instanceof TargetRefusedException) {
        throw new TargetRefusedException(message);
      }
      throw new AwsUnavailableException(message, null);
    }
  }

  private GetFunctionConfigurationResponse configuration(
      String target, LambdaFunction function, String qualifier) {
    return call(
        "GetFunctionConfiguration " + function.name() + (qualifier == null ? "" : ":" + qualifier),
        () ->
            client(target)
                .getFunctionConfiguration(
                    r -> r.functionName(function.name()).qualifier(qualifier)));
  }

  private static FunctionSettings settings(GetFunctionConfigurationResponse c) {
    return new FunctionSettings(
        c.memorySize(),
        c.timeout(),
        layers(c),
        List.copyOf(new TreeMap<>(variables(c)).keySet()),
        c.revisionId());
  }

  private static List<String> layers(GetFunctionConfigurationResponse c) {
    return c.hasLayers() ? c.layers().stream().map(Layer::arn).toList() : List.of();
  }

  private static Map<String, String> variables(GetFunctionConfigurationResponse c) {
    return c.environment() == null || !c.environment().hasVariables()
        ? Map.of()
        : c.environment().variables();
  }

  /**
   * The value of one variable: the literal, or the secret read now (only from the target's
   * allow-lists, checked again). The reference and the version read go into {@code references}; the
   * value goes nowhere but into the update.
   */
  private String resolve(
      LambdaProperties.Target config,
      String name,
      EnvironmentValue value,
      List<Reference> references) {
    if (value.value() != null) {
      return value.value();
    }
    if (value.secretsManager() != null) {
      String problem = LambdaConfigurationRules.secretProblem(value.secretsManager(), config);
      if (problem != null) {
        throw new TargetRefusedException("environment variable " + name + ": " + problem);
      }
      GetSecretValueResponse secret =
          aws(
              "Secrets Manager GetSecretValue " + value.secretsManager(),
              () ->
                  clients
                      .secretsManager(config.aws())
                      .getSecretValue(
                          r -> r.secretId(value.secretsManager()).versionId(value.versionId())));
      references.add(
          new Reference(
              name,
              LambdaConfigurationRules.SECRETS_MANAGER,
              value.secretsManager(),
              value.jsonKey(),
              secret.versionId()));
      String where = "secret " + value.secretsManager() + " (version " + secret.versionId() + ")";
      if (secret.secretString() == null) {
        throw new TargetRefusedException(
            where + " for " + name + " is binary; an environment variable takes a string secret");
      }
      return value.jsonKey() == null ? secret.secretString() : jsonKey(secret, value, where, name);
    }
    String problem = LambdaConfigurationRules.parameterProblem(value.parameterStore(), config);
    if (problem != null) {
      throw new TargetRefusedException("environment variable " + name + ": " + problem);
    }
    GetParameterResponse parameter =
        aws(
            "Parameter Store GetParameter " + value.parameterStore(),
            () ->
                clients
                    .ssm(config.aws())
                    .getParameter(r -> r.name(value.parameterStore()).withDecryption(true)));
    references.add(
        new Reference(
            name,
            LambdaConfigurationRules.PARAMETER_STORE,
            value.parameterStore(),
            null,
            String.valueOf(parameter.parameter().version())));
    return parameter.parameter().value();
  }

  /**
   * One key of a JSON secret. A parse error's message would quote the secret, so none is kept: the
   * message names the secret and the key only.
   */
  private static String jsonKey(
      GetSecretValueResponse secret, EnvironmentValue value, String where, String name) {
    JsonNode tree;
    try {
      tree = JSON.readTree(secret.secretString());
    } catch (JsonProcessingException e) {
      tree = null;
    }
    if (tree == null || !tree.isObject()) {
      throw new TargetRefusedException(
          where + " for " + name + " is not a JSON object, so it has no key " + value.jsonKey());
    }
    JsonNode field = tree.get(value.jsonKey());
    if (field == null || field.isNull() || field.isContainerNode()) {
      throw new TargetRefusedException(
          where + " for " + name + " has no string or number at key " + value.jsonKey());
    }
    return field.asText();
  }

  /** The values of the variables that came from a secret store. */
  private static List<String> secretValues(
      LambdaConfiguration configuration, Map<String, String> environment) {
    return configuration.environment().entrySet().stream()
        .filter(e -> e.getValue().value() == null)
        .map(e -> environment.get(e.getKey()))
        .toList();
  }

  private static String cut(String message) {
    return message.length() <= MESSAGE_LENGTH
        ? message
        : message.substring(0, MESSAGE_LENGTH) + "... (cut at " + MESSAGE_LENGTH + " characters)";
  }

  /**
   * Leaves out what Lambda quotes of the environment after {@value #MEASURED}, then cuts out every
   * value that may be a secret, as given and as it reads inside a JSON string (a PEM key's line
   * breaks become \\n there).
   */
  private static String redact(String message, Collection<String> secrets) {
    String redacted = message == null ? "" : message;
    int quote = redacted.indexOf(MEASURED);
    if (quote >= 0) {
      redacted =
          redacted.substring(0, quote + MEASURED.length())
              + " (Lambda's quote of the environment left out)";
    }
    for (String secret : secrets) {
      if (secret != null && !secret.isEmpty()) {
        redacted = redacted.replace(secret, REDACTED).replace(jsonEscaped(secret), REDACTED);
      }
    }
    return redacted;
  }

  private static String jsonEscaped(String value) {
    try {
      String quoted = JSON.writeValueAsString(value);
      return quoted.substring(1, quoted.length() - 1);
    } catch (JsonProcessingException e) {
      return value;
    }
  }

  @Override
  public void close() {
    clients.close();
  }

  private LambdaClient client(String target) {
    LambdaProperties.Target config = properties.targets().get(target);
    if (config == null) {
      throw new IllegalStateException("unknown Lambda target '" + target + "'");
    }
    return clients.lambda(config.aws());
  }

  private static String qualified(LambdaFunction function) {
    return function.name() + ":" + function.aliasOrDefault();
  }

  private static <T> T call(String action, Supplier<T> call) {
    return aws("Lambda " + action, call);
  }

  private static <T> T aws(String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw AwsFailures.translate(action, e);
    }
  }
}
