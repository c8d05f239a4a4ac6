package io.countersign.process;

/** Task priority an escalated sign-off gets; the "Overdue" Tasklist filter selects it. */
public final class EscalationPriority {
  public static final int VALUE = 80;

  private EscalationPriority() {}
}
