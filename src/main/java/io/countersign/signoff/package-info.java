/**
 * Sign-off: the release policy (DMN) facts, four-eyes and role rules enforced in the engine from
 * cs_task, escalation and expiry, the emergency override protocol, and the start-deployment gate
 * that checks the signed digest. It may import manifest, process, evidence, identity and models,
 * never release (ArchitectureTest: no cycles).
 */
package io.countersign.signoff;
