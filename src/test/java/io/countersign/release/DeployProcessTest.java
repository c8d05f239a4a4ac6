package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * deploy.bpmn: a failure at each step compensates exactly the completed steps, in reverse order.
 */
class DeployProcessTest extends ProcessTestSupport {
  private static final List<String> HANDLERS =
      List.of("undoRollout", "restoreFrontend", "revertLambda", "restoreDatabase");

  @ParameterizedTest(name = "failure at {0} undoes [{1}]")
  @CsvSource(
      delimiter = ';',
      value = {
        "backupDatabase;",
        "migrateDatabase;restoreDatabase",
        "deployLambda;revertLambda restoreDatabase",
        "publishFrontend;revertLambda restoreDatabase",
        "rolloutKubernetes;undoRollout restoreFrontend revertLambda restoreDatabase",
        "awaitRollout;undoRollout restoreFrontend revertLambda restoreDatabase",
        "verifyRelease;undoRollout restoreFrontend revertLambda restoreDatabase",
        "watchMetrics;undoRollout restoreFrontend revertLambda restoreDatabase"
      })
  void aFailedStepCompensatesTheCompletedStepsInReverseOrder(String step, String undone) {
    ObjectNode manifest = example("staging");
    manifest.putObject("drill").put("failAt", step);
    String id = submit(manifest);
    approveAll(id);

    List<String> expected = undone == null ? List.of() : Arrays.asList(undone.split(" "));
    List<String> compensated =
        activities(id, "deploy").stream().filter(HANDLERS::contains).toList();
    assertThat(compensated).containsExactlyElementsOf(expected);
    assertThat(status(id)).isEqualTo("rolled-back");
    assertThat(statusReason(id)).contains("Rollback drill");
    assertThat(activities(id, "deploy"))
        .contains("startRollback", "verifyRestoration", "rolledBackEnd");
    assertThat(activities(id, "release")).endsWith("rolledBackEnd");
    assertThat(evidenceTypes(id)).contains("rollback-started");
    assertThat(evidence.verify(id).valid()).isTrue();
  }
}
