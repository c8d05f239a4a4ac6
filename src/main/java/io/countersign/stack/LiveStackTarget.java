package io.countersign.stack;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsFailures;
import io.countersign.aws.TargetRefusedException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import software.amazon.awssdk.awscore.exception.AwsServiceException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudformation.model.Capability;
import software.amazon.awssdk.services.cloudformation.model.CreateChangeSetRequest;
import software.amazon.awssdk.services.cloudformation.model.DescribeChangeSetResponse;
import software.amazon.awssdk.services.cloudformation.model.DescribeStackDriftDetectionStatusResponse;
import software.amazon.awssdk.services.cloudformation.model.Parameter;
import software.amazon.awssdk.services.cloudformation.model.Stack;
import software.amazon.awssdk.services.cloudformation.model.StackEvent;
import software.amazon.awssdk.services.cloudformation.model.StackResourceDrift;
import software.amazon.awssdk.services.cloudformation.model.StackResourceDriftStatus;
import software.amazon.awssdk.services.cloudformation.model.TemplateStage;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;

/**
 * The live adapter: CloudFormation and S3 through the AWS SDK v2, one client per target (timeouts
 * and retries from the target's {@link io.countersign.aws.AwsSettings}).
 */
class LiveStackTarget implements StackTarget {
  /** CloudFormation reads a template from S3 up to 1 MB; a bigger object is refused unread. */
  static final long MAX_TEMPLATE_BYTES = 1024 * 1024;

  private final StackProperties properties;
  private final AwsClients clients;

  LiveStackTarget(StackProperties properties, AwsClients clients) {
    this.properties = properties;
    this.clients = clients;
  }

  @Override
  public TemplateObject readTemplate(String target, String bucket, String key) {
    String what = "S3 read of template " + bucket + "/" + key + " for stack target " + target;
    S3Client s3 = clients.s3(settings(target).aws());
    HeadObjectResponse head = call(what, () -> s3.headObject(r -> r.bucket(bucket).key(key)));
    if (head.contentLength() != null && head.contentLength() > MAX_TEMPLATE_BYTES) {
      throw new TargetRefusedException(
          what + ": the template has " + head.contentLength() + " bytes, more than 1 MB");
    }
    String version = head.versionId();
    // Read the version the head saw, so the digest and the URL name the same bytes.
    byte[] body =
        call(
            what,
            () ->
                s3.getObjectAsBytes(
                        r -> {
                          r.bucket(bucket).key(key);
                          if (version != null) {
                            r.versionId(version);
                          }
                        })
                    .asByteArray());
    String url =
        "https://"
            + bucket
            + ".s3."
            + settings(target).region()
            + ".amazonaws.com/"
            + encodePath(key)
            + (version == null
                ? ""
                : "?versionId=" + URLEncoder.encode(version, StandardCharsets.UTF_8));
    return new TemplateObject(body, version, url, false);
  }

  @Override
  public StackState describeStack(String target, String stack) {
    String what = "CloudFormation DescribeStacks " + stack + " on " + target;
    try {
      Stack found = cloudFormation(target).describeStacks(r -> r.stackName(stack)).stacks().get(0);
      Map<String, String> parameters = new LinkedHashMap<>();
      found.parameters().forEach(p -> parameters.put(p.parameterKey(), p.parameterValue()));
      return new StackState(
          true,
          found.stackId(),
          found.stackStatusAsString(),
          found.stackStatusReason(),
          Boolean.TRUE.equals(found.enableTerminationProtection()),
          parameters,
          false);
    } catch (AwsServiceException e) {
      if (isValidationError(e, "does not exist")) {
        return StackState.none();
      }
      throw AwsFailures.translate(what, e);
    } catch (SdkException e) {
      throw AwsFailures.translate(what, e);
    }
  }

  @Override
  public String currentTemplate(String target, String stack) {
    return call(
        "CloudFormation GetTemplate " + stack + " on " + target,
        () ->
            cloudFormation(target)
                .getTemplate(r -> r.stackName(stack).templateStage(TemplateStage.ORIGINAL))
                .templateBody());
  }

