package io.countersign.webhook;

/**
 * Port to the configured webhook endpoints: one POST per call and no retries of its own (the engine
 * retries the job). The adapter comes from {@code countersign.targets.webhooks.mode}.
 */
interface WebhookTarget {

  /**
   * Posts the notice to its endpoint. An answer a retry would not change (2xx, or a refusal: 3xx,
   * 4xx) is returned; one it may change (5xx, 408, 429, I/O, no answer in time) is thrown as {@link
   * Unavailable}.
   */
  Delivery post(Notice notice);

  /**
   * One notice for one endpoint. {@code id} is the same in every attempt of the same notice, so an
   * endpoint that saw it already can tell a repeat; {@code body} is the exact JSON text that is
   * signed and sent.
   */
  record Notice(String endpoint, String id, String type, String body) {}

  /** How the endpoint answered: status 0 and {@code dryRun} when nothing was sent. */
  record Delivery(int status, boolean accepted, boolean dryRun, String detail) {}

  /** The endpoint could not take the notice now; the message names the endpoint, never its URL. */
  class Unavailable extends RuntimeException {

    Unavailable(String message, Throwable cause) {
      super(message, cause);
    }
  }
}
