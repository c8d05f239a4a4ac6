package io.countersign.windows;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.windows.ChangeCalendar.Freeze;
import io.countersign.windows.ChangeCalendar.Verdict;
import io.countersign.windows.ChangeCalendar.Window;
import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The window arithmetic: local times across DST changes and midnight, freezes, bounded search. */
class ChangeCalendarTest {
  private static final ZoneId BERLIN = ZoneId.of("Europe/Berlin");
  private static final ZoneId UTC = ZoneId.of("UTC");

  private static Window window(String from, String to, ZoneId zone, DayOfWeek... days) {
    return new Window(
        EnumSet.copyOf(List.of(days)), LocalTime.parse(from), LocalTime.parse(to), zone);
  }

  private static ChangeCalendar production(List<Window> windows, Freeze... freezes) {
    return new ChangeCalendar(Map.of("production", windows), List.of(freezes));
  }

  private static Instant at(String instant) {
    return Instant.parse(instant);
  }

  @Test
  void closedOutsideItsWindowAndOpensAtTheNextOne() {
    // Tuesday to Thursday, 06:00 to 10:00 in Berlin (CET in November: UTC+1).
    ChangeCalendar calendar =
        production(
            List.of(
                window(
                    "06:00",
                    "10:00",
                    BERLIN,
                    DayOfWeek.TUESDAY,
                    DayOfWeek.WEDNESDAY,
                    DayOfWeek.THURSDAY)));

    Verdict thursdayEvening = calendar.check("production", at("2026-11-19T18:00:00Z"));
    assertThat(thursdayEvening.open()).isFalse();
    assertThat(thursdayEvening.window()).isNull();
    assertThat(thursdayEvening.nextOpening()).isEqualTo(at("2026-11-24T05:00:00Z"));

    Verdict wednesdayMorning = calendar.check("production", at("2026-11-18T05:00:00Z"));
    assertThat(wednesdayMorning.open()).isTrue();
    assertThat(wednesdayMorning.window().toString())
        .isEqualTo("TUE,WED,THU 06:00-10:00 Europe/Berlin");
    assertThat(wednesdayMorning.nextOpening()).isEqualTo(at("2026-11-18T05:00:00Z"));
    // The end is not part of the window.
    assertThat(calendar.check("production", at("2026-11-18T09:00:00Z")).open()).isFalse();
    assertThat(calendar.check("production", at("2026-11-18T08:59:59Z")).open()).isTrue();
  }

  @Test
  void anEnvironmentWithoutWindowsIsAlwaysOpen() {
    ChangeCalendar calendar = production(List.of(window("06:00", "07:00", UTC, DayOfWeek.MONDAY)));

    Verdict staging = calendar.check("staging", at("2026-11-19T18:00:00Z"));
    assertThat(staging.open()).isTrue();
    assertThat(staging.windows()).isEmpty();
    assertThat(staging.nextOpening()).isEqualTo(at("2026-11-19T18:00:00Z"));
  }

  @Test
  void aWindowAcrossMidnightEndsTheNextDay() {
    ChangeCalendar calendar = production(List.of(window("22:00", "02:00", UTC, DayOfWeek.FRIDAY)));

    assertThat(calendar.check("production", at("2026-11-20T21:59:00Z")).open()).isFalse();
    assertThat(calendar.check("production", at("2026-11-20T22:00:00Z")).open()).isTrue();
    // Saturday 01:30 belongs to Friday's window, though Saturday is not one of its days.
    assertThat(calendar.check("production", at("2026-11-21T01:30:00Z")).open()).isTrue();
    Verdict after = calendar.check("production", at("2026-11-21T02:00:00Z"));
    assertThat(after.open()).isFalse();
    assertThat(after.nextOpening()).isEqualTo(at("2026-11-27T22:00:00Z"));
  }

  @Test
  void equalFromAndToIsAWholeDay() {
    ChangeCalendar calendar = production(List.of(window("00:00", "00:00", UTC, DayOfWeek.SUNDAY)));

    assertThat(calendar.check("production", at("2026-11-22T00:00:00Z")).open()).isTrue();
    assertThat(calendar.check("production", at("2026-11-22T23:59:59Z")).open()).isTrue();
    assertThat(calendar.check("production", at("2026-11-23T00:00:00Z")).open()).isFalse();
  }

  @Test
  void windowsKeepTheirLocalTimesAcrossDaylightSavingChanges() {
    ChangeCalendar calendar =
        production(List.of(window("06:00", "08:00", BERLIN, DayOfWeek.MONDAY)));

    // Monday 23 March 2026 is CET (UTC+1); Monday 30 March, after the change, CEST (UTC+2).
    assertThat(calendar.check("production", at("2026-03-23T05:30:00Z")).open()).isTrue();
    assertThat(calendar.check("production", at("2026-03-24T00:00:00Z")).nextOpening())
        .isEqualTo(at("2026-03-30T04:00:00Z"));
    assertThat(calendar.check("production", at("2026-03-30T06:30:00Z")).open()).isFalse();
  }

