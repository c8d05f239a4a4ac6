package io.countersign.notify;

import jakarta.mail.MessagingException;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import jakarta.mail.internet.MimeMessage;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.eclipse.angus.mail.smtp.SMTPAddressFailedException;
import org.eclipse.angus.mail.smtp.SMTPSendFailedException;
import org.springframework.mail.MailException;
import org.springframework.mail.MailSendException;
import org.springframework.mail.javamail.JavaMailSender;
import org.springframework.mail.javamail.MimeMessageHelper;
import org.springframework.web.util.HtmlUtils;

/**
 * An e-mail route: one message per event, plain text and HTML, to the fixed addresses and, when
 * configured, to the members of the group the event addresses ({@code data.group}) who may act on
 * it ({@code data.mayNotAct} left out). {@code X-Countersign-Event-Id} carries the event id, which
 * stays the same across the outbox's retries, so a filter can drop a repeat.
 */
class EmailChannel implements Channel {
  static final String EVENT_ID_HEADER = "X-Countersign-Event-Id";
  static final String SUBJECT_PREFIX = "[Countersign] ";

  private final String name;
  private final NotificationProperties.Email config;
  private final JavaMailSender mail;
  private final Channels.GroupMembers members;

  EmailChannel(
      String name,
      NotificationProperties.Email config,
      JavaMailSender mail,
      Channels.GroupMembers members) {
    this.name = name;
    this.config = config;
    this.mail = mail;
    this.members = members;
  }

  @Override
  public Outcome send(Event event, Instant now) {
    // Keyed in lower case: one mail per mailbox when a fixed address is also a member's.
    Map<String, String> to = new LinkedHashMap<>();
    config.to().forEach(a -> to.putIfAbsent(a.strip().toLowerCase(Locale.ROOT), a.strip()));
    Map<String, InternetAddress> bcc = new LinkedHashMap<>();
    String group = event.text("group");
    if (config.toGroupMembers() && group != null) {
      for (String address : members.addresses(group, mayNotAct(event))) {
        String key = address.strip().toLowerCase(Locale.ROOT);
        InternetAddress parsed = parse(address.strip());
        // A member's address comes from a user profile: one that is not an address is left out
        // rather than failing, and retrying for ever, the mail to everyone else.
        if (parsed != null && !to.containsKey(key)) {
          bcc.putIfAbsent(key, parsed);
        }
      }
    }
    if (to.isEmpty() && bcc.isEmpty()) {
      return Outcome.skipped("no recipient for " + event.type());
    }
    try {
      mail.send(message(event, List.copyOf(to.values()), List.copyOf(bcc.values())));
      return Outcome.delivered(250);
    } catch (MailException e) {
      return failed(e);
    } catch (MessagingException e) {
      return Outcome.failed(0, "email " + name + ": " + e.getClass().getSimpleName());
    }
  }

  /**
   * The fixed addresses in {@code To}, which their readers know (a team list); group members in
   * {@code Bcc}, so no member sees who else was asked (SMTP drops the Bcc header). With members
   * only, {@code To} stays empty, which RFC 5322 allows: putting {@code from} there would send a
   * copy to what is often a no-reply address that the relay refuses.
   */
  private MimeMessage message(Event event, List<String> to, List<InternetAddress> bcc)
      throws MessagingException {
    Message message = Message.of(event);
    MimeMessage mime = mail.createMimeMessage();
    MimeMessageHelper helper = new MimeMessageHelper(mime, true, "UTF-8");
    helper.setFrom(config.from());
    helper.setTo(to.toArray(String[]::new));
    helper.setBcc(bcc.toArray(InternetAddress[]::new));
    // Event data is not trusted in headers: a line break would start a header of its own.
    helper.setSubject(SUBJECT_PREFIX + oneLine(message.title()));
    mime.setHeader(EVENT_ID_HEADER, oneLine(event.id()));
    mime.setHeader("Auto-Submitted", "auto-generated"); // RFC 3834: no auto-replies to this
    helper.setText(plain(message), html(message));
    return mime;
  }

