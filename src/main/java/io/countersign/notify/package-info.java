/**
 * Notifications (issue 16): events about releases written to an outbox in the transaction that
 * caused them ({@link io.countersign.notify.Notifications}), delivered afterwards with retries and
 * back-off ({@link io.countersign.notify.OutboxDeliverer}) to the configured channels (outgoing
 * webhooks as signed CloudEvents, Slack, Teams, e-mail over SMTP, PagerDuty), each attempt in the
 * release's evidence and in metrics, a failing channel in health. It imports evidence only;
 * release, signoff and engine publish into it.
 */
package io.countersign.notify;
