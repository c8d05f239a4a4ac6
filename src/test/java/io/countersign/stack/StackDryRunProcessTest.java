package io.countersign.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;
import org.springframework.test.context.TestPropertySource;

/**
 * The stack target in dry-run: every path of both models is walked and recorded, nothing is read or
 * changed (no AWS endpoint is configured at all, so a call would fail the test).
 */
@TestPropertySource(
    properties = {
      "countersign.targets.stack.mode=dry-run",
      "countersign.targets.stack.targets.hospital-aws.region=eu-west-1",
      "countersign.targets.stack.targets.hospital-aws.artifact-buckets[0]="
          + StackProcessSupport.BUCKET,
      "countersign.targets.stack.targets.hospital-aws.stack-names[0]=hospital-integration"
    })
class StackDryRunProcessTest extends StackProcessSupport {
  private static final String UNCHECKED = "c".repeat(64);

  @Test
  void aDryRunReleaseRecordsThePlanAndTheExecutionAndChangesNothing() {
    String id = planned(withStack("hospital-integration", UNCHECKED));

    assertThat(formVariable(id)).contains("dry run").contains("not known");
    assertThat(lastPayload(id, "stack-plan-started").get("templateChecked").asBoolean()).isFalse();
    assertThat(lastPayload(id, "stack-planned").get("dryRun").asBoolean()).isTrue();
    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("released");
    assertThat(lastPayload(id, "stack-change-executed").get("dryRun").asBoolean()).isTrue();
    assertThat(lastPayload(id, "stack-updated").get("dryRun").asBoolean()).isTrue();
    end(id);
  }

  @Test
  void aDryRunRollbackWalksTheUndo() {
    ObjectNode manifest = withStack("hospital-integration", UNCHECKED);
    manifest.putObject("drill").put("failAt", "publishFrontend");
    String id = planned(manifest);
    approveAll(id);
    settle(id);

    assertThat(status(id)).as(jobFailures(id)).isEqualTo("rolled-back");
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "stack-change-executed", "stack-undo-started", "stack-undo-executed", "stack-undone");
  }
}
