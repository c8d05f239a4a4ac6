/**
 * Database target capability: backup (pg_dump or H2 script), Flyway migration under an advisory
 * lock, rollback scripts and backup restore as compensation, schema fingerprints. It may import
 * manifest, process, evidence and other targets' ports only; never release, signoff, engine,
 * identity or models (ArchitectureTest).
 */
package io.countersign.database;
