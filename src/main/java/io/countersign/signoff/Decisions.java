package io.countersign.signoff;

/** Form values arrive as strings, possibly blank; blank means "not given". */
final class Decisions {
  private Decisions() {}

  static String text(Object value) {
    if (value == null) {
      return null;
    }
    String s = value.toString().trim();
    return s.isEmpty() ? null : s;
  }
}
