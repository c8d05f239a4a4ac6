/**
 * Webhook notice target capability: post a deployment notice to configured endpoints (named in the
 * manifest, URLs only in configuration) before verification, and a rollback notice when the release
 * is rolled back. The smallest target type, and the proof of CONTRIBUTING.md's checklist. It may
 * import manifest, process and evidence only; never release, signoff, engine, identity or models
 * (ArchitectureTest).
 */
package io.countersign.webhook;
