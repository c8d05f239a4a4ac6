/**
 * The release manifest: records, reading (JSON or YAML) and validation with JSON-path field errors,
 * rules, the configured environments (countersign.environments), and the RFC 8785 canonical form
 * its digest is taken of. A leaf: it imports no other Countersign package, only the JDK, Jakarta,
 * Jackson, Spring, SnakeYAML and SLF4J (ArchitectureTest).
 */
package io.countersign.manifest;
