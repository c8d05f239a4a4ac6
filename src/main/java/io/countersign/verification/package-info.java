/**
 * Verification target capability: health checks, smoke tests, data checks, metric gates (Prometheus
 * and CloudWatch) and CloudWatch alarm gates during Lambda traffic shifting and the bake window,
 * and the check that a rollback restored things. It may import manifest, process, evidence, aws and
 * other targets' ports (lambda's TrafficGate, which it implements); never release, signoff, engine,
 * identity or models.
 */
package io.countersign.verification;