  @Override
  public void keepTemplate(String target, String bucket, String key, byte[] body) {
    call(
        "S3 write of the previous template " + bucket + "/" + key + " for " + target,
        () ->
            clients
                .s3(settings(target).aws())
                .putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(body)));
  }

  @Override
  public String startDriftDetection(String target, String stack) {
    return call(
        "CloudFormation DetectStackDrift " + stack + " on " + target,
        () ->
            cloudFormation(target)
                .detectStackDrift(r -> r.stackName(stack))
                .stackDriftDetectionId());
  }

  @Override
  public Drift drift(String target, String stack, String detectionId) {
    String what = "CloudFormation drift detection of " + stack + " on " + target;
    DescribeStackDriftDetectionStatusResponse status =
        call(
            what,
            () ->
                cloudFormation(target)
                    .describeStackDriftDetectionStatus(r -> r.stackDriftDetectionId(detectionId)));
    List<String> drifted = new ArrayList<>();
    if ("DETECTION_COMPLETE".equals(status.detectionStatusAsString())
        && "DRIFTED".equals(status.stackDriftStatusAsString())) {
      List<StackResourceDrift> drifts =
          call(
              what,
              () ->
                  cloudFormation(target)
                      .describeStackResourceDrifts(
                          r ->
                              r.stackName(stack)
                                  .stackResourceDriftStatusFilters(
                                      StackResourceDriftStatus.MODIFIED,
                                      StackResourceDriftStatus.DELETED))
                      .stackResourceDrifts());
      drifts.forEach(
          d -> drifted.add(d.logicalResourceId() + " " + d.stackResourceDriftStatusAsString()));
    }
    return new Drift(status.detectionStatusAsString(), status.stackDriftStatusAsString(), drifted);
  }

  @Override
  public String createChangeSet(String target, ChangeSetRequest request) {
    List<Parameter> parameters = new ArrayList<>();
    request
        .parameters()
        .forEach(
            (k, v) ->
                parameters.add(Parameter.builder().parameterKey(k).parameterValue(v).build()));
    request
        .keepPreviousValues()
        .forEach(
            k ->
                parameters.add(Parameter.builder().parameterKey(k).usePreviousValue(true).build()));
    CreateChangeSetRequest.Builder create =
        CreateChangeSetRequest.builder()
            .stackName(request.stack())
            .changeSetName(request.name())
            .changeSetType(request.type())
            .parameters(parameters)
            .capabilities(request.capabilities().stream().map(Capability::fromValue).toList())
            .clientToken(request.clientToken())
            .description("Countersign");
    if (request.templateBody() != null) {
      create.templateBody(request.templateBody());
    } else {
      create.templateURL(request.templateUrl());
    }
    if (request.roleArn() != null) {
      create.roleARN(request.roleArn());
    }
    return call(
        "CloudFormation CreateChangeSet "
            + request.name()
            + " of "
            + request.stack()
            + " on "
            + target,
        () -> cloudFormation(target).createChangeSet(create.build()).id());
  }

  @Override
  public ChangeSet describeChangeSet(String target, String stack, String changeSet) {
    String what = "CloudFormation DescribeChangeSet of " + stack + " on " + target;
    List<Change> changes = new ArrayList<>();
    String next = null;
    DescribeChangeSetResponse page;
    try {
      do {
        String token = next;
        page =
            cloudFormation(target)
                .describeChangeSet(
                    r -> r.stackName(stack).changeSetName(changeSet).nextToken(token));
        page.changes()
            .forEach(
                c ->
                    changes.add(
                        new Change(
                            c.resourceChange().actionAsString(),
                            c.resourceChange().logicalResourceId(),
                            c.resourceChange().resourceType(),
                            c.resourceChange().replacementAsString(),
                            String.join(",", c.resourceChange().scopeAsStrings()))));
        next = page.nextToken();
      } while (next != null);
    } catch (AwsServiceException e) {
      if (e.awsErrorDetails() != null
          && "ChangeSetNotFound".equals(e.awsErrorDetails().errorCode())) {
        return null;
      }
      throw AwsFailures.translate(what, e);
    } catch (SdkException e) {
      throw AwsFailures.translate(what, e);
    }
    return new ChangeSet(
        page.changeSetId(),
        page.statusAsString(),
        page.executionStatusAsString(),
        page.statusReason(),
        changes,
        false);
  }

  @Override
  public void executeChangeSet(String target, String stack, String changeSetId, String token) {
    call(
        "CloudFormation ExecuteChangeSet of " + stack + " on " + target,
        () ->
            cloudFormation(target)
                .executeChangeSet(
                    r -> r.stackName(stack).changeSetName(changeSetId).clientRequestToken(token)));
  }

  @Override
  public void deleteStack(String target, String stack, String token) {
    String role = settings(target).cloudformationRoleArn();
    call(
        "CloudFormation DeleteStack " + stack + " on " + target,
        () ->
            cloudFormation(target)
                .deleteStack(
                    r -> {
                      r.stackName(stack).clientRequestToken(token);
                      if (role != null) {
                        r.roleARN(role);
                      }
                    }));
  }

  @Override
  public List<String> failureReasons(String target, String stack) {
    List<StackEvent> events =
        call(
            "CloudFormation DescribeStackEvents " + stack + " on " + target,
            () ->
                cloudFormation(target).describeStackEvents(r -> r.stackName(stack)).stackEvents());
    List<String> reasons = new ArrayList<>();
    for (StackEvent e : events) {
      String status = e.resourceStatusAsString();
      if (status != null && status.endsWith("_FAILED") && reasons.size() < 20) {
        reasons.add(
            e.logicalResourceId()
                + " "
                + status
                + (e.resourceStatusReason() == null ? "" : ": " + e.resourceStatusReason()));
      }
    }
    return reasons;
  }

  private StackProperties.Target settings(String target) {
    StackProperties.Target settings = properties.targets().get(target);
    if (settings == null) {
      throw new TargetRefusedException("stack target '" + target + "' is not configured");
    }
    return settings;
  }

  private CloudFormationClient cloudFormation(String target) {
    return clients.cloudFormation(settings(target).aws());
  }

  static boolean isValidationError(AwsServiceException e, String messagePart) {
    return e.awsErrorDetails() != null
        && "ValidationError".equals(e.awsErrorDetails().errorCode())
        && e.awsErrorDetails().errorMessage() != null
        && e.awsErrorDetails().errorMessage().contains(messagePart);
  }

  private static String encodePath(String key) {
    StringBuilder out = new StringBuilder();
    for (String segment : key.split("/", -1)) {
      if (out.length() > 0) {
        out.append('/');
      }
      out.append(URLEncoder.encode(segment, StandardCharsets.UTF_8).replace("+", "%20"));
    }
    return out.toString();
  }

  private static <T> T call(String what, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw AwsFailures.translate(what, e);
    }
  }
}
