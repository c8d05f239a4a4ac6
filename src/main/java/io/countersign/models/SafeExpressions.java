package io.countersign.models;

import java.util.Optional;
import java.util.Set;
import java.util.function.Predicate;

/**
 * The expression subset a model may use: variable references, literals, comparisons, arithmetic and
 * boolean operators, the conditional and {@code empty}. No property access, no indexing, no method
 * or function calls, no lambdas or assignment, and no names that resolve to anything but a variable
 * (Spring beans, {@code execution}, {@code task}, ...). What such an expression can do is read
 * variables and compute a value; it cannot reach Java.
 */
final class SafeExpressions {
  /** Names the engine's resolvers give objects rather than variables. */
  private static final Set<String> CONTEXT_OBJECTS =
      Set.of(
          "execution",
          "task",
          "externalTask",
          "caseExecution",
          "variableScope",
          "authenticatedUserId",
          "connector",
          "processEngine",
          "processEngineConfiguration");

  private static final Set<String> KEYWORDS =
      Set.of(
          "and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "div", "mod", "empty", "true",
          "false", "null");
  private static final Set<String> REFUSED_KEYWORDS = Set.of("instanceof", "new", "class");
  private static final Set<String> TWO_CHARACTER_OPERATORS =
      Set.of("==", "!=", "<=", ">=", "&&", "||");

  private SafeExpressions() {}

  /**
   * Why the text is outside the subset, or empty when it is inside. Text without {@code ${} or {@code #{} is
   * a literal and always fine.
   *
   * @param isBean whether a name is a bean the expression would reach instead of a variable
   */
  static Optional<String> problem(String text, Predicate<String> isBean) {
    int i = 0;
    while (i < text.length()) {
      int start = nextExpression(text, i);
      if (start < 0) {
        return Optional.empty();
      }
      int end = closingBrace(text, start + 2);
      if (end < 0) {
        return Optional.of("unterminated expression");
      }
      Optional<String> problem = checkBody(text.substring(start + 2, end), isBean);
      if (problem.isPresent()) {
        return problem;
      }
      i = end + 1;
    }
    return Optional.empty();
  }

  private static int nextExpression(String text, int from) {
    int dollar = text.indexOf("${", from);
    int hash = text.indexOf("#{", from);
    return dollar < 0 ? hash : hash < 0 ? dollar : Math.min(dollar, hash);
  }

  /** The '}' that ends the expression, skipping braces inside string literals. */
  private static int closingBrace(String text, int from) {
    char quote = 0;
    for (int i = from; i < text.length(); i++) {
      char c = text.charAt(i);
      if (quote != 0) {
        if (c == '\\') {
          i++;
        } else if (c == quote) {
          quote = 0;
        }
      } else if (c == '\'' || c == '"') {
        quote = c;
      } else if (c == '}') {
        return i;
      } else if (c == '{') {
        return -1; // nested braces only appear in EL 3 collection literals and lambdas: not in the
        // subset
      }
    }
    return -1;
  }

  private static Optional<String> checkBody(String body, Predicate<String> isBean) {
    int i = 0;
    while (i < body.length()) {
      char c = body.charAt(i);
      if (Character.isWhitespace(c)) {
        i++;
      } else if (c == '\'' || c == '"') {
        int end = endOfString(body, i);
        if (end < 0) {
          return Optional.of("unterminated string");
        }
        i = end + 1;
      } else if (Character.isDigit(c)) {
        i = endOfNumber(body, i);
      } else if (Character.isJavaIdentifierStart(c)) {
        int end = i;
        while (end < body.length() && Character.isJavaIdentifierPart(body.charAt(end))) {
          end++;
        }
        String name = body.substring(i, end);
        int next = skipWhitespace(body, end);
        if (next < body.length()
            && (body.charAt(next) == '('
                || body.charAt(next) == ':' && isFunctionPrefix(body, next))) {
          return Optional.of("calls '" + name + "': function and method calls are not allowed");
        }
        if (REFUSED_KEYWORDS.contains(name)) {
          return Optional.of("uses '" + name + "'");
        }
        if (!KEYWORDS.contains(name)) {
          if (CONTEXT_OBJECTS.contains(name)) {
            return Optional.of("uses '" + name + "': only process variables may be referenced");
          }
          if (isBean.test(name)) {
            return Optional.of(
                "uses bean '"
                    + name
                    + "': beans are reached only through a task's delegate expression");
          }
        }
        i = end;
      } else if (c == '.' || c == '[' || c == ']') {
        return Optional.of("uses '" + c + "': property access and indexing are not allowed");
      } else if (i + 1 < body.length()
          && TWO_CHARACTER_OPERATORS.contains(body.substring(i, i + 2))) {
        i += 2;
      } else if ("<>!+-*/%?:()".indexOf(c) >= 0) {
        if (c == '-' && i + 1 < body.length() && body.charAt(i + 1) == '>') {
          return Optional.of("uses a lambda");
        }
        i++;
      } else {
        return Optional.of("uses '" + c + "'");
      }
    }
    return Optional.empty();
  }

  // "fn:name(" is a function call; a ':' of the conditional operator is followed by an operand
  // instead.
  private static boolean isFunctionPrefix(String body, int colon) {
    int i = skipWhitespace(body, colon + 1);
    int start = i;
    while (i < body.length() && Character.isJavaIdentifierPart(body.charAt(i))) {
      i++;
    }
    return i > start
        && skipWhitespace(body, i) < body.length()
        && body.charAt(skipWhitespace(body, i)) == '(';
  }

  private static int skipWhitespace(String s, int i) {
    while (i < s.length() && Character.isWhitespace(s.charAt(i))) {
      i++;
    }
    return i;
  }

  private static int endOfString(String body, int start) {
    char quote = body.charAt(start);
    for (int i = start + 1; i < body.length(); i++) {
      if (body.charAt(i) == '\\') {
        i++;
      } else if (body.charAt(i) == quote) {
        return i;
      }
    }
    return -1;
  }

  private static int endOfNumber(String body, int start) {
    int i = start;
    while (i < body.length()
        && (Character.isDigit(body.charAt(i))
            || body.charAt(i) == '.'
            || body.charAt(i) == 'e'
            || body.charAt(i) == 'E'
            || (body.charAt(i) == '-' || body.charAt(i) == '+')
                && (body.charAt(i - 1) == 'e' || body.charAt(i - 1) == 'E'))) {
      i++;
    }
    return i;
  }
}
