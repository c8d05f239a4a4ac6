/**
 * AWS SDK v2 plumbing shared by the live adapters and the S3 checkpoint sink: clients per target
 * settings (region, assumed role, endpoint, timeouts, retries) and the mapping of SDK failures to
 * retryable or refused. Imports no other Countersign package.
 */
package io.countersign.aws;
