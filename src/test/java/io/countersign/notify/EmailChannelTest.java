package io.countersign.notify;

import static org.assertj.core.api.Assertions.assertThat;

import com.icegreen.greenmail.configuration.GreenMailConfiguration;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.GreenMailUtil;
import com.icegreen.greenmail.util.ServerSetupTest;
import jakarta.mail.Address;
import jakarta.mail.BodyPart;
import jakarta.mail.Multipart;
import jakarta.mail.Part;
import jakarta.mail.internet.MimeMessage;
import java.net.ServerSocket;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.mail.javamail.JavaMailSenderImpl;

/**
 * The e-mail channel against GreenMail, a real SMTP server on a free port: who gets the mail, what
 * it says in both parts, its headers, and failures that name the channel and nothing else. No
 * Spring context.
 */
class EmailChannelTest {
  private static final String BASE = "https://cs.example.org";
  private static final String FROM = "countersign@example.org";
  private static final String REQUESTER = "requester";

  /** The members of tech-leads, by user id: the requester is one of them. */
  private static final Map<String, String> TECH_LEADS =
      Map.of(
          "alice",
          "alice@example.org",
          "bob",
          "bob@example.org",
          REQUESTER,
          "requester@example.org");

  private final List<GreenMail> servers = new ArrayList<>();
  private final List<List<Object>> memberCalls = new ArrayList<>();

  private final Channels.GroupMembers members =
      (group, mayNotAct) -> {
        memberCalls.add(List.of(group, List.copyOf(mayNotAct)));
        List<String> addresses = new ArrayList<>();
        if (group.equals("tech-leads")) {
          TECH_LEADS.keySet().stream()
              .sorted()
              .filter(id -> !mayNotAct.contains(id))
              .forEach(id -> addresses.add(TECH_LEADS.get(id)));
        }
        return addresses;
      };

  @AfterEach
  void stopServers() {
    servers.forEach(GreenMail::stop);
  }

  @Test
  void signOffWaitingGoesToTheGroupMembersWhoMayActWithBothPartsAndHeaders() throws Exception {
    GreenMail smtp = start(null);
    EmailChannel channel = channel("approvers", List.of(), true, sender(smtp));
    Event event = signOffWaiting("Payments", "app-approved");

    Channel.Outcome outcome = channel.send(event, Instant.now());

    assertThat(outcome).isEqualTo(Channel.Outcome.delivered(250));
    assertThat(memberCalls).containsExactly(List.of("tech-leads", List.of(REQUESTER)));
    assertThat(received(smtp, "alice@example.org")).hasSize(1);
    assertThat(received(smtp, "bob@example.org")).hasSize(1);
    assertThat(received(smtp, "requester@example.org")).isEmpty();
    assertThat(smtp.getReceivedMessages()).hasSize(2);

    MimeMessage mail = received(smtp, "alice@example.org").get(0);
    assertThat(mail.getSubject())
        .isEqualTo("[Countersign] Sign-off waiting (tech-leads): Payments 2.4.1 → production");
    assertThat(mail.getFrom()).extracting(Address::toString).containsExactly(FROM);
    // Members are Bcc: no member's address is in a header the others see.
    assertThat(mail.getHeader("To")).isNull();
    assertThat(mail.getHeader("Bcc")).isNull();
    assertThat(GreenMailUtil.getHeaders(mail)).doesNotContain("bob@example.org");
    assertThat(mail.getHeader(EmailChannel.EVENT_ID_HEADER)).containsExactly(event.id());
    assertThat(mail.getHeader("Auto-Submitted")).containsExactly("auto-generated");
    assertThat(mail.getContentType()).startsWith("multipart/");

    String task = BASE + "/camunda/app/tasklist/default/#/?task=task-7";
    String plain = part(mail, "text/plain");
    assertThat(plain)
        .startsWith("Sign-off waiting (tech-leads): Payments 2.4.1 → production")
        .contains("Role: tech-leads")
        .contains("Due: 2026-12-03T12:00:00Z")
        .contains("Reason: app-approved")
        .contains("Open the task: " + task)
        .contains("Release: " + BASE + "/api/releases/rel-1");
    String html = part(mail, "text/html");
    assertThat(html)
        .contains("<h2>Sign-off waiting (tech-leads): Payments 2.4.1 → production</h2>")
        .contains("<tr><th align=\"left\">Role</th><td>tech-leads</td></tr>")
        .contains("<a href=\"" + task.replace("&", "&amp;") + "\">Open the task</a>")
        .doesNotContain("<script", "<img");
  }

