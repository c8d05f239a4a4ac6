package io.countersign.stack;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.CrashAfterStep;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudFormationApi;
import io.countersign.aws.FakeCloudFormationApi.Change;
import io.countersign.aws.S3MockServer;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.process.Attempts;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Releases with a stack through the real models and the live stack adapter: CloudFormation answered
 * by {@link FakeCloudFormationApi} in its Query protocol's XML, the packaged template in S3Mock.
 * Failures first: each path of the planning before the sign-off, the execution, CloudFormation's
 * own rollback and the rollback's undo, then the release that goes through.
 */
@Import(StackProcessTest.TestCredentials.class)
class StackProcessTest extends StackProcessSupport {
  static final String STACK = "hospital-integration";
  static final String OLD_TEMPLATE =
      "AWSTemplateFormatVersion: '2010-09-09'\nTransform: AWS::Serverless-2016-10-31\n"
          + "Resources:\n  Ingest:\n    Type: AWS::Serverless::Function\n";
  static final String NEW_TEMPLATE = OLD_TEMPLATE + "  Queue:\n    Type: AWS::SQS::Queue\n";

  private static FakeCloudFormationApi cloudFormation;
  private static AwsClients clients;
  private static S3Client s3;

  @TestConfiguration
  static class TestCredentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }

  @DynamicPropertySource
  static synchronized void stackTarget(DynamicPropertyRegistry registry) {
    if (cloudFormation == null) {
      cloudFormation = FakeCloudFormationApi.startServer();
      clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
      s3 =
          clients.s3(
              new AwsSettings(
                  "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null));
    }
    String t = "countersign.targets.stack.targets.hospital-aws.";
    registry.add("countersign.targets.stack.mode", () -> "live");
    registry.add(t + "region", () -> "eu-west-1");
    registry.add(t + "endpoints.cloudformation", () -> cloudFormation.endpoint().toString());
    registry.add(t + "endpoints.s3", () -> S3MockServer.endpoint().toString());
    registry.add(t + "max-attempts", () -> "1");
    registry.add(t + "artifact-buckets[0]", () -> BUCKET);
    registry.add(t + "stack-names[0]", () -> STACK);
    registry.add(t + "stack-names[1]", () -> "hospital-new-*");
    registry.add(t + "capabilities[0]", () -> "CAPABILITY_IAM");
    registry.add(t + "capabilities[1]", () -> "CAPABILITY_AUTO_EXPAND");
  }

  @AfterAll
  static void stopServers() {
    clients.close();
    cloudFormation.stop();
  }

  @BeforeEach
  void aws() {
    cloudFormation.reset();
    cloudFormation.stack(
        STACK,
        OLD_TEMPLATE,
        Map.of("Stage", "prod", "MemorySize", "256", "AlertEmail", "ops@example.org"),
        Set.of("AlertEmail"));
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
      s3.createBucket(r -> r.bucket(BUCKET));
    }
    s3.putObject(r -> r.bucket(BUCKET).key(KEY), RequestBody.fromString(NEW_TEMPLATE));
  }

  // --- at submission -------------------------------------------------------------------------

  @Test
  void aManifestAroundTheAllowListsIsRefusedAtSubmissionWithItsPathsAndNothingIsCalled() {
    ObjectNode manifest = withStack("billing", sha());
    ObjectNode stack = (ObjectNode) manifest.get("stack");
    ((ObjectNode) stack.get("template")).put("bucket", "attacker-bucket").remove("sha256");
    stack.putObject("parameters").put("DbPassword", "hunter2");
    stack.putArray("capabilities").add("CAPABILITY_NAMED_IAM");

    assertThatThrownBy(() -> submit(manifest))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e ->
                assertThat(e.errors())
                    .extracting(FieldErrors.FieldError::path)
                    .containsExactly("$.stack.template.sha256"));
    ((ObjectNode) stack.get("template")).put("sha256", sha());
    assertThatThrownBy(() -> submit(manifest))
        .isInstanceOfSatisfying(
            InvalidManifestException.class,
            e -> {
              assertThat(e.errors())
                  .extracting(FieldErrors.FieldError::path)
                  .containsExactlyInAnyOrder(
                      "$.stack.name",
                      "$.stack.template.bucket",
                      "$.stack.parameters.DbPassword",
                      "$.stack.capabilities[0]");
              // The refused value of a secret-looking parameter is not repeated back.
              assertThat(e.detail()).doesNotContain("hunter2");
            });
    assertThat(cloudFormation.requests()).isEmpty();
  }

  // --- before the sign-off -------------------------------------------------------------------

  @Test
  void aTemplateWhoseDigestIsNotTheSignedOneIsRefusedBeforeTheSignOffAndNothingIsCreated() {
    ObjectNode manifest = withStack(STACK, "b".repeat(64));
    String id = submit(manifest);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(lastPayload(id, "stack-plan-refused").get("reason").asText())
        .contains("has SHA-256 " + StackPlans.sha256(NEW_TEMPLATE))
        .contains("not the signed " + "b".repeat(64))
        .contains("nothing was created");
    assertThat(cloudFormation.actions()).doesNotContain("CreateChangeSet", "DetectStackDrift");
  }

  @Test
  void aTemplateTooLargeForTheBodyInABucketWithoutVersionsIsRefusedBecauseItCouldNotBePinned() {
    String large = NEW_TEMPLATE + "#" + "x".repeat(StackPlans.MAX_BODY_BYTES) + "\n";
    s3.putObject(r -> r.bucket(BUCKET).key(KEY), RequestBody.fromString(large));
    String id = submit(withStack(STACK, StackPlans.sha256(large)));
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "stack-plan-refused").get("reason").asText())
        .contains("more than 51,200 bytes")
        .contains("enable versioning on " + BUCKET);
    assertThat(cloudFormation.actions()).doesNotContain("CreateChangeSet");
  }

  @Test
  void aChangeSetCloudFormationCannotCreateEndsTheReleaseBeforeTheSignOff() {
    cloudFormation.failNextChangeSet(
        "Template format error: Unresolved resource dependencies [Nope]");
    String id = submit(withStack(STACK, sha()));
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
    assertThat(lastPayload(id, "stack-plan-refused").get("reason").asText())
        .contains("could not create the change set (FAILED): Template format error");
    assertThat(cloudFormation.actions()).doesNotContain("ExecuteChangeSet");
  }

  @Test
  void aChangeSetNotReadyBeforeTheDeadlineEndsTheReleaseBeforeTheSignOff() {
    cloudFormation.looks(50);
    String id = submit(withStack(STACK, sha()));
    runJobs();
    fireTimer(id, "stackPlanDeadline");

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "stack-plan-refused").get("reason").asText())
        .contains("was not ready within PT1H");
    assertThat(openTasks(id, "approveRelease")).isEmpty();
  }

  @Test
  void aChangeSetWithoutChangesIsRecordedAndNothingIsExecuted() {
    s3.putObject(r -> r.bucket(BUCKET).key(KEY), RequestBody.fromString(OLD_TEMPLATE));
    ObjectNode manifest = withStack(STACK, StackPlans.sha256(OLD_TEMPLATE));
    ObjectNode parameters = ((ObjectNode) manifest.get("stack")).putObject("parameters");
    parameters.put("MemorySize", "256").put("Stage", "prod").put("AlertEmail", "ops@example.org");
    String id = submit(manifest);
    settle(id);

    assertThat(lastPayload(id, "stack-planned").get("noChanges").asBoolean()).isTrue();
    assertThat(formVariable(id)).contains("no changes; nothing will be executed");
    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("released");
    assertThat(evidenceTypes(id))
        .contains("stack-unchanged")
        .doesNotContain("stack-change-executed");
    assertThat(cloudFormation.actions()).doesNotContain("ExecuteChangeSet");
    end(id);
  }

  // --- after the sign-off --------------------------------------------------------------------

  @Test
  void aChangeSetMadeObsoleteAfterTheSignOffStopsTheReleaseAtTheDeploymentCheckpoint() {
    String id = planned(withStack(STACK, sha()));
    cloudFormation.updatedOutOfBand(STACK, OLD_TEMPLATE + "# hotfix\n");

    approveAll(id);
    settle(id);

    // Found before any step ran: nothing of the release changed, so nothing is rolled back.
    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "checkpoint-deployment").toString())
        .contains("CREATE_COMPLETE/OBSOLETE");
    assertThat(cloudFormation.actions()).doesNotContain("ExecuteChangeSet");
    assertThat(cloudFormation.template(STACK)).endsWith("# hotfix\n");
    assertThat(activities(id, "deploy")).doesNotContain("executeStackChange");
  }

  @Test
  void aChangeSetMadeObsoleteBetweenTheCheckpointAndItsExecutionIsRefusedAndNothingIsExecuted() {
    String id = planned(withStack(STACK, sha()));
    // The checkpoint's look finds the signed change set; the stack changes right after it.
    cloudFormation.updatedOutOfBandAfter(1, STACK, OLD_TEMPLATE + "# hotfix\n");

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    assertThat(lastPayload(id, "stack-change-refused").get("reason").asText())
        .contains("CREATE_COMPLETE/OBSOLETE")
        .contains("changed after the sign-off");
    assertThat(cloudFormation.actions()).doesNotContain("ExecuteChangeSet");
    assertThat(cloudFormation.template(STACK)).endsWith("# hotfix\n");
    // The rollback had nothing of the stack's to undo.
    assertThat(payloads(id, "step-skipped"))
        .anySatisfy(p -> assertThat(p.get("step").asText()).isEqualTo("undoStackChange"));
  }

  @Test
  void aFailedUpdateIsRolledBackByCloudFormationAndTheRollbackRecordsThatNothingIsLeftToUndo() {
    String id = planned(withStack(STACK, sha()));
    cloudFormation.failNextExecution("Queue: Resource handler returned message: Access denied");

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    JsonNode failed = lastPayload(id, "stack-update-failed");
    assertThat(failed.get("status").asText()).isEqualTo("UPDATE_ROLLBACK_COMPLETE");
    assertThat(failed.get("rolledBackBy").asText()).isEqualTo("CloudFormation");
    assertThat(failed.get("failedResources").get(0).asText())
        .contains("Queue UPDATE_FAILED")
        .contains("Access denied");
    assertThat(lastPayload(id, "stack-undo-not-needed").get("detail").asText())
        .contains("CloudFormation rolled the update back itself");
    assertThat(cloudFormation.count("CreateChangeSet")).isEqualTo(1); // no undo change set
    assertThat(cloudFormation.template(STACK)).isEqualTo(OLD_TEMPLATE);
    // The Lambda functions after the stack never ran.
    assertThat(activities(id, "deploy")).doesNotContain("deployLambdaFunctions");
  }

  @Test
  void aLaterStepFailingPutsThePreviousTemplateAndParametersBack() {
    ObjectNode manifest = withStack(STACK, sha());
    ((ObjectNode) manifest.get("stack")).putObject("parameters").put("MemorySize", "512");
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "stack-change-executed",
            "stack-updated",
            "stack-undo-started",
            "stack-undo-executed",
            "stack-undone");
    assertThat(cloudFormation.template(STACK)).isEqualTo(OLD_TEMPLATE);
    assertThat(cloudFormation.parameters(STACK))
        .containsEntry("MemorySize", "256")
        .containsEntry("Stage", "prod")
        .containsEntry("AlertEmail", "ops@example.org");
    Map<String, String> undo =
        cloudFormation.requests().stream()
            .filter(r -> "CreateChangeSet".equals(r.get("Action")))
            .reduce((a, b) -> b)
            .orElseThrow();
    assertThat(undo.get("ChangeSetName")).isEqualTo(StackPlans.undoChangeSetName(id));
    assertThat(undo.get("TemplateBody")).isEqualTo(OLD_TEMPLATE);
    // The NoEcho parameter was never read: CloudFormation keeps its value.
    assertThat(undo).containsValue("AlertEmail");
    assertThat(undo.toString()).doesNotContain("ops@example.org").contains("UsePreviousValue=true");
    assertThat(lastPayload(id, "stack-plan-started").toString()).doesNotContain("ops@example.org");
    assertThat(
            lastPayload(id, "restoration-verified")
                .get("whatWasUndone")
                .get("stack.undone")
                .asText())
        .isEqualTo("previous-template");
  }

  @Test
  void aPreviousTemplateThatCannotBePutBackEndsTheReleaseFailedWithTheReason() {
    ObjectNode manifest = withStack(STACK, sha());
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);
    approveAll(id); // executes the signed change set; the stack is updating
    cloudFormation.failNextExecution("Ingest: Resource handler returned message: Throttled");

    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "stack-undo-failed").get("detail").asText())
        .contains("putting the previous template back ended UPDATE_ROLLBACK_COMPLETE")
        .contains("Ingest UPDATE_FAILED");
    assertThat(statusReason(id)).contains("stack " + STACK);
  }

  @Test
  void aStackTheReleaseCreatedIsDeletedByTheRollback() {
    ObjectNode manifest = withStack("hospital-new-api", sha());
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);
    assertThat(lastPayload(id, "stack-planned").get("changeSetType").asText()).isEqualTo("CREATE");

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id))
        .containsSubsequence("stack-updated", "stack-undo-started", "stack-undone");
    assertThat(cloudFormation.status("hospital-new-api")).isNull();
    assertThat(cloudFormation.actions()).contains("DeleteStack").doesNotContain("GetTemplate");
  }

  @Test
  void aCreatedStackWithTerminationProtectionIsLeftAndTheReleaseEndsFailedSayingWhy() {
    ObjectNode manifest = withStack("hospital-new-api", sha());
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);
    cloudFormation.terminationProtection("hospital-new-api", true);

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "stack-left-protected").get("detail").asText())
        .contains("termination protection on");
    assertThat(cloudFormation.status("hospital-new-api")).isEqualTo("CREATE_COMPLETE");
    assertThat(cloudFormation.actions()).doesNotContain("DeleteStack");
  }

  @Test
  void aCreatedStackThatCannotBeDeletedEndsTheReleaseFailedWithCloudFormationsReason() {
    ObjectNode manifest = withStack("hospital-new-api", sha());
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);
    cloudFormation.failNextDeletion("Uploads: The bucket you tried to delete is not empty");

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("failed");
    assertThat(lastPayload(id, "stack-undo-failed").get("detail").asText())
        .contains("could not delete the stack")
        .contains("Uploads DELETE_FAILED");
    assertThat(cloudFormation.status("hospital-new-api")).isEqualTo("DELETE_FAILED");
  }

  // --- through -------------------------------------------------------------------------------

  @Test
  void theChangeSetIsOnTheFormAndInTheEvidenceAndExactlyItIsExecuted() {
    cloudFormation.drifted("Ingest MODIFIED");
    ObjectNode manifest = withStack(STACK, sha());
    ((ObjectNode) manifest.get("stack")).putObject("parameters").put("Stage", "prod");
    ((ObjectNode) manifest.get("stack")).putArray("capabilities").add("CAPABILITY_IAM");
    cloudFormation.nextChanges(
        new Change("Add", "Queue", "AWS::SQS::Queue", null, null),
        new Change("Modify", "Ingest", "AWS::Lambda::Function", "True", "Properties"),
        new Change("Remove", "OldTopic", "AWS::SNS::Topic", null, null));
    String id = planned(manifest);

    String form = formVariable(id);
    assertThat(form)
        .contains("Added (1):\n- Queue (AWS::SQS::Queue)")
        .contains("Modified (1):\n- Ingest (AWS::Lambda::Function): REPLACED")
        .contains("Removed (1):\n- OldTopic (AWS::SNS::Topic)")
        .contains("Drifted from its template now: Ingest MODIFIED");
    JsonNode planned = lastPayload(id, "stack-planned");
    assertThat(planned.get("templateSha256").asText()).isEqualTo(sha());
    assertThat(planned.get("changes")).hasSize(3);
    assertThat(planned.get("changes").get(1).get("replacement").asText()).isEqualTo("True");
    assertThat(planned.get("drift").get("driftedResources").get(0).asText())
        .isEqualTo("Ingest MODIFIED");
    assertThat(planned.get("terminationProtection").asBoolean()).isFalse();
    Map<String, String> create =
        cloudFormation.requests().stream()
            .filter(r -> "CreateChangeSet".equals(r.get("Action")))
            .findFirst()
            .orElseThrow();
    // Pinned to the signed bytes, deterministic name and token, capabilities as signed.
    assertThat(create.get("TemplateBody")).isEqualTo(NEW_TEMPLATE);
    assertThat(create.get("ChangeSetName")).isEqualTo(StackPlans.changeSetName(id));
    assertThat(create.get("ClientToken")).isEqualTo(StackPlans.token(id, "change-set"));
    assertThat(create.get("Capabilities.member.1")).isEqualTo("CAPABILITY_IAM");

    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("released");
    assertThat(evidenceTypes(id))
        .containsSubsequence("stack-planned", "stack-change-executed", "stack-updated");
    Map<String, String> execute =
        cloudFormation.requests().stream()
            .filter(r -> "ExecuteChangeSet".equals(r.get("Action")))
            .findFirst()
            .orElseThrow();
    assertThat(execute.get("ChangeSetName")).isEqualTo(planned.get("changeSetId").asText());
    assertThat(execute.get("ClientRequestToken")).isEqualTo(StackPlans.token(id, "execute"));
    assertThat(cloudFormation.template(STACK)).isEqualTo(NEW_TEMPLATE);
    // The previous template is kept for a rollback, where the plan says, with the digest it says.
    JsonNode previous = lastPayload(id, "stack-plan-started").get("previous");
    byte[] kept =
        s3.getObjectAsBytes(r -> r.bucket(BUCKET).key(previous.get("templateKey").asText()))
            .asByteArray();
    assertThat(new String(kept, StandardCharsets.UTF_8)).isEqualTo(OLD_TEMPLATE);
    assertThat(previous.get("templateSha256").asText()).isEqualTo(StackPlans.sha256(OLD_TEMPLATE));
    assertThat(activities(id, "deploy"))
        .containsSubsequence("executeStackChange", "awaitStackChange", "deployLambdaFunctions");
    end(id);
  }

  @Test
  void aStackStillBusyAtItsDeadlineRollsBackOnceCloudFormationIsDone() {
    String id = planned(withStack(STACK, sha()));
    cloudFormation.looks(3);
    approveAll(id);
    fireTimer(id, "stackDeadline");
    settle(id);

    assertThat(lastPayload(id, "stack-update-timed-out").get("reason").asText())
        .contains("did not finish within PT1H");
    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id)).contains("stack-undone");
    assertThat(cloudFormation.template(STACK)).isEqualTo(OLD_TEMPLATE);
  }

  // --- re-runs -------------------------------------------------------------------------------

  @Test
  void anExecutionWhoseJobDiedBeforeItsCommitIsNotExecutedAgain() {
    String id = planned(withStack(STACK, sha()));
    CrashAfterStep.arm(ExecuteStackChangeDelegate.STEP);

    approveAll(id);
    assertThat(CrashAfterStep.fired()).isTrue();
    assertThat(evidenceTypes(id)).doesNotContain("stack-change-executed");
    advanceClock(Duration.ofSeconds(31));
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("released");
    assertThat(cloudFormation.count("ExecuteChangeSet")).isEqualTo(1);
    assertThat(lastPayload(id, Attempts.REPEATED).get("handled").asText()).isEqualTo("reused");
    assertThat(payloads(id, "stack-change-executed")).hasSize(1);
    end(id);
  }

  @Test
  void anExecutionWhoseOutcomeWasLostTooLooksAtTheChangeSetBeforeActing() {
    String id = planned(withStack(STACK, sha()));
    CrashAfterStep.arm(ExecuteStackChangeDelegate.STEP);
    approveAll(id);
    CrashAfterStep.forgetOutcomes(jdbc, id, ExecuteStackChangeDelegate.STEP);

    advanceClock(Duration.ofSeconds(31));
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("released");
    assertThat(cloudFormation.count("ExecuteChangeSet")).isEqualTo(1);
    JsonNode repeated = lastPayload(id, Attempts.REPEATED);
    assertThat(repeated.get("handled").asText()).isEqualTo("verified");
    assertThat(repeated.get("detail").asText()).contains("executed before");
    end(id);
  }

  private static String sha() {
    return StackPlans.sha256(NEW_TEMPLATE);
  }
}
