/**
 * The command-line client for pipelines ({@code java -jar countersign.jar cli <command>}): submit,
 * wait, status, rollback and evidence over the REST API with java.net.http, credentials from the
 * environment. It starts no Spring and imports no other Countersign package, only the JDK, Jackson
 * and picocli (ArchitectureTest), so it could ship as a jar of its own.
 */
package io.countersign.cli;