  @Test
  void fixedAddressesAreToAndAnAddressThatIsAlsoAMembersGetsOneMail() throws Exception {
    GreenMail smtp = start(null);
    EmailChannel onlyTo =
        channel("ops", List.of("ops@example.org", "OPS@example.org"), false, sender(smtp));

    assertThat(onlyTo.send(signOffWaiting("Payments", "r"), Instant.now()).delivered()).isTrue();
    assertThat(memberCalls).isEmpty();
    assertThat(smtp.getReceivedMessages()).hasSize(1);
    MimeMessage mail = received(smtp, "ops@example.org").get(0);
    assertThat(mail.getRecipients(MimeMessage.RecipientType.TO))
        .extracting(Address::toString)
        .containsExactly("ops@example.org");

    smtp.reset();
    EmailChannel both =
        channel("both", List.of("alice@example.org", "ops@example.org"), true, sender(smtp));
    assertThat(both.send(signOffWaiting("Payments", "r"), Instant.now()).delivered()).isTrue();
    assertThat(received(smtp, "alice@example.org")).hasSize(1);
    assertThat(received(smtp, "bob@example.org")).hasSize(1);
    assertThat(received(smtp, "ops@example.org")).hasSize(1);
    assertThat(smtp.getReceivedMessages()).hasSize(3);
  }

  @Test
  void eventTextIsEscapedInHtmlAndALineBreakInjectsNoHeader() throws Exception {
    GreenMail smtp = start(null);
    EmailChannel channel = channel("ops", List.of("ops@example.org"), false, sender(smtp));
    String reason = "<script>alert(1)</script> & co";

    Channel.Outcome outcome =
        channel.send(
            signOffWaiting("Payments\r\nBcc: victim@example.org\r\nX-Evil: 1", reason),
            Instant.now());

    assertThat(outcome.delivered()).isTrue();
    assertThat(smtp.getReceivedMessages()).hasSize(1);
    MimeMessage mail = smtp.getReceivedMessages()[0];
    assertThat(mail.getHeader("X-Evil")).isNull();
    assertThat(received(smtp, "victim@example.org")).isEmpty();
    assertThat(mail.getSubject()).doesNotContain("\r", "\n").contains("Payments Bcc:");
    assertThat(part(mail, "text/plain")).contains("Reason: " + reason);
    assertThat(part(mail, "text/html"))
        .contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
        .doesNotContain("<script");
  }

  @Test
  void withoutRecipientNothingIsSent() throws Exception {
    GreenMail smtp = start(null);
    EmailChannel channel = channel("approvers", List.of(), true, sender(smtp));
    Map<String, Object> data = data("Payments", "r");
    data.remove("group");

    Channel.Outcome outcome = channel.send(event(data), Instant.now());

    assertThat(outcome)
        .isEqualTo(Channel.Outcome.skipped("no recipient for " + Notifications.SIGN_OFF_WAITING));
    assertThat(memberCalls).isEmpty();
    assertThat(smtp.getReceivedMessages()).isEmpty();

    // A group whose members may none of them act: no one either.
    Map<String, Object> nobody = data("Payments", "r");
    nobody.put("mayNotAct", List.of("alice", "bob", REQUESTER));
    assertThat(channel.send(event(nobody), Instant.now()).note()).startsWith("no recipient");
    assertThat(smtp.getReceivedMessages()).isEmpty();
  }

  @Test
  void serverDownFailsNamingTheChannelOnlyThenTheRetryDelivers() throws Exception {
    int port;
    try (ServerSocket socket = new ServerSocket(0)) {
      port = socket.getLocalPort();
    }
    JavaMailSenderImpl down = new JavaMailSenderImpl();
    down.setHost("127.0.0.1");
    down.setPort(port);
    Event event = signOffWaiting("Payments", "r");
    List<String> to = List.of("ops@example.org");

    Channel.Outcome failed = channel("ops", to, true, down).send(event, Instant.now());

    assertThat(failed.delivered()).isFalse();
    assertThat(failed.statusCode()).isZero();
    assertThat(failed.error())
        .startsWith("email ops: MailSendException")
        .doesNotContain("@", "127.0.0.1", String.valueOf(port));

    GreenMail smtp = start(null);
    Channel.Outcome retried = channel("ops", to, true, sender(smtp)).send(event, Instant.now());
    assertThat(retried).isEqualTo(Channel.Outcome.delivered(250));
    assertThat(received(smtp, "alice@example.org").get(0).getHeader(EmailChannel.EVENT_ID_HEADER))
        .containsExactly(event.id());
  }

