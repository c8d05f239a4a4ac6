/**
 * Kubernetes target capability (fabric8): roll out image changes to Deployments and StatefulSets,
 * check the rollout in a timer loop, undo it on rollback. It may import manifest, process, evidence
 * and other targets' ports only; never release, signoff, engine, identity or models
 * (ArchitectureTest).
 */
package io.countersign.kubernetes;
