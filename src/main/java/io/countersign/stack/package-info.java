/**
 * SAM / CloudFormation stack target capability: a change set planned from the signed template
 * before the sign-off (its summary on the approvers' form and in the evidence), executed after
 * them, awaited in a timer loop, and undone in the rollback with the previous template (or by
 * deleting a stack the release created). It may import manifest, process, evidence and aws only;
 * never release, signoff, engine, identity or models (ArchitectureTest).
 */
package io.countersign.stack;
