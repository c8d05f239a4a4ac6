/**
 * The release API under /api and what starts, queries, cancels and rolls back releases: the
 * controller, service, read model and statuses, and the delegates of release.bpmn's own steps. It
 * sits on top and may import manifest, process, evidence, identity, models, signoff, cluster and
 * notify; no other package imports it.
 */
package io.countersign.release;
