package io.countersign.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudFormationApi;
import io.countersign.aws.FakeCloudFormationApi.Change;
import io.countersign.aws.S3MockServer;
import io.countersign.aws.TargetRefusedException;
import io.countersign.stack.StackTarget.ChangeSet;
import io.countersign.stack.StackTarget.ChangeSetRequest;
import io.countersign.stack.StackTarget.StackState;
import io.countersign.stack.StackTarget.TemplateObject;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The live adapter against CloudFormation's Query protocol (WireMock, the real XML shapes) and S3
 * (S3Mock): what it sends, how it reads each answer, refusals versus unavailability, and messages
 * without the endpoint's URL.
 */
class LiveStackTargetTest {
  private static FakeCloudFormationApi fake;
  private static AwsClients clients;
  private static S3Client s3;
  private static LiveStackTarget target;

  @BeforeAll
  static void start() {
    fake = FakeCloudFormationApi.startServer();
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    s3 =
        clients.s3(
            new AwsSettings(
                "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null));
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals("adapter-artifacts"))) {
      s3.createBucket(r -> r.bucket("adapter-artifacts"));
    }
    StackProperties.Target settings =
        new StackProperties.Target(
            "eu-west-1",
            null,
            null,
            Map.of("cloudformation", fake.endpoint(), "s3", S3MockServer.endpoint()),
            null,
            1,
            List.of("adapter-artifacts"),
            List.of("app"),
            List.of("CAPABILITY_IAM"),
            "arn:aws:iam::123456789012:role/cfn-service");
    target =
        new LiveStackTarget(
            new StackProperties("live", Map.of("t", settings), null, null), clients);
  }

  @AfterAll
  static void stop() {
    clients.close();
    fake.stop();
  }

  @BeforeEach
  void reset() {
    fake.reset();
    fake.stack("app", "old", Map.of("Stage", "prod", "Token", "x"), Set.of("Token"));
  }

  @Test
  void aStackIsReadWithItsStatusProtectionAndMaskedParameters() {
    fake.terminationProtection("app", true);
    StackState state = target.describeStack("t", "app");

    assertThat(state.exists()).isTrue();
    assertThat(state.status()).isEqualTo("UPDATE_COMPLETE");
    assertThat(state.terminationProtection()).isTrue();
    assertThat(state.parameters()).containsEntry("Stage", "prod").containsEntry("Token", "****");
    assertThat(target.currentTemplate("t", "app")).isEqualTo("old");
  }

  @Test
  void aStackThatDoesNotExistIsNoneNotAFailure() {
    assertThat(target.describeStack("t", "missing").exists()).isFalse();
  }

  @Test
  void theTemplateIsReadWholeWithItsVersion() {
    s3.putObject(
        r -> r.bucket("adapter-artifacts").key("a/b c.yaml"),
        RequestBody.fromString("Resources: {}"));
    TemplateObject template = target.readTemplate("t", "adapter-artifacts", "a/b c.yaml");

    assertThat(new String(template.body(), StandardCharsets.UTF_8)).isEqualTo("Resources: {}");
    assertThat(template.url())
        .startsWith("https://adapter-artifacts.s3.eu-west-1.amazonaws.com/a/b%20c.yaml");
    assertThatThrownBy(() -> target.readTemplate("t", "adapter-artifacts", "none.yaml"))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("adapter-artifacts/none.yaml")
        .hasMessageNotContaining(S3MockServer.endpoint().toString());
  }

