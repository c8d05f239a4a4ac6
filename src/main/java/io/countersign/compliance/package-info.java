/**
 * The periodic compliance report: what an auditor asks for a period (releases per environment and
 * status, sign-offs by person and role, emergency overrides and their reviews, rollbacks and their
 * causes) and the findings still open, as JSON and as a printable page. It reads the facts from the
 * evidence chains, which cannot be rewritten without detection, and verifies every chain it reads,
 * rather than from the read model the process keeps; every export and every refused attempt goes
 * into the evidence-access chain. It may import evidence, identity and manifest (for the field
 * errors of the API's problems); nothing imports it.
 */
package io.countersign.compliance;
