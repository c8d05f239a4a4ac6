package io.countersign.lambda;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsFailures;
import io.countersign.aws.TargetRefusedException;
import io.countersign.lambda.TrafficPlan.Routing;
import io.countersign.manifest.ReleaseManifest.LambdaFunction;
import java.time.Duration;
import java.util.Comparator;
import java.util.Map;
import java.util.Optional;
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
import software.amazon.awssdk.services.lambda.model.PublishVersionResponse;
import software.amazon.awssdk.services.lambda.model.UpdateFunctionCodeResponse;

/**
 * The port on the AWS SDK: one API call (two for the update and the publish) per operation, never a
 * waiter.
 */
class LiveLambdaTarget implements LambdaTarget, AutoCloseable {
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
    Optional<String> existing =
        call(
            "ListVersionsByFunction " + function.name(),
            () ->
                client(target)
                    .listVersionsByFunctionPaginator(
                        r -> r.functionName(function.name()).maxItems(50))
                    .versions()
                    .stream()
                    .filter(
                        v ->
                            !LambdaRollout.LATEST.equals(v.version())
                                && codeSha256.equals(v.codeSha256()))
                    .map(FunctionConfiguration::version)
                    .max(Comparator.comparingLong(Long::parseLong)));
    if (existing.isPresent()) {
      return new PublishedVersion(existing.get(), codeSha256, true);
    }
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
    return new PublishedVersion(published.version(), published.codeSha256(), false);
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
    try {
      return call.get();
    } catch (SdkException e) {
      throw AwsFailures.translate("Lambda " + action, e);
    }
  }
}
