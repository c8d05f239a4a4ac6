package io.countersign.notify;

/** Cutting texts from events to the length a receiving service accepts. */
final class Texts {
  private Texts() {}

  /**
   * The text, or, when longer than {@code max} characters, its start and "…" in {@code max}
   * characters; never splits a surrogate pair (a cut emoji is an invalid string to the receiver).
   */
  static String cut(String text, int max) {
    if (text == null || text.length() <= max) {
      return text;
    }
    int end = max - 1;
    if (Character.isHighSurrogate(text.charAt(end - 1))) {
      end--;
    }
    return text.substring(0, end) + "…";
  }
}
