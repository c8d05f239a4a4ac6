package io.countersign.signoff;

import io.countersign.process.Variables;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.Date;
import org.camunda.bpm.engine.delegate.DelegateTask;
import org.camunda.bpm.engine.impl.util.ClockUtil;

/**
 * A sign-off task's follow-up date is its escalation and its due date its expiry, both from the
 * release policy: the boundary timers start with the task, so the dates are the task's creation
 * plus the policy's durations. Tasklist shows and sorts by them; the timers still decide.
 */
final class SignOffDeadlines {
  private SignOffDeadlines() {}

  static void apply(DelegateTask task) {
    if (!"approveRelease".equals(task.getTaskDefinitionKey())) {
      return;
    }
    Date now = task.getCreateTime() != null ? task.getCreateTime() : ClockUtil.getCurrentTime();
    Date followUp = after(now, task.getVariable(Variables.ESCALATION_AFTER));
    if (followUp != null) {
      task.setFollowUpDate(followUp);
    }
    Date due = after(now, task.getVariable(Variables.EXPIRY_AFTER));
    if (due != null) {
      task.setDueDate(due);
    }
  }

  /** {@code now} plus the ISO-8601 duration, or null when there is none (or one in months). */
  private static Date after(Date now, Object duration) {
    if (duration == null) {
      return null;
    }
    try {
      return Date.from(now.toInstant().plus(Duration.parse(duration.toString())));
    } catch (DateTimeParseException e) {
      return null;
    }
  }
}
