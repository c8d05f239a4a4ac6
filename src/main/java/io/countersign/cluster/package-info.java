/**
 * Running as one node of several on one database: the node's identity, job leases that a node
 * renews while it works on a job (so a node that is gone holds nothing for long), the node
 * heartbeat, the database's reachability, and what the jobs of a release are waiting for. It
 * imports no Countersign package; the release API and the health endpoint read it.
 */
package io.countersign.cluster;
