/**
 * Verification target capability: health checks, smoke tests, data checks and Prometheus metric
 * gates during the bake window, and the check that a rollback restored things. It may import
 * manifest, process, evidence and other targets' ports (lambda's TrafficGate, which it implements);
 * never release, signoff, engine, identity or models.
 */
package io.countersign.verification;