  static String plain(Message message) {
    StringBuilder text = new StringBuilder(message.title()).append("\n\n");
    if (message.summary() != null) {
      text.append(message.summary()).append("\n\n");
    }
    message.facts().forEach((label, value) -> text.append(label + ": " + value + "\n"));
    if (!message.links().isEmpty()) {
      text.append('\n');
      message.links().forEach((label, url) -> text.append(label + ": " + url + "\n"));
    }
    return text.toString();
  }

  /** Every event-derived text escaped; no script, no external image, no style sheet. */
  static String html(Message message) {
    StringBuilder html = new StringBuilder("<!DOCTYPE html>\n<html><body>\n");
    html.append("<h2>").append(escape(message.title())).append("</h2>\n");
    if (message.summary() != null) {
      html.append("<p>").append(escape(message.summary())).append("</p>\n");
    }
    if (!message.facts().isEmpty()) {
      html.append("<table cellpadding=\"4\">\n");
      message
          .facts()
          .forEach(
              (label, value) ->
                  html.append("<tr><th align=\"left\">")
                      .append(escape(label))
                      .append("</th><td>")
                      .append(escape(value))
                      .append("</td></tr>\n"));
      html.append("</table>\n");
    }
    message
        .links()
        .forEach(
            (label, url) -> {
              String lower = url.toLowerCase(Locale.ROOT);
              // Only web links become anchors: a javascript: or data: URL stays inert text.
              if (lower.startsWith("https://") || lower.startsWith("http://")) {
                html.append("<p><a href=\"")
                    .append(escape(url))
                    .append("\">")
                    .append(escape(label))
                    .append("</a></p>\n");
              } else {
                html.append("<p>").append(escape(label + ": " + url)).append("</p>\n");
              }
            });
    return html.append("</body></html>\n").toString();
  }

  /**
   * The failure's kind and, when the server refused the mail or a recipient, its SMTP reply code.
   * Never the exception's message: it may quote the recipients (Invalid Addresses...) and the
   * server's answer.
   */
  private Outcome failed(MailException e) {
    List<Throwable> chain = new ArrayList<>();
    for (Throwable c = e.getCause(); c != null && chain.size() < 10; c = c.getCause()) {
      chain.add(c);
    }
    if (e instanceof MailSendException send) {
      for (Exception failure : send.getMessageExceptions()) {
        for (Throwable c = failure; c != null && chain.size() < 20; c = c.getCause()) {
          chain.add(c);
        }
      }
    }
    int code = 0;
    for (Throwable c : chain) {
      if (code == 0 && c instanceof SMTPSendFailedException f) {
        code = f.getReturnCode();
      } else if (code == 0 && c instanceof SMTPAddressFailedException f) {
        code = f.getReturnCode();
      }
    }
    // The innermost cause says most (ConnectException, AuthenticationFailedException...).
    String cause = chain.isEmpty() ? null : chain.get(chain.size() - 1).getClass().getSimpleName();
    return Outcome.failed(
        code,
        "email "
            + name
            + ": "
            + e.getClass().getSimpleName()
            + (cause == null ? "" : " (" + cause + ")")
            + (code == 0 ? "" : ", SMTP " + code));
  }

  /** {@code data.mayNotAct}: the user ids who may not act (the requester...), or none. */
  private static List<String> mayNotAct(Event event) {
    List<String> ids = new ArrayList<>();
    event.data().path("mayNotAct").forEach(id -> ids.add(id.asText()));
    return ids;
  }

  private static InternetAddress parse(String address) {
    try {
      return new InternetAddress(address, true);
    } catch (AddressException e) {
      return null;
    }
  }

  private static String oneLine(String text) {
    return text.replaceAll("\\p{Cntrl}+", " ").strip();
  }

  private static String escape(String text) {
    return HtmlUtils.htmlEscape(text, "UTF-8");
  }
}
