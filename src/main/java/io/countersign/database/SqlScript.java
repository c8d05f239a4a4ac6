package io.countersign.database;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Splits a rollback script into statements at the semicolons that end them. Knows PostgreSQL's
 * lexical rules where a semicolon does not end a statement: string literals ('' and E'\''), quoted
 * identifiers, dollar-quoted bodies ($$ or $tag$, as in functions and DO blocks) and comments (--
 * and nested block comments). Spring's ScriptUtils cuts dollar-quoted bodies apart.
 */
final class SqlScript {
  private SqlScript() {}

  static List<String> statements(String script) {
    List<String> statements = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    boolean content = false; // anything but whitespace and comments since the last semicolon
    int i = 0;
    int n = script.length();
    while (i < n) {
      char c = script.charAt(i);
      int end;
      if (c == '-' && next(script, i) == '-') {
        end = script.indexOf('\n', i);
        end = end < 0 ? n : end;
      } else if (c == '/' && next(script, i) == '*') {
        end = blockCommentEnd(script, i);
      } else if (c == '\'') {
        end = quotedEnd(script, i, '\'', escapeString(script, i));
        content = true;
      } else if (c == '"') {
        end = quotedEnd(script, i, '"', false);
        content = true;
      } else if (c == '$' && dollarTag(script, i) != null) {
        String tag = dollarTag(script, i);
        int close = script.indexOf(tag, i + tag.length());
        if (close < 0) {
          throw new IllegalArgumentException("unterminated dollar-quoted string " + tag);
        }
        end = close + tag.length();
        content = true;
      } else if (c == ';') {
        if (content) {
          statements.add(current.toString().strip());
        }
        current.setLength(0);
        content = false;
        i++;
        continue;
      } else {
        end = i + 1;
        content |= !Character.isWhitespace(c);
      }
      current.append(script, i, end);
      i = end;
    }
    if (content) {
      statements.add(current.toString().strip());
    }
    return statements;
  }

  /**
   * Whether the statement starts or ends a transaction, which would break the one-transaction
   * rollback.
   */
  static boolean controlsTransaction(String statement) {
    String first = firstWord(statement);
    return List.of("BEGIN", "START", "COMMIT", "END", "ROLLBACK", "ABORT", "SAVEPOINT", "RELEASE")
        .contains(first);
  }

  private static String firstWord(String statement) {
    String code = statement.replaceAll("(?s)^(\\s*(--[^\\n]*(\\n|$)|/\\*.*?\\*/))*\\s*", "");
    int end = 0;
    while (end < code.length() && Character.isLetter(code.charAt(end))) {
      end++;
    }
    return code.substring(0, end).toUpperCase(Locale.ROOT);
  }

  private static char next(String s, int i) {
    return i + 1 < s.length() ? s.charAt(i + 1) : '\0';
  }

  /** Block comments nest in PostgreSQL. */
  private static int blockCommentEnd(String s, int start) {
    int depth = 0;
    int i = start;
    while (i < s.length()) {
      if (s.startsWith("/*", i)) {
        depth++;
        i += 2;
      } else if (s.startsWith("*/", i)) {
        depth--;
        i += 2;
        if (depth == 0) {
          return i;
        }
      } else {
        i++;
      }
    }
    throw new IllegalArgumentException("unterminated block comment");
  }

  /** E'...' strings take backslash escapes; a doubled quote is a quote in every kind. */
  private static int quotedEnd(String s, int start, char quote, boolean backslashEscapes) {
    int i = start + 1;
    while (i < s.length()) {
      char c = s.charAt(i);
      if (backslashEscapes && c == '\\') {
        i += 2;
      } else if (c == quote) {
        if (next(s, i) == quote) {
          i += 2;
        } else {
          return i + 1;
        }
      } else {
        i++;
      }
    }
    throw new IllegalArgumentException(
        "unterminated " + (quote == '"' ? "quoted identifier" : "string literal"));
  }

  private static boolean escapeString(String s, int quote) {
    return quote > 0
        && (s.charAt(quote - 1) == 'E' || s.charAt(quote - 1) == 'e')
        && (quote == 1 || !identifierPart(s.charAt(quote - 2)));
  }

  /** $$ or $tag$ at i, unless the $ belongs to an identifier or a parameter such as $1. */
  private static String dollarTag(String s, int i) {
    if (i > 0 && identifierPart(s.charAt(i - 1))) {
      return null;
    }
    int j = i + 1;
    if (j < s.length() && Character.isDigit(s.charAt(j))) {
      return null;
    }
    while (j < s.length() && s.charAt(j) != '$') {
      if (!identifierPart(s.charAt(j))) {
        return null;
      }
      j++;
    }
    return j < s.length() ? s.substring(i, j + 1) : null;
  }

  private static boolean identifierPart(char c) {
    return Character.isLetterOrDigit(c) || c == '_';
  }
}
