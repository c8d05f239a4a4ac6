package io.countersign.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The benchmark's table: each figure for Countersign, the bare engine when it has one, and the
 * ratio.
 */
final class Report {
  /** One figure; the ratio is always Countersign over the bare engine. */
  record Row(String figure, double countersign, double bare, String unit) {
    String ratio() {
      if (Double.isNaN(bare) || bare == 0 || Double.isNaN(countersign)) {
        return "";
      }
      return String.format(Locale.ROOT, "%.2f×", countersign / bare);
    }
  }

  private final List<String> notes = new ArrayList<>();
  private final List<Row> rows = new ArrayList<>();

  void note(String note) {
    notes.add(note);
  }

  void row(String figure, double countersign, double bare, String unit) {
    rows.add(new Row(figure, countersign, bare, unit));
  }

  List<Row> rows() {
    return List.copyOf(rows);
  }

  String markdown() {
    StringBuilder s = new StringBuilder();
    notes.forEach(n -> s.append("- ").append(n).append('\n'));
    s.append('\n')
        .append("| figure | Countersign | bare engine | ratio |\n")
        .append("|---|---:|---:|---:|\n");
    for (Row r : rows) {
      s.append("| ")
          .append(r.figure())
          .append(" | ")
          .append(format(r.countersign(), r.unit()))
          .append(" | ")
          .append(Double.isNaN(r.bare()) ? "" : format(r.bare(), r.unit()))
          .append(" | ")
          .append(r.ratio())
          .append(" |\n");
    }
    return s.toString();
  }

  private static String format(double value, String unit) {
    if (Double.isNaN(value)) {
      return "n/a";
    }
    String number =
        value >= 100 || value == Math.rint(value)
            ? String.format(Locale.ROOT, "%,.0f", value)
            : String.format(Locale.ROOT, "%.2f", value);
    return unit.isEmpty() ? number : number + " " + unit;
  }
}
