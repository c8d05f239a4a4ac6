package io.countersign.notify;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.User;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.stereotype.Component;

/**
 * The channels this node delivers to, by name, built once from {@link NotificationProperties}.
 * E-mail routes need the SMTP server {@code spring.mail.host} configures (start-up refuses them
 * without one) and find a group's members, with their addresses, in the engine's identity service.
 */
@Component
class Channels {
  private final Map<String, Channel> byName;

  @Autowired
  Channels(
      NotificationProperties properties,
      ObjectProvider<JavaMailSender> mail,
      IdentityService identities) {
    this(
        properties,
        mail.getIfAvailable(),
        (group, mayNotAct) -> addresses(identities, group, mayNotAct));
  }

  /** With the SMTP server (null: none) and the way to find a group's members given. */
  Channels(NotificationProperties properties, JavaMailSender sender, GroupMembers members) {
    HttpPost http = new HttpPost(properties.delivery().timeout());
    Map<String, Channel> channels = new TreeMap<>();
    properties.webhooks().forEach((n, c) -> channels.put(n, new WebhookChannel(n, c, http)));
    properties.slack().forEach((n, c) -> channels.put(n, new SlackChannel(n, c, http)));
    properties.teams().forEach((n, c) -> channels.put(n, new TeamsChannel(n, c, http)));
    properties.pagerduty().forEach((n, c) -> channels.put(n, new PagerDutyChannel(n, c, http)));
    if (!properties.email().isEmpty()) {
      if (sender == null) {
        throw new IllegalStateException(
            "notifications misconfigured: "
                + NotificationProperties.PREFIX
                + ".email needs an SMTP server: set spring.mail.host (and spring.mail.port,"
                + " username, password)");
      }
      properties
          .email()
          .forEach((n, c) -> channels.put(n, new EmailChannel(n, c, sender, members)));
    }
    this.byName = Map.copyOf(channels);
  }

  /** The channel of that name, or null if this node has none. */
  Channel get(String name) {
    return byName.get(name);
  }

  /** Every channel's name, sorted. */
  List<String> names() {
    return List.copyOf(new TreeMap<>(byName).keySet());
  }

  /** Who may act on an event addressed to a group: its members, less those who may not. */
  @FunctionalInterface
  interface GroupMembers {
    List<String> addresses(String group, List<String> mayNotAct);
  }

  private static List<String> addresses(
      IdentityService identities, String group, List<String> mayNotAct) {
    List<String> addresses = new ArrayList<>();
    for (User user :
        identities.createUserQuery().memberOfGroup(group).orderByUserId().asc().list()) {
      if (!mayNotAct.contains(user.getId())
          && user.getEmail() != null
          && !user.getEmail().isBlank()) {
        addresses.add(user.getEmail());
      }
    }
    return addresses;
  }
}
