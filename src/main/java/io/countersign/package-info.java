/**
 * Countersign: software releases run as BPMN processes on the Camunda 7 engine, with sign-offs,
 * step-by-step deployment, verification, rollback and a keyed evidence log. This package holds only
 * the Spring Boot application; the capabilities live in the sub-packages (ARCHITECTURE.md).
 */
package io.countersign;
