/**
 * What every step uses: step support and its start, the names of process variables, the manifest
 * store with its digest check, the integrity violation, shared listeners. It depends on no
 * Countersign package but manifest and evidence (ArchitectureTest).
 */
package io.countersign.process;
