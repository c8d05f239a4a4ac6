package io.countersign.compliance;

import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;

/**
 * A report's period: whole UTC days, both ends included. Without dates, the last 30 days up to
 * today; a longer span than {@link #MAX_DAYS} is refused, since every chain touched in it is read
 * and verified.
 */
record ReportPeriod(LocalDate from, LocalDate to) {
  static final int DEFAULT_DAYS = 30;
  static final int MAX_DAYS = 400;

  /** The first instant of the period. */
  Instant start() {
    return from.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** The first instant after the period. */
  Instant end() {
    return to.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  boolean contains(Instant instant) {
    return !instant.isBefore(start()) && instant.isBefore(end());
  }

  /**
   * Reads the query parameters; every bad one is named in the 400 problem the API answers (paths
   * {@code $.query.from}, {@code $.query.to}, as the release list names its own).
   */
  static ReportPeriod parse(String from, String to, LocalDate today) {
    FieldErrors errors = new FieldErrors();
    LocalDate start = date(from, "$.query.from", errors);
    LocalDate end = date(to, "$.query.to", errors);
    if (!errors.isEmpty()) {
      throw InvalidManifestException.ofRequest(errors.list());
    }
    if (end == null) {
      end = start == null ? today : start.plusDays(DEFAULT_DAYS - 1L);
    }
    if (start == null) {
      start = end.minusDays(DEFAULT_DAYS - 1L);
    }
    if (end.isBefore(start)) {
      errors.add("$.query.to", "must not be before from (" + start + ")");
    } else if (ChronoUnit.DAYS.between(start, end) + 1 > MAX_DAYS) {
      errors.add(
          "$.query.to",
          "the period may span at most "
              + MAX_DAYS
              + " days (from "
              + start
              + ", to "
              + start.plusDays(MAX_DAYS - 1L)
              + " at the latest)");
    }
    if (!errors.isEmpty()) {
      throw InvalidManifestException.ofRequest(errors.list());
    }
    return new ReportPeriod(start, end);
  }

  private static LocalDate date(String value, String path, FieldErrors errors) {
    if (value == null || value.isEmpty()) {
      return null;
    }
    try {
      return LocalDate.parse(value);
    } catch (DateTimeParseException wrong) {
      errors.add(path, "must be a date as YYYY-MM-DD (UTC)");
      return null;
    }
  }
}
