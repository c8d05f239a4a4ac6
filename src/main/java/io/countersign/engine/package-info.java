/**
 * Camunda engine configuration and hardening: the pre-command guard on every user-issued command
 * (UserCommandGuard), task-form field allow-lists, immediate incidents for integrity violations,
 * the database role check and the engine's schema under Flyway. Engine-specific code stays here so
 * a switch of engine line stays small; it may import process, identity and evidence.
 */
package io.countersign.engine;
