package io.countersign.windows;

import io.countersign.windows.ChangeCalendar.Freeze;
import io.countersign.windows.ChangeCalendar.Window;
import java.time.DateTimeException;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.OffsetDateTime;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.change-windows}: per environment id, the weekly windows it may change in
 * (none: always open), and the named freezes. Values are kept as written and read by {@link
 * #calendar}, which names the key of every value it cannot use, so a bad configuration stops the
 * start with a sentence an operator can act on rather than a binder stack trace.
 */
@ConfigurationProperties(ChangeWindowsProperties.PREFIX)
record ChangeWindowsProperties(
    Map<String, List<WindowProperties>> environments, List<FreezeProperties> freezes) {
  static final String PREFIX = "countersign.change-windows";
  private static final Pattern TIME = Pattern.compile("\\d{2}:\\d{2}");
  private static final Map<String, DayOfWeek> DAYS = new LinkedHashMap<>();

  static {
    for (DayOfWeek day : DayOfWeek.values()) {
      DAYS.put(day.name().substring(0, 3), day);
    }
  }

  ChangeWindowsProperties {
    environments = environments == null ? Map.of() : Map.copyOf(environments);
    freezes = freezes == null ? List.of() : List.copyOf(freezes);
  }

  /** A weekly window: days MON..SUN, from and to "HH:mm" local times in an IANA zone. */
  record WindowProperties(List<String> days, String from, String to, String zone) {}

  /**
   * A freeze: from and to are ISO-8601 date-times with an offset, or dates meaning whole days in
   * {@code zone} (to included); no environments means all.
   */
  record FreezeProperties(
      String name, String from, String to, String zone, List<String> environments, String reason) {}

  /**
   * The calendar this configuration describes; every problem, each with its key, is added to {@code
   * problems} (and the calendar is then not to be used).
   */
  ChangeCalendar calendar(Set<String> knownEnvironments, List<String> problems) {
    Map<String, List<Window>> windows = new LinkedHashMap<>();
    for (Map.Entry<String, List<WindowProperties>> e : new TreeMap<>(environments).entrySet()) {
      String key = PREFIX + ".environments." + e.getKey();
      if (!knownEnvironments.contains(e.getKey())) {
        problems.add(key + ": unknown environment; expected one of " + sorted(knownEnvironments));
      }
      List<Window> list = new ArrayList<>();
      List<WindowProperties> configured = e.getValue() == null ? List.of() : e.getValue();
      for (int i = 0; i < configured.size(); i++) {
        Window window = window(key + "[" + i + "]", configured.get(i), problems);
        if (window != null) {
          list.add(window);
        }
      }
      windows.put(e.getKey(), list);
    }
    List<Freeze> list = new ArrayList<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < freezes.size(); i++) {
      String key = PREFIX + ".freezes[" + i + "]";
      FreezeProperties f = freezes.get(i);
      if (f == null) {
        problems.add(key + ": empty");
        continue;
      }
      if (f.name() == null || f.name().isBlank()) {
        problems.add(key + ".name is required");
      } else if (!names.add(f.name())) {
        problems.add(key + ".name '" + f.name() + "' is used by another freeze");
      }
      List<String> scope = f.environments() == null ? List.of() : f.environments();
      for (int j = 0; j < scope.size(); j++) {
        if (!knownEnvironments.contains(scope.get(j))) {
          problems.add(
              key
                  + ".environments["
                  + j
                  + "]: unknown environment '"
                  + scope.get(j)
                  + "'; expected one of "
                  + sorted(knownEnvironments));
        }
      }
      ZoneId zone = null;
      if (f.zone() != null) {
        zone = zone(key + ".zone", f.zone(), problems);
      }
      Instant from = instant(key + ".from", f.from(), zone, f.zone() != null, false, problems);
      Instant to = instant(key + ".to", f.to(), zone, f.zone() != null, true, problems);
      if (from != null && to != null && !to.isAfter(from)) {
        problems.add(key + ".to must be after its from");
      }
      if (from != null && to != null) {
        list.add(new Freeze(f.name(), from, to, new HashSet<>(scope), f.reason()));
      }
    }
    return new ChangeCalendar(windows, list);
  }

  private static Window window(String key, WindowProperties w, List<String> problems) {
    if (w == null) {
      problems.add(key + ": empty");
      return null;
    }
    int before = problems.size();
    Set<DayOfWeek> days = EnumSet.noneOf(DayOfWeek.class);
    if (w.days() == null || w.days().isEmpty()) {
      problems.add(key + ".days: name at least one day (MON, TUE, WED, THU, FRI, SAT, SUN)");
    } else {
      for (int i = 0; i < w.days().size(); i++) {
        String name = w.days().get(i) == null ? "" : w.days().get(i).trim();
        DayOfWeek day = DAYS.get(name.toUpperCase(Locale.ROOT));
        if (day == null) {
          problems.add(
              key
                  + ".days["
                  + i
                  + "]: '"
                  + name
                  + "' is not one of MON, TUE, WED, THU, FRI, SAT, SUN");
        } else {
          days.add(day);
        }
      }
    }
    LocalTime from = time(key + ".from", w.from(), problems);
    LocalTime to = time(key + ".to", w.to(), problems);
    ZoneId zone =
        w.zone() == null
            ? missing(key + ".zone is required (an IANA time zone such as Europe/Berlin)", problems)
            : zone(key + ".zone", w.zone(), problems);
    return problems.size() > before ? null : new Window(days, from, to, zone);
  }

  private static LocalTime time(String key, String value, List<String> problems) {
    if (value != null && TIME.matcher(value.trim()).matches()) {
      try {
        return LocalTime.parse(value.trim());
      } catch (DateTimeException invalid) {
        // reported below
      }
    }
    problems.add(
        key
            + ": '"
            + value
            + "' is not a time HH:mm (00:00 to 23:59; quote it in YAML, which reads 22:00 as a"
            + " number)");
    return null;
  }

  private static ZoneId zone(String key, String value, List<String> problems) {
    try {
      return ZoneId.of(value.trim());
    } catch (DateTimeException invalid) {
      problems.add(
          key + ": '" + value + "' is not a time zone (an IANA id such as Europe/Berlin, or UTC)");
      return null;
    }
  }

  private static <T> T missing(String problem, List<String> problems) {
    problems.add(problem);
    return null;
  }

  /** A date-time with offset, or a date: its first moment, or for {@code to} the next day's. */
  private static Instant instant(
      String key,
      String value,
      ZoneId zone,
      boolean zoneGiven,
      boolean end,
      List<String> problems) {
    if (value == null || value.isBlank()) {
      problems.add(key + " is required");
      return null;
    }
    try {
      return OffsetDateTime.parse(value.trim()).toInstant();
    } catch (DateTimeException notDateTime) {
      // a date, then
    }
    LocalDate date;
    try {
      date = LocalDate.parse(value.trim());
    } catch (DateTimeException notDate) {
      problems.add(
          key
              + ": '"
              + value
              + "' is neither a date-time with offset (2026-12-18T18:00:00+01:00) nor a date"
              + " (2026-12-18)");
      return null;
    }
    if (zone == null) {
      if (!zoneGiven) { // a zone given but unknown is reported already
        problems.add(
            key.substring(0, key.lastIndexOf('.'))
                + ".zone is required when "
                + key.substring(key.lastIndexOf('.') + 1)
                + " is a date (whole days in a time zone)");
      }
      return null;
    }
    return (end ? date.plusDays(1) : date).atStartOfDay(zone).toInstant();
  }

  private static String sorted(Set<String> values) {
    return String.join(", ", values.stream().sorted().toList());
  }
}
