package io.countersign.compliance;

import io.countersign.compliance.ComplianceReport.EnvironmentCount;
import io.countersign.compliance.ComplianceReport.Finding;
import io.countersign.compliance.ComplianceReport.Override;
import io.countersign.compliance.ComplianceReport.PersonRole;
import io.countersign.compliance.ComplianceReport.Release;
import io.countersign.compliance.ComplianceReport.Rollback;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The report as one self-contained HTML page: inline CSS with an A4 print sheet, inline SVG charts,
 * no script and nothing fetched (the product runs offline). "PDF" is this page printed. Every
 * string from the data is escaped: release reasons and comments are written by whoever asks.
 */
final class ReportPage {
  private static final DateTimeFormatter TIME =
      DateTimeFormatter.ofPattern("uuuu-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);
  private static final String[] COLOURS = {
    "#2e7d32", "#c62828", "#ef6c00", "#1565c0", "#6a1b9a", "#00838f", "#9e9d24", "#5d4037",
    "#ad1457", "#455a64"
  };
  private static final String STYLE =
      """
      body{font-family:"DejaVu Sans",Arial,Helvetica,sans-serif;font-size:10.5pt;color:#111;margin:24px;}
      h1{font-size:18pt;margin:0 0 4px;}h2{font-size:13pt;margin:22px 0 6px;border-bottom:1px solid #999;}
      .meta{color:#444;margin:0 0 12px;}
      table{border-collapse:collapse;width:100%;margin:6px 0 10px;}
      th,td{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top;}
      th{background:#eee;}td.n{text-align:right;}
      .wrap{word-break:break-word;}.none{color:#555;font-style:italic;}
      .charts{display:flex;flex-wrap:wrap;gap:12px;}figure{margin:0;}figcaption{font-weight:bold;}
      .finding{color:#b71c1c;font-weight:bold;}
      @page{size:A4;margin:14mm;}
      @media print{body{margin:0;font-size:9pt;}h2{break-after:avoid;}tr,figure{break-inside:avoid;}
      *{-webkit-print-color-adjust:exact;print-color-adjust:exact;}}
      """;

  private ReportPage() {}

  static String render(ComplianceReport r) {
    StringBuilder h = new StringBuilder(16_384);
    String title =
        "Compliance report " + r.period().from() + " to " + r.period().to() + " (UTC, inclusive)";
    h.append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>")
        .append(esc(title))
        .append("</title><style>")
        .append(STYLE)
        .append("</style></head><body><h1>")
        .append(esc(title))
        .append("</h1><p class=\"meta\">Generated ")
        .append(time(r.generatedAt()))
        .append(" by ")
        .append(esc(r.generatedBy()))
        .append(". Counts cover what the evidence recorded in the period; statuses and open")
        .append(" findings are as of generation. Evidence chains read: ")
        .append(r.evidence().chains())
        .append(", verified: ")
        .append(r.evidence().valid())
        .append(".</p>");
    charts(h, r);
    findings(h, r.openFindings());
    releases(h, r);
    signOffs(h, r);
    overrides(h, r.overrides());
    rollbacks(h, r);
    return h.append("</body></html>").toString();
  }

  static String loginFirst() {
    return message(
        "Log in first",
        "The compliance report is for admins and compliance officers logged in to Countersign. Log in"
            + " to <a href=\"/camunda/app/tasklist/\">Tasklist</a> or"
            + " <a href=\"/camunda/app/cockpit/\">Cockpit</a>, then open this page again; scripts"
            + " fetch the same report as JSON from /api/compliance/report.");
  }

  static String refused(String reason) {
    return message("Not allowed", esc(reason) + ". The attempt has been recorded.");
  }

  private static String message(String title, String html) {
    return "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>"
        + title
        + "</title><style>"
        + STYLE
        + "</style></head><body><h1>"
        + title
        + "</h1><p>"
        + html
        + "</p></body></html>";
  }

  private static void charts(StringBuilder h, ComplianceReport r) {
    List<Bar> environments = new ArrayList<>();
    for (EnvironmentCount e : r.releases().byEnvironment()) {
      environments.add(new Bar(e.environment(), e.byStatus()));
    }
    Map<String, Map<String, Integer>> roles = new LinkedHashMap<>();
    for (PersonRole p : r.signOffs().byPersonAndRole()) {
      Map<String, Integer> counts = roles.computeIfAbsent(p.role(), k -> new LinkedHashMap<>());
      counts.merge("approved", p.approved(), Integer::sum);
      counts.merge("rejected", p.rejected(), Integer::sum);
    }
    List<Bar> signOffs = new ArrayList<>();
    roles.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(e -> signOffs.add(new Bar(e.getKey(), e.getValue())));
    List<Bar> causes = new ArrayList<>();
    r.rollbacks()
        .byCause()
        .forEach((cause, n) -> causes.add(new Bar(cause, Map.of("rollbacks", n))));
    h.append("<h2>Charts</h2><div class=\"charts\">");
    chart(h, "Releases per environment, by status", environments);
    chart(h, "Sign-offs per role", signOffs);
    chart(h, "Rollbacks per cause", causes);
    h.append("</div>");
  }

  private record Bar(String label, Map<String, Integer> values) {
    int total() {
      return values.values().stream().mapToInt(Integer::intValue).sum();
    }
  }

  /** Horizontal stacked bars, one row per label, a legend for the series. */
  private static void chart(StringBuilder h, String caption, List<Bar> bars) {
    Set<String> series = new LinkedHashSet<>();
    bars.forEach(b -> b.values().forEach((name, n) -> series.add(name)));
    List<String> names = series.stream().sorted().toList();
    int max = bars.stream().mapToInt(Bar::total).max().orElse(0);
    int labelWidth = 150;
    int barWidth = 230;
    int row = 22;
    int legendRows = (names.size() + 1) / 2;
    int height = Math.max(1, bars.size()) * row + 10 + legendRows * 16 + 6;
    h.append("<figure><figcaption>")
        .append(esc(caption))
        .append("</figcaption><svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" width=\"")
        .append(labelWidth + barWidth + 40)
        .append("\" height=\"")
        .append(height)
        .append("\" font-size=\"11\" font-family=\"DejaVu Sans, Arial, sans-serif\"><title>")
        .append(esc(caption))
        .append("</title>");
    if (bars.isEmpty()) {
      h.append("<text x=\"4\" y=\"16\" fill=\"#555\">None in this period</text>");
    }
    for (int i = 0; i < bars.size(); i++) {
      Bar bar = bars.get(i);
      int y = 4 + i * row;
      h.append("<text x=\"0\" y=\"")
          .append(y + 14)
          .append("\">")
          .append(esc(clip(bar.label(), 24)))
          .append("</text>");
      double x = labelWidth;
      for (String name : names) {
        int n = bar.values().getOrDefault(name, 0);
        if (n > 0) {
          double w = (double) n * barWidth / max;
          h.append(
              String.format(
                  java.util.Locale.ROOT,
                  "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"16\" fill=\"%s\"><title>%s: %d</title></rect>",
                  x,
                  y + 2,
                  w,
                  colour(name, names.indexOf(name)),
                  esc(bar.label() + ", " + name),
                  n));
          x += w;
        }
      }
      h.append(String.format(java.util.Locale.ROOT, "<text x=\"%.1f\" y=\"%d\">", x + 4, y + 14))
          .append(bar.total())
          .append("</text>");
    }
    int legendTop = Math.max(1, bars.size()) * row + 10;
    for (int i = 0; i < names.size(); i++) {
      int x = (i % 2) * 200;
      int y = legendTop + (i / 2) * 16;
      h.append("<rect x=\"")
          .append(x)
          .append("\" y=\"")
          .append(y)
          .append("\" width=\"10\" height=\"10\" fill=\"")
          .append(colour(names.get(i), i))
          .append("\"/><text x=\"")
          .append(x + 14)
          .append("\" y=\"")
          .append(y + 9)
          .append("\">")
          .append(esc(clip(names.get(i), 28)))
          .append("</text>");
    }
    h.append("</svg></figure>");
  }

  private static void findings(StringBuilder h, List<Finding> findings) {
    h.append("<h2>Open findings (").append(findings.size()).append(")</h2>");
    table(
        h,
        List.of("Finding", "Release", "Environment", "Since", "Detail"),
        findings.stream()
            .map(
                f ->
                    List.of(
                        "<span class=\"finding\">" + esc(f.kind()) + "</span>",
                        esc(f.releaseId()),
                        esc(f.environment()),
                        time(f.since()),
                        esc(f.detail())))
            .toList(),
        "No open findings.");
  }

  private static void releases(StringBuilder h, ComplianceReport r) {
    h.append("<h2>Releases requested in the period (")
        .append(r.releases().total())
        .append(")</h2>");
    List<String> statuses =
        r.releases().byEnvironment().stream()
            .flatMap(e -> e.byStatus().keySet().stream())
            .distinct()
            .sorted()
            .toList();
    List<String> head = new ArrayList<>();
    head.add("Environment");
    head.addAll(statuses);
    head.add("Total");
    List<List<String>> rows = new ArrayList<>();
    for (EnvironmentCount e : r.releases().byEnvironment()) {
      List<String> cells = new ArrayList<>();
      cells.add(esc(e.environment()));
      statuses.forEach(s -> cells.add(number(e.byStatus().getOrDefault(s, 0))));
      cells.add(number(e.total()));
      rows.add(cells);
    }
    table(h, head, rows, "No releases were requested in this period.");
    table(
        h,
        List.of("Release", "Application", "Version", "Environment", "Requested", "By", "Status"),
        r.releases().list().stream()
            .map(
                (Release x) ->
                    List.of(
                        esc(x.id()),
                        esc(x.application()),
                        esc(x.version()),
                        esc(x.environment()),
                        time(x.requestedAt()),
                        esc(x.requester()),
                        esc(x.status())
                            + (x.statusReason() == null ? "" : ": " + esc(x.statusReason()))))
            .toList(),
        null);
  }

  private static void signOffs(StringBuilder h, ComplianceReport r) {
    h.append("<h2>Sign-offs by person and role (").append(r.signOffs().total()).append(")</h2>");
    table(
        h,
        List.of("Person", "Role", "Approved", "Rejected", "Total", "Releases"),
        r.signOffs().byPersonAndRole().stream()
            .map(
                p ->
                    List.of(
                        esc(p.user()),
                        esc(p.role()),
                        number(p.approved()),
                        number(p.rejected()),
                        number(p.total()),
                        esc(String.join(", ", p.releases()))))
            .toList(),
        "No sign-offs in this period.");
  }

  private static void overrides(StringBuilder h, List<Override> overrides) {
    h.append("<h2>Emergency overrides (").append(overrides.size()).append(")</h2>");
    table(
        h,
        List.of("Release", "Asked", "By", "Kind", "Reason", "Decision", "Post-override review"),
        overrides.stream()
            .map(
                o ->
                    List.of(
                        esc(o.releaseId()) + "<br>" + esc(o.environment()),
                        time(o.requestedAt()),
                        esc(o.requestedBy()),
                        esc(o.kind()),
                        esc(o.reason()) + "<br>incident " + esc(o.incidentReference()),
                        o.decision() == null
                            ? "<span class=\"none\">not decided</span>"
                            : esc(o.decision())
                                + " by "
                                + esc(o.decidedBy())
                                + ", "
                                + time(o.decidedAt())
                                + (o.decisionComment() == null
                                    ? ""
                                    : ": " + esc(o.decisionComment())),
                        review(o)))
            .toList(),
        "No overrides were asked for in this period.");
  }

  private static String review(Override o) {
    ComplianceReport.Review r = o.review();
    String text = esc(r.status());
    if (r.reviewedBy() != null) {
      text += " by " + esc(r.reviewedBy()) + ", " + time(r.reviewedAt());
      text += "<br>plan: " + esc(r.validationPlan());
    } else if (r.due() != null) {
      text += ", due " + time(r.due());
    }
    return text;
  }

  private static void rollbacks(StringBuilder h, ComplianceReport r) {
    h.append("<h2>Rollbacks (").append(r.rollbacks().total()).append(")</h2>");
    table(
        h,
        List.of("Release", "Environment", "Started", "Cause", "Reason recorded", "Release now"),
        r.rollbacks().list().stream()
            .map(
                (Rollback x) ->
                    List.of(
                        esc(x.releaseId()),
                        esc(x.environment()),
                        time(x.startedAt()),
                        esc(x.cause()),
                        esc(x.reason()),
                        esc(x.releaseStatus())))
            .toList(),
        "No rollbacks in this period.");
  }

  /** Cells are HTML already escaped by the caller. */
  private static void table(
      StringBuilder h, List<String> head, List<List<String>> rows, String whenEmpty) {
    if (rows.isEmpty()) {
      if (whenEmpty != null) {
        h.append("<p class=\"none\">").append(esc(whenEmpty)).append("</p>");
      }
      return;
    }
    h.append("<table><thead><tr>");
    head.forEach(c -> h.append("<th>").append(esc(c)).append("</th>"));
    h.append("</tr></thead><tbody>");
    for (List<String> row : rows) {
      h.append("<tr>");
      for (String cell : row) {
        boolean numeric = cell.matches("\\d+");
        h.append(numeric ? "<td class=\"n\">" : "<td class=\"wrap\">").append(cell).append("</td>");
      }
      h.append("</tr>");
    }
    h.append("</tbody></table>");
  }

  private static String number(int n) {
    return Integer.toString(n);
  }

  private static String time(Instant instant) {
    return instant == null ? "" : TIME.format(instant);
  }

  /** Outcomes keep their meaning across charts (released green, rejected red); others by place. */
  private static String colour(String series, int index) {
    return switch (series) {
      case "released", "approved" -> "#2e7d32";
      case "rejected", "failed" -> "#c62828";
      case "rolled-back", "rolling-back" -> "#ef6c00";
      case "cancelled", "expired" -> "#757575";
      default -> COLOURS[(index + 3) % COLOURS.length];
    };
  }

  private static String clip(String text, int max) {
    return text == null || text.length() <= max ? text : text.substring(0, max - 1) + "…";
  }

  /** Text for HTML content and attribute values. */
  static String esc(String text) {
    if (text == null) {
      return "";
    }
    StringBuilder out = new StringBuilder(text.length() + 16);
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      switch (c) {
        case '&' -> out.append("&amp;");
        case '<' -> out.append("&lt;");
        case '>' -> out.append("&gt;");
        case '"' -> out.append("&quot;");
        case '\'' -> out.append("&#39;");
        default -> out.append(c);
      }
    }
    return out.toString();
  }
}
