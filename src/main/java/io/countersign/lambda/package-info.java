/**
 * AWS Lambda target capability: update code, publish a version, shift the alias's traffic step by
 * step through a gate (the TrafficGate port), revert on rollback. It may import manifest, process,
 * evidence, aws and other targets' ports only; never release, signoff, engine, identity or models
 * (ArchitectureTest).
 */
package io.countersign.lambda;
