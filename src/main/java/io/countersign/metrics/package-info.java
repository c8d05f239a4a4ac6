/**
 * Countersign's own meters for Prometheus ({@code countersign.*}, served at /actuator/prometheus):
 * gauges read from the release read model and the engine on a schedule, timers and counters fed by
 * committed evidence ({@link io.countersign.evidence.EvidenceObserver}) and by the engine's history
 * events. It counts, it never decides: a meter that fails is logged and never reaches a step. It
 * may import evidence, manifest (environments) and identity (role names); nothing imports it.
 */
package io.countersign.metrics;
