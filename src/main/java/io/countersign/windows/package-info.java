/**
 * Change windows and freezes: the recurring windows each environment may change in and the named
 * freezes (configuration {@code countersign.change-windows}), the arithmetic of when an environment
 * is open and when it opens next ({@link io.countersign.windows.ChangeCalendar}), and the step that
 * checks them when deployment would start ({@code checkChangeWindow}). It may import manifest,
 * process, evidence and signoff (whether an emergency override is in force); nothing imports it.
 */
package io.countersign.windows;