  @Test
  void aChangeSetIsCreatedAsAskedAndReadWithEveryChange() {
    fake.nextChanges(
        new Change("Add", "Queue", "AWS::SQS::Queue", null, null),
        new Change("Modify", "Fn", "AWS::Lambda::Function", "Conditional", "Properties"));
    String id =
        target.createChangeSet(
            "t",
            new ChangeSetRequest(
                "app",
                "cs-1",
                "UPDATE",
                "new",
                null,
                Map.of("Stage", "prod"),
                List.of("Token"),
                List.of("CAPABILITY_IAM"),
                "arn:aws:iam::123456789012:role/cfn-service",
                "token-1"));
    Map<String, String> sent = fake.requests().get(fake.requests().size() - 1);
    assertThat(sent)
        .containsEntry("Action", "CreateChangeSet")
        .containsEntry("Version", "2010-05-15")
        .containsEntry("TemplateBody", "new")
        .containsEntry("ChangeSetType", "UPDATE")
        .containsEntry("ClientToken", "token-1")
        .containsEntry("RoleARN", "arn:aws:iam::123456789012:role/cfn-service")
        .containsEntry("Capabilities.member.1", "CAPABILITY_IAM")
        .containsEntry("Parameters.member.1.ParameterKey", "Stage")
        .containsEntry("Parameters.member.2.ParameterKey", "Token")
        .containsEntry("Parameters.member.2.UsePreviousValue", "true");

    assertThat(target.describeChangeSet("t", "app", "cs-1").status()).isEqualTo("CREATE_PENDING");
    ChangeSet complete = target.describeChangeSet("t", "app", id);
    assertThat(complete.status()).isEqualTo("CREATE_COMPLETE");
    assertThat(complete.executionStatus()).isEqualTo("AVAILABLE");
    assertThat(complete.changes())
        .containsExactly(
            new StackTarget.Change("Add", "Queue", "AWS::SQS::Queue", null, ""),
            new StackTarget.Change(
                "Modify", "Fn", "AWS::Lambda::Function", "Conditional", "Properties"));
    assertThat(target.describeChangeSet("t", "app", "nope")).isNull();
  }

  @Test
  void executingAnObsoleteChangeSetIsARefusalAndThrottlingIsUnavailability() {
    target.createChangeSet(
        "t",
        new ChangeSetRequest(
            "app", "cs-2", "UPDATE", "new", null, Map.of(), List.of(), List.of(), null, "t2"));
    ChangeSet cs = target.describeChangeSet("t", "app", "cs-2");
    cs = target.describeChangeSet("t", "app", "cs-2");
    fake.updatedOutOfBand("app", "hotfix");
    String id = cs.id();

    assertThatThrownBy(() -> target.executeChangeSet("t", "app", id, "x"))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("InvalidChangeSetStatus")
        .hasMessageNotContaining(fake.endpoint().toString());
    fake.fail("POST", "DescribeStacks", 1, 400, "Throttling", "Rate exceeded");
    assertThatThrownBy(() -> target.describeStack("t", "app"))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageContaining("retried");
  }

  @Test
  void driftIsReportedWithTheDriftedResources() {
    fake.drifted("Queue MODIFIED");
    String detection = target.startDriftDetection("t", "app");

    assertThat(target.drift("t", "app", detection).detectionStatus())
        .isEqualTo("DETECTION_IN_PROGRESS");
    StackTarget.Drift drift = target.drift("t", "app", detection);
    assertThat(drift.stackDriftStatus()).isEqualTo("DRIFTED");
    assertThat(drift.drifted()).containsExactly("Queue MODIFIED");
  }

  @Test
  void aFailedUpdateGivesTheFailedResourcesReasons() {
    target.createChangeSet(
        "t",
        new ChangeSetRequest(
            "app", "cs-3", "UPDATE", "new", null, Map.of(), List.of(), List.of(), null, "t3"));
    target.describeChangeSet("t", "app", "cs-3");
    ChangeSet cs = target.describeChangeSet("t", "app", "cs-3");
    fake.failNextExecution("Fn: Resource handler returned message: Access denied");
    target.executeChangeSet("t", "app", cs.id(), "tok");
    target.describeStack("t", "app");

    assertThat(target.describeStack("t", "app").status()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
    assertThat(target.failureReasons("t", "app"))
        .containsExactly("Fn UPDATE_FAILED: Fn: Resource handler returned message: Access denied");
  }
}
