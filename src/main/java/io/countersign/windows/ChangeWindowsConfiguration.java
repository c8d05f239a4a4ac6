package io.countersign.windows;

import io.countersign.manifest.Environments;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Builds the change calendar from its configuration, or stops the start saying what is wrong. */
@Configuration
class ChangeWindowsConfiguration {
  @Bean
  ChangeCalendar changeCalendar(ChangeWindowsProperties properties, Environments environments) {
    return calendar(properties, Set.copyOf(environments.ids()), Instant.now());
  }

  /**
   * @throws IllegalStateException naming every bad key, or every environment that the freezes keep
   *     closed for longer than {@link ChangeCalendar#HORIZON} from {@code now}
   */
  static ChangeCalendar calendar(
      ChangeWindowsProperties properties, Set<String> environments, Instant now) {
    List<String> problems = new ArrayList<>();
    ChangeCalendar calendar = properties.calendar(environments, problems);
    if (problems.isEmpty()) {
      for (String closed : calendar.neverOpen(environments.stream().sorted().toList(), now)) {
        problems.add(
            ChangeWindowsProperties.PREFIX
                + ": "
                + closed
                + " would not open within "
                + ChangeCalendar.HORIZON.toDays()
                + " days of "
                + now
                + " (its freezes cover it); shorten them");
      }
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "change windows misconfigured: " + String.join("; ", problems));
    }
    return calendar;
  }
}