  @Test
  void aWrongPasswordFailsWithoutQuotingIt() throws Exception {
    GreenMail smtp =
        start(GreenMailConfiguration.aConfig().withUser("relay@example.org", "relay", "right"));
    JavaMailSenderImpl sender = sender(smtp);
    sender.setUsername("relay");
    sender.setPassword("s3cret-wrong");

    Channel.Outcome outcome =
        channel("ops", List.of("ops@example.org"), false, sender)
            .send(signOffWaiting("Payments", "r"), Instant.now());

    assertThat(outcome.delivered()).isFalse();
    assertThat(outcome.error())
        .startsWith("email ops: MailAuthenticationException")
        .doesNotContain("s3cret-wrong", "relay", "@");
    assertThat(smtp.getReceivedMessages()).isEmpty();

    sender.setPassword("right");
    assertThat(
            channel("ops", List.of("ops@example.org"), false, sender)
                .send(signOffWaiting("Payments", "r"), Instant.now()))
        .isEqualTo(Channel.Outcome.delivered(250));
  }

  private GreenMail start(GreenMailConfiguration configuration) {
    GreenMail smtp = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
    if (configuration != null) {
      smtp.withConfiguration(configuration);
    }
    servers.add(smtp);
    smtp.start();
    return smtp;
  }

  private static JavaMailSenderImpl sender(GreenMail smtp) {
    JavaMailSenderImpl sender = new JavaMailSenderImpl();
    sender.setHost("127.0.0.1");
    sender.setPort(smtp.getSmtp().getPort());
    return sender;
  }

  private EmailChannel channel(
      String name, List<String> to, boolean toGroupMembers, JavaMailSenderImpl sender) {
    return new EmailChannel(
        name,
        new NotificationProperties.Email(FROM, to, toGroupMembers, null, null),
        sender,
        members);
  }

  private static List<MimeMessage> received(GreenMail smtp, String address) {
    return smtp.findReceivedMessages(u -> u.getEmail().equals(address), m -> true).toList();
  }

  /** The text of the first part of that type, looked for through the nested multiparts. */
  private static String part(Part part, String type) throws Exception {
    if (part.isMimeType(type)) {
      return (String) part.getContent();
    }
    if (part.getContent() instanceof Multipart multipart) {
      for (int i = 0; i < multipart.getCount(); i++) {
        BodyPart child = multipart.getBodyPart(i);
        String text = part(child, type);
        if (text != null) {
          return text;
        }
      }
    }
    return null;
  }

  private static Map<String, Object> data(String application, String reason) {
    Map<String, Object> data = new LinkedHashMap<>();
    data.put("application", application);
    data.put("version", "2.4.1");
    data.put("environment", "production");
    data.put("role", "tech-leads");
    data.put("group", "tech-leads");
    data.put("mayNotAct", List.of(REQUESTER));
    data.put("taskId", "task-7");
    data.put("taskName", "Sign off as tech-leads");
    data.put("due", "2026-12-03T12:00:00Z");
    data.put("reason", reason);
    // As Notifications.publish adds them.
    data.put(
        "links",
        Map.of(
            "task", BASE + "/camunda/app/tasklist/default/#/?task=task-7",
            "release", BASE + "/api/releases/rel-1",
            "evidence", BASE + "/api/releases/rel-1/evidence"));
    return data;
  }

  private static Event signOffWaiting(String application, String reason) {
    return event(data(application, reason));
  }

  private static Event event(Map<String, Object> data) {
    return Event.parse(
        Notifications.cloudEvent(
            UUID.randomUUID().toString(),
            "rel-1",
            Notifications.SIGN_OFF_WAITING,
            Instant.parse("2026-12-01T12:00:00Z"),
            data));
  }
}
