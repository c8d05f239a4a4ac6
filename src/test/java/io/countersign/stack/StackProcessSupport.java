package io.countersign.stack;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import java.util.List;
import org.camunda.bpm.engine.task.Task;

/** What the stack's process tests share: a manifest with a stack, and driving its wait loops. */
abstract class StackProcessSupport extends ProcessTestSupport {
  static final String BUCKET = "hospital-artifacts";
  static final String KEY = "sam/hospital-integration/1.4.2/packaged.yaml";

  protected ObjectNode withStack(String name, String sha256) {
    ObjectNode manifest = example("staging");
    ObjectNode stack = manifest.putObject("stack");
    stack.put("target", "hospital-aws").put("name", name);
    stack.putObject("template").put("bucket", BUCKET).put("key", KEY).put("sha256", sha256);
    return manifest;
  }

  /** Submits and lets the planning finish: the sign-off tasks are open. */
  protected String planned(ObjectNode manifest) {
    String id = submit(manifest);
    settle(id);
    assertThat(openTasks(id, "approveRelease")).as(statusReason(id)).isNotEmpty();
    return id;
  }

  /** Runs jobs and fires the stack loops' timers until none waits. */
  protected void settle(String id) {
    runJobs();
    for (int round = 0; round < 40; round++) {
      boolean fired = false;
      for (String timer : List.of("stackPlanPoll", "stackPoll", "undoStackPoll")) {
        if (hasTimer(id, timer)) {
          fireTimer(id, timer);
          fired = true;
        }
      }
      if (!fired) {
        return;
      }
    }
    throw new AssertionError("the stack loops kept waiting");
  }

  /** What the release's jobs failed with, for the assertion messages. */
  protected String jobFailures(String id) {
    return management.createJobQuery().withException().list().stream()
            .filter(
                j ->
                    id.equals(
                        runtime
                                    .createProcessInstanceQuery()
                                    .processInstanceId(j.getProcessInstanceId())
                                    .singleResult()
                                == null
                            ? null
                            : runtime
                                .createProcessInstanceQuery()
                                .processInstanceId(j.getProcessInstanceId())
                                .singleResult()
                                .getBusinessKey()))
            .map(j -> j.getExceptionMessage())
            .toList()
        + " "
        + evidenceTypes(id);
  }

  protected String formVariable(String id) {
    Task task = openTasks(id, "approveRelease").get(0);
    return (String) tasks.getVariable(task.getId(), StackCapability.CHANGE_SET_TEXT);
  }

  protected void end(String id) {
    if (hasTimer(id, "rollbackWindowOver")) {
      fireTimer(id, "rollbackWindowOver");
    }
  }
}
