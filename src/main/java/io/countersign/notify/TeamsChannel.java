package io.countersign.notify;

import java.time.Instant;

/** PLACEHOLDER until the Teams renderer lands. */
class TeamsChannel implements Channel {
  private final String name;
  private final NotificationProperties.Teams config;
  private final HttpPost http;

  TeamsChannel(String name, NotificationProperties.Teams config, HttpPost http) {
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
    return http.post("Teams " + name, config.target(), java.util.Map.of(), "{}");
  }
}
