package io.countersign.notify;

import java.time.Instant;
import java.util.List;

/** PLACEHOLDER until the PagerDuty renderer lands. */
class PagerDutyChannel implements Channel {
  /** The events that trigger or resolve an alert. */
  static final List<String> TYPES =
      List.of(
          Notifications.STATUS_CHANGED,
          Notifications.ROLLBACK_STARTED,
          Notifications.ROLLBACK_FINISHED,
          Notifications.INCIDENT_OPENED,
          Notifications.INCIDENT_RESOLVED);

  private final String name;
  private final NotificationProperties.PagerDuty config;
  private final HttpPost http;

  PagerDutyChannel(String name, NotificationProperties.PagerDuty config, HttpPost http) {
    this.name = name;
    this.config = config;
    this.http = http;
  }

  @Override
  public String name() {
    return name;
  }

  @Override
  public boolean wants(String type, String environment) {
    return config.wants(type, environment);
  }

  @Override
  public Outcome send(Event event, Instant now) {
    return http.post("pagerduty " + name, config.url(), java.util.Map.of(), "{}");
  }
}
