package io.countersign.notify;

import java.time.Instant;
import org.springframework.mail.javamail.JavaMailSender;

/** PLACEHOLDER until the e-mail renderer lands. */
class EmailChannel implements Channel {
  private final String name;
  private final NotificationProperties.Email config;

  EmailChannel(
      String name,
      NotificationProperties.Email config,
      JavaMailSender mail,
      Channels.GroupMembers members) {
    this.name = name;
    this.config = config;
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
    return Outcome.skipped("not yet");
  }
}
