/**
 * Notifications (issue 16): events about releases written to an outbox in the transaction that
 * caused them ({@link io.countersign.notify.Notifications}), delivered afterwards with retries and
 * back-off ({@link io.countersign.notify.OutboxDeliverer}) to the configured channels (so far:
 * generic outgoing webhooks, as signed CloudEvents), each attempt in the release's evidence, a
 * failing channel in health. It imports evidence only; release publishes into it.
 */
package io.countersign.notify;
