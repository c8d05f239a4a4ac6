package io.countersign.webhook;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends nothing; the evidence records what a live run would have posted (endpoint, notice id,
 * digest of the body).
 */
class DryRunWebhookTarget implements WebhookTarget {
  private static final Logger log = LoggerFactory.getLogger(DryRunWebhookTarget.class);

  @Override
  public Delivery post(Notice notice) {
    String plan =
        "dry-run: would post "
            + notice.type()
            + " to endpoint "
            + notice.endpoint()
            + " as "
            + notice.id();
    log.info("{}", plan);
    return new Delivery(0, true, true, plan);
  }
}
