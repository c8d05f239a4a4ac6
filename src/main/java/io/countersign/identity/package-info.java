/**
 * Who users are and what they may reach: Countersign's groups, the engine authorizations and
 * Tasklist filters created at start-up, HTTP Basic/OIDC authentication and login throttling.
 * Targets never import it (ArchitectureTest); it may import process.
 */
package io.countersign.identity;
