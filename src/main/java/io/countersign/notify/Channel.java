package io.countersign.notify;

import java.time.Instant;

/**
 * Where events go: one configured webhook, Slack or Teams incoming webhook, e-mail route or
 * PagerDuty service. {@link OutboxDeliverer} calls {@link #send} once per attempt, outside any
 * transaction; an implementation never throws for a failed send, it answers an {@link Outcome}
 * whose error names the channel, never its URL, key or recipients.
 */
interface Channel {
  /** One attempt. Which events come here is the configuration's business (Routed). */
  Outcome send(Event event, Instant now);

  /**
   * What one attempt came to: the HTTP status or SMTP reply code (0 when none came) and, when it
   * failed, why. {@code skipped}: nothing was due here (e.g. no recipient), which counts as
   * delivered.
   */
  record Outcome(boolean delivered, int statusCode, String error, String note) {
    static Outcome delivered(int statusCode) {
      return new Outcome(true, statusCode, null, null);
    }

    static Outcome skipped(String note) {
      return new Outcome(true, 0, null, note);
    }

    static Outcome failed(int statusCode, String error) {
      return new Outcome(false, statusCode, error, null);
    }
  }
}
