package io.countersign.windows;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.manifest.Environments;
import io.countersign.windows.ChangeWindowsProperties.FreezeProperties;
import io.countersign.windows.ChangeWindowsProperties.WindowProperties;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The configuration is read with every problem named by its key, and a bad one stops the start. */
class ChangeWindowsPropertiesTest {
  private static final Set<String> ENVIRONMENTS = Set.of("development", "staging", "production");
  private static final String PREFIX = "countersign.change-windows.";
  private static final Instant NOW = Instant.parse("2026-11-19T18:00:00Z");

  @Test
  void aFreezeGivenInDatesCoversWholeDaysInItsZoneItsLastDayIncluded() {
    ChangeWindowsProperties properties =
        new ChangeWindowsProperties(
            Map.of(
                "production",
                List.of(
                    new WindowProperties(
                        List.of("tue", "WED"), "06:00", "10:00", "Europe/Berlin"))),
            List.of(
                new FreezeProperties(
                    "year-end",
                    "2026-12-18",
                    "2027-01-03",
                    "Europe/Berlin",
                    List.of("production"),
                    "Year-end code freeze"),
                new FreezeProperties(
                    "migration",
                    "2026-12-01T18:00:00+01:00",
                    "2026-12-01T22:00:00Z",
                    null,
                    null,
                    null)));
    List<String> problems = new ArrayList<>();
    ChangeCalendar calendar = properties.calendar(ENVIRONMENTS, problems);

    assertThat(problems).isEmpty();
    assertThat(calendar.windows("production"))
        .singleElement()
        .hasToString("TUE,WED 06:00-10:00 Europe/Berlin");
    ChangeCalendar.Verdict frozen =
        calendar.check("production", Instant.parse("2027-01-03T22:59:59Z"));
    assertThat(frozen.freeze().name()).isEqualTo("year-end");
    assertThat(frozen.freeze().from()).isEqualTo(Instant.parse("2026-12-17T23:00:00Z"));
    assertThat(frozen.freeze().to()).isEqualTo(Instant.parse("2027-01-03T23:00:00Z"));
    // No environments named: the freeze applies to all.
    assertThat(calendar.check("staging", Instant.parse("2026-12-01T20:00:00Z")).freeze().name())
        .isEqualTo("migration");
    assertThat(calendar.check("staging", Instant.parse("2026-12-01T22:00:00Z")).open()).isTrue();
  }

  @Test
  void everyProblemNamesItsKey() {
    ChangeWindowsProperties properties =
        new ChangeWindowsProperties(
            Map.of(
                "prod",
                List.of(new WindowProperties(List.of("MON"), "06:00", "07:00", "UTC")),
                "production",
                List.of(
                    new WindowProperties(List.of("MONDAY", "TUE"), "1320", "25:00", null),
                    new WindowProperties(List.of(), "06:00", "07:00", "Mars/Olympus"))),
            List.of(
                new FreezeProperties(null, "2026-12-18", "2026-12-20", null, List.of("qa"), null),
                new FreezeProperties(
                    "x", "2026-12-20T00:00:00Z", "2026-12-18T00:00:00Z", null, null, null),
                new FreezeProperties("x", "18.12.2026", null, "UTC", null, null)));
    List<String> problems = new ArrayList<>();
    properties.calendar(ENVIRONMENTS, problems);

    assertThat(problems)
        .containsExactly(
            PREFIX
                + "environments.prod: unknown environment; expected one of development, production, staging",
            PREFIX
                + "environments.production[0].days[0]: 'MONDAY' is not one of MON, TUE, WED, THU, FRI, SAT, SUN",
            PREFIX
                + "environments.production[0].from: '1320' is not a time HH:mm (00:00 to 23:59; quote it in"
                + " YAML, which reads 22:00 as a number)",
            PREFIX
                + "environments.production[0].to: '25:00' is not a time HH:mm (00:00 to 23:59; quote it in"
                + " YAML, which reads 22:00 as a number)",
            PREFIX
                + "environments.production[0].zone is required (an IANA time zone such as Europe/Berlin)",
            PREFIX
                + "environments.production[1].days: name at least one day (MON, TUE, WED, THU, FRI, SAT, SUN)",
            PREFIX
                + "environments.production[1].zone: 'Mars/Olympus' is not a time zone (an IANA id such as"
                + " Europe/Berlin, or UTC)",
            PREFIX + "freezes[0].name is required",
            PREFIX
                + "freezes[0].environments[0]: unknown environment 'qa'; expected one of development,"
                + " production, staging",
            PREFIX + "freezes[0].zone is required when from is a date (whole days in a time zone)",
            PREFIX + "freezes[0].zone is required when to is a date (whole days in a time zone)",
            PREFIX + "freezes[1].to must be after its from",
            PREFIX + "freezes[2].name 'x' is used by another freeze",
            PREFIX
                + "freezes[2].from: '18.12.2026' is neither a date-time with offset"
                + " (2026-12-18T18:00:00+01:00) nor a date (2026-12-18)",
            PREFIX + "freezes[2].to is required");
  }

