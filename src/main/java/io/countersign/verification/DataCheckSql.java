package io.countersign.verification;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * What a data check's SQL may be: one SELECT (or WITH ... SELECT), nothing that writes. The checks
 * also run in a read-only transaction with a statement timeout; this refusal at submission tells
 * the requester early and is the only guard on databases that ignore the read-only flag (H2). The
 * migration itself runs arbitrary SQL of the same release with the same credentials, so this is a
 * guard against mistakes, not a security boundary.
 */
final class DataCheckSql {
  static final int MAX_LENGTH = 4000;
  private static final Pattern START = Pattern.compile("(?is)\\s*(SELECT|WITH)\\s.*");
  // Words that write, change the session or lock, wherever they appear (a column called "update"
  // must be quoted differently, e.g. renamed in a view; rare enough to accept).
  private static final Pattern WRITES =
      Pattern.compile(
          "(?i)\\b(INSERT|UPDATE|DELETE|MERGE|UPSERT|DROP|ALTER|CREATE|TRUNCATE|GRANT|REVOKE|CALL|EXECUTE|EXEC"
              + "|COPY|LOCK|SET|INTO|COMMIT|ROLLBACK|SAVEPOINT|VACUUM|ANALYZE|REFRESH|NEXTVAL|SETVAL)\\b");

  private DataCheckSql() {}

  /** Why {@code sql} is refused, or null when it is one read-only query. */
  static String refusal(String sql) {
    if (sql == null || sql.isBlank()) {
      return null; // Bean Validation reports the missing value
    }
    if (sql.length() > MAX_LENGTH) {
      return "must be at most " + MAX_LENGTH + " characters";
    }
    if (sql.indexOf(';') >= 0) {
      return "must be a single statement without ';'";
    }
    if (sql.contains("--") || sql.contains("/*")) {
      return "must not contain comments";
    }
    if (!START.matcher(sql).matches()) {
      return "must be a query starting with SELECT or WITH";
    }
    Matcher write = WRITES.matcher(sql);
    if (write.find()) {
      return "must only read: '"
          + write.group(1).toUpperCase(Locale.ROOT)
          + "' is not allowed in a data check";
    }
    return null;
  }
}