  @Test
  void theNightTheClocksGoForwardAWindowIsShorterAndASkippedStartMovesOn() {
    // Sunday 29 March 2026: 02:00 CET becomes 03:00 CEST in Berlin.
    ChangeCalendar shorter =
        production(List.of(window("01:00", "04:00", BERLIN, DayOfWeek.SUNDAY)));
    assertThat(shorter.check("production", at("2026-03-29T00:00:00Z")).open()).isTrue();
    assertThat(shorter.check("production", at("2026-03-29T01:59:59Z")).open()).isTrue();
    assertThat(shorter.check("production", at("2026-03-29T02:00:00Z")).open())
        .as("04:00 CEST is 02:00Z: two hours of window, not three")
        .isFalse();

    // 02:30 does not exist that night: the window opens at 03:30 CEST (01:30Z).
    ChangeCalendar skipped =
        production(List.of(window("02:30", "05:00", BERLIN, DayOfWeek.SUNDAY)));
    assertThat(skipped.check("production", at("2026-03-29T00:00:00Z")).nextOpening())
        .isEqualTo(at("2026-03-29T01:30:00Z"));
  }

  @Test
  void theNightTheClocksGoBackAWindowIsLonger() {
    // Sunday 25 October 2026: 03:00 CEST becomes 02:00 CET; 02:00-04:00 local lasts three hours.
    ChangeCalendar calendar =
        production(List.of(window("02:00", "04:00", BERLIN, DayOfWeek.SUNDAY)));
    assertThat(calendar.check("production", at("2026-10-24T23:59:59Z")).open()).isFalse();
    assertThat(calendar.check("production", at("2026-10-25T00:00:00Z")).open()).isTrue();
    assertThat(calendar.check("production", at("2026-10-25T02:59:59Z")).open()).isTrue();
    assertThat(calendar.check("production", at("2026-10-25T03:00:00Z")).open()).isFalse();
  }

  @Test
  void aFreezeClosesAWindowAndTheNextOpeningIsWhereTheyNoLongerOverlap() {
    Window tuesdays = window("06:00", "10:00", UTC, DayOfWeek.TUESDAY);
    Freeze morning =
        new Freeze(
            "db-upgrade",
            at("2026-11-24T00:00:00Z"),
            at("2026-11-24T08:00:00Z"),
            Set.of("production"),
            "Database upgrade");
    ChangeCalendar calendar = production(List.of(tuesdays), morning);

    Verdict inFreeze = calendar.check("production", at("2026-11-24T07:00:00Z"));
    assertThat(inFreeze.open()).isFalse();
    assertThat(inFreeze.window()).as("inside the window, but frozen").isNotNull();
    assertThat(inFreeze.freeze().name()).isEqualTo("db-upgrade");
    assertThat(inFreeze.nextOpening())
        .as("the freeze ends inside the window")
        .isEqualTo(at("2026-11-24T08:00:00Z"));

    // A freeze covering the whole window moves the opening to the next week's.
    Freeze allDay =
        new Freeze(
            "all-tuesday", at("2026-11-24T00:00:00Z"), at("2026-11-25T00:00:00Z"), Set.of(), null);
    assertThat(
            production(List.of(tuesdays), allDay)
                .check("production", at("2026-11-23T12:00:00Z"))
                .nextOpening())
        .isEqualTo(at("2026-12-01T06:00:00Z"));
  }

  @Test
  void freezesApplyToTheirEnvironmentsAndChainedOnesAreCrossed() {
    Freeze year =
        new Freeze(
            "year-end",
            at("2026-12-18T00:00:00Z"),
            at("2027-01-04T00:00:00Z"),
            Set.of("production"),
            "Year-end code freeze");
    Freeze overlapping =
        new Freeze(
            "audit",
            at("2027-01-03T00:00:00Z"),
            at("2027-01-06T12:00:00Z"),
            Set.of(),
            "Annual audit");
    ChangeCalendar calendar = new ChangeCalendar(Map.of(), List.of(year, overlapping));

    Verdict production = calendar.check("production", at("2026-12-20T10:00:00Z"));
    assertThat(production.open()).isFalse();
    assertThat(production.freeze().name()).isEqualTo("year-end");
    assertThat(production.nextOpening()).isEqualTo(at("2027-01-06T12:00:00Z"));
    assertThat(calendar.check("staging", at("2026-12-20T10:00:00Z")).open()).isTrue();
    Verdict staging = calendar.check("staging", at("2027-01-04T10:00:00Z"));
    assertThat(staging.freeze().name()).isEqualTo("audit");
    assertThat(staging.nextOpening()).isEqualTo(at("2027-01-06T12:00:00Z"));
  }

  @Test
  void anEnvironmentClosedLongerThanTheHorizonHasNoNextOpening() {
    Freeze forever =
        new Freeze(
            "forever",
            at("2026-01-01T00:00:00Z"),
            at("2028-01-01T00:00:00Z"),
            Set.of("production"),
            null);
    ChangeCalendar calendar =
        production(List.of(window("06:00", "07:00", UTC, DayOfWeek.MONDAY)), forever);

    Verdict verdict = calendar.check("production", at("2026-06-01T06:30:00Z"));
    assertThat(verdict.open()).isFalse();
    assertThat(verdict.nextOpening()).isNull();
    assertThat(
            calendar.neverOpen(
                List.of("development", "staging", "production"), at("2026-06-01T06:30:00Z")))
        .containsExactly("production");
    // Within the horizon of its end, it opens again: at the first Monday window after the freeze.
    assertThat(calendar.check("production", at("2027-06-01T00:00:00Z")).nextOpening())
        .isEqualTo(at("2028-01-03T06:00:00Z"));
  }
}
