package io.countersign.notify;

import java.time.Instant;

/** PLACEHOLDER until the Slack renderer lands. */
class SlackChannel implements Channel {
  private final String name;
  private final NotificationProperties.Slack config;
  private final HttpPost http;

  SlackChannel(String name, NotificationProperties.Slack config, HttpPost http) {
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
    return http.post("Slack " + name, config.target(), java.util.Map.of(), "{}");
  }
}
