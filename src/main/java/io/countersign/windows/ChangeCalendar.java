package io.countersign.windows;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * When each environment may change: weekly recurring windows (an environment without any is always
 * open) and named freezes (closed whatever the windows say). Pure arithmetic on instants, so the
 * caller decides what "now" is and tests can move it freely.
 */
final class ChangeCalendar {
  /**
   * How far ahead the next opening is looked for. A configuration that keeps an environment closed
   * longer is refused at start; finding none later is reported, never looped on.
   */
  static final Duration HORIZON = Duration.ofDays(400);

  /**
   * A weekly window: it opens on each of {@code days} at {@code from} and closes at {@code to},
   * both local times in {@code zone}; a {@code to} not after {@code from} closes on the next day
   * (equal: 24 hours). Local times that a DST change skips move forward by the gap, as {@link
   * ZonedDateTime#of} does; repeated ones take the earlier offset.
   */
  record Window(Set<DayOfWeek> days, LocalTime from, LocalTime to, ZoneId zone) {
    Window {
      days = days.isEmpty() ? Set.of() : Set.copyOf(EnumSet.copyOf(days));
    }

    Instant start(LocalDate day) {
      return ZonedDateTime.of(day, from, zone).toInstant();
    }

    Instant end(LocalDate day) {
      return ZonedDateTime.of(to.isAfter(from) ? day : day.plusDays(1), to, zone).toInstant();
    }

    boolean contains(Instant at) {
      LocalDate today = at.atZone(zone).toLocalDate();
      // An occurrence that began yesterday may still be open (across midnight).
      for (LocalDate day : List.of(today.minusDays(1), today)) {
        if (days.contains(day.getDayOfWeek())
            && !at.isBefore(start(day))
            && at.isBefore(end(day))) {
          return true;
        }
      }
      return false;
    }

    /** The first opening strictly after {@code after}. */
    Instant nextStart(Instant after) {
      LocalDate today = after.atZone(zone).toLocalDate();
      for (int i = 0; i <= 8; i++) {
        LocalDate day = today.plusDays(i);
        if (days.contains(day.getDayOfWeek()) && start(day).isAfter(after)) {
          return start(day);
        }
      }
      throw new IllegalStateException("window " + this + " has no day"); // validated at start
    }

    @Override
    public String toString() {
      String names =
          days.stream()
              .sorted()
              .map(d -> d.getDisplayName(TextStyle.SHORT, Locale.ROOT).toUpperCase(Locale.ROOT))
              .collect(Collectors.joining(","));
      return names + " " + from + "-" + to + " " + zone;
    }
  }

  /** A named freeze, from (inclusive) to (exclusive); no environments named means all. */
  record Freeze(String name, Instant from, Instant to, Set<String> environments, String reason) {
    Freeze {
      environments = Set.copyOf(environments);
    }

    boolean appliesTo(String environment) {
      return environments.isEmpty() || environments.contains(environment);
    }

    boolean contains(Instant at) {
      return !at.isBefore(from) && at.isBefore(to);
    }
  }

  /**
   * What the calendar says about an environment at an instant: open or not, the window it is open
   * in, the freeze that closes it, and when it opens next ({@code at} when open; null when not
   * within {@link #HORIZON}).
   */
  record Verdict(
      String environment,
      Instant at,
      boolean open,
      Window window,
      Freeze freeze,
      List<Window> windows,
      Instant nextOpening) {}

  private final Map<String, List<Window>> windows;
  private final List<Freeze> freezes;

  ChangeCalendar(Map<String, List<Window>> windows, List<Freeze> freezes) {
    this.windows = Map.copyOf(windows);
    this.freezes = List.copyOf(freezes);
  }

  List<Window> windows(String environment) {
    return windows.getOrDefault(environment, List.of());
  }

  Verdict check(String environment, Instant at) {
    List<Window> recurring = windows(environment);
    Window window = recurring.stream().filter(w -> w.contains(at)).findFirst().orElse(null);
    Freeze freeze = freezeAt(environment, at);
    boolean open = freeze == null && (recurring.isEmpty() || window != null);
    return new Verdict(
        environment, at, open, window, freeze, recurring, open ? at : nextOpening(environment, at));
  }

  /**
   * The first instant from {@code at} on when the environment is open, or null if there is none
   * within {@link #HORIZON}. Each step moves to the end of a freeze or to a window's next opening,
   * always forward, so it ends.
   */
  Instant nextOpening(String environment, Instant at) {
    List<Window> recurring = windows(environment);
    Instant limit = at.plus(HORIZON);
    Instant t = at;
    while (!t.isAfter(limit)) {
      Instant candidate = t;
      Freeze freeze = freezeAt(environment, candidate);
      if (freeze != null) {
        t = freeze.to();
      } else if (recurring.isEmpty() || recurring.stream().anyMatch(w -> w.contains(candidate))) {
        return candidate;
      } else {
        t =
            recurring.stream()
                .map(w -> w.nextStart(candidate))
                .min(Comparator.naturalOrder())
                .orElseThrow();
      }
    }
    return null;
  }

  /** Of the freezes in force at {@code at}, the one that ends last. */
  private Freeze freezeAt(String environment, Instant at) {
    return freezes.stream()
        .filter(f -> f.appliesTo(environment) && f.contains(at))
        .max(Comparator.comparing(Freeze::to))
        .orElse(null);
  }

  /** The environments that stay closed for the whole horizon from {@code at}. */
  List<String> neverOpen(Iterable<String> environments, Instant at) {
    List<String> closed = new ArrayList<>();
    for (String environment : environments) {
      if (nextOpening(environment, at) == null) {
        closed.add(environment);
      }
    }
    return closed;
  }
}