  @Test
  void aFreezeThatNeverEndsWithinTheHorizonIsRefused() {
    ChangeWindowsProperties properties =
        new ChangeWindowsProperties(
            null,
            List.of(
                new FreezeProperties(
                    "forever", "2026-01-01", "2099-12-31", "UTC", List.of("production"), null)));

    assertThatThrownBy(() -> ChangeWindowsConfiguration.calendar(properties, ENVIRONMENTS, NOW))
        .isInstanceOf(IllegalStateException.class)
        .hasMessage(
            "change windows misconfigured: countersign.change-windows: production would not open"
                + " within 400 days of 2026-11-19T18:00:00Z (its freezes cover it); shorten them");
  }

  @Configuration
  @EnableConfigurationProperties(ChangeWindowsProperties.class)
  static class Bound {}

  private final ApplicationContextRunner app =
      new ApplicationContextRunner()
          .withUserConfiguration(Bound.class, ChangeWindowsConfiguration.class)
          .withBean(Environments.class, Environments::defaults);

  @Test
  void theApplicationBindsTheConfigurationAndRefusesToStartOnABadKey() {
    app.withPropertyValues(
            PREFIX + "environments.production[0].days=TUE,THU",
            PREFIX + "environments.production[0].from=06:00",
            PREFIX + "environments.production[0].to=10:00",
            PREFIX + "environments.production[0].zone=Europe/Berlin",
            PREFIX + "freezes[0].name=year-end",
            PREFIX + "freezes[0].from=2026-12-18",
            PREFIX + "freezes[0].to=2027-01-03",
            PREFIX + "freezes[0].zone=Europe/Berlin",
            PREFIX + "freezes[0].environments=production,staging",
            PREFIX + "freezes[0].reason=Year-end code freeze")
        .run(
            context -> {
              assertThat(context).hasNotFailed();
              ChangeCalendar calendar = context.getBean(ChangeCalendar.class);
              assertThat(calendar.windows("production")).hasSize(1);
              assertThat(
                      calendar
                          .check("staging", Instant.parse("2026-12-20T12:00:00Z"))
                          .freeze()
                          .reason())
                  .isEqualTo("Year-end code freeze");
            });
    app.run(context -> assertThat(context).hasNotFailed());
    app.withPropertyValues(
            PREFIX + "environments.production[0].days=TUE",
            PREFIX + "environments.production[0].from=6am",
            PREFIX + "environments.production[0].to=10:00",
            PREFIX + "environments.production[0].zone=UTC")
        .run(
            context ->
                assertThat(context)
                    .getFailure()
                    .rootCause()
                    .hasMessageContaining(
                        PREFIX + "environments.production[0].from: '6am' is not a time HH:mm"));
  }
}
