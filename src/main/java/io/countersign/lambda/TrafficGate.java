package io.countersign.lambda;

import io.countersign.manifest.ReleaseManifest;

/**
 * The check between two traffic steps of a canary or linear shift: may the new version get more
 * traffic? Every bean implementing it is asked (the verification capability plugs its health checks
 * and metric gates in here); with none, the shift goes on after each hold.
 */
public interface TrafficGate {

  /** A short name for the evidence, e.g. "health-checks". */
  String name();

  /**
   * Asked after {@code function} held {@code percent} % of the traffic for the step's hold time.
   */
  Result check(String releaseId, ReleaseManifest manifest, String function, int percent);

  /**
   * Whether the gate lets the shift go on, and why (shown in the evidence and, on failure, the
   * rollback reason).
   */
  record Result(boolean passed, String detail) {}
}
