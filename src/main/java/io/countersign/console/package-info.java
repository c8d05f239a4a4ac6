/**
 * The release console at {@code /console}: static pages (plain HTML, CSS and JavaScript modules,
 * bpmn-js from its webjar) on the release API, which answers them under {@code /console/api} in the
 * console's own security chain (identity's {@code SecurityConfig}). This package only routes the
 * pages' addresses and hands out the CSRF cookie; the data, the rules and the actions are the
 * API's. Imports only manifest (the configured environments) and identity (the roles' labels);
 * nothing imports it.
 */
package io.countersign.console;
