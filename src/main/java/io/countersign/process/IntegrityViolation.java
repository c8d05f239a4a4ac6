package io.countersign.process;

import org.camunda.bpm.engine.ProcessEngineException;

/**
 * What a release rests on does not add up: the stored manifest does not match its digest, a step
 * runs without an authorization for that digest, or the variables claim a sign-off the tables do
 * not hold. Never retried: the job that meets it stops at once with an incident, and the violation
 * is written to the release's evidence in a transaction of its own (see the engine's
 * ImmediateIncidents).
 */
public class IntegrityViolation extends ProcessEngineException {
  private final String releaseId;

  public IntegrityViolation(String releaseId, String message) {
    super("Integrity violation in release " + releaseId + ": " + message);
    this.releaseId = releaseId;
  }

  public String releaseId() {
    return releaseId;
  }
}
