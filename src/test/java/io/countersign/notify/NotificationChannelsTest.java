package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.icegreen.greenmail.store.FolderException;
import com.icegreen.greenmail.store.StoredMessage;
import com.icegreen.greenmail.user.GreenMailUser;
import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;
import io.countersign.ProcessTestSupport;
import io.micrometer.core.instrument.MeterRegistry;
import jakarta.mail.internet.MimeMessage;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.task.Task;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Every channel kind configured as an installation would, against real peers started here: WireMock
 * answering as Slack, Teams and PagerDuty's Events API v2 do, GreenMail as the SMTP server.
 * Releases run on the real engine; the tests deliver the outbox themselves. Routing: Slack gets
 * sign-offs and rollbacks in every environment, Teams status changes, PagerDuty only production's
 * pages, e-mail only sign-offs waiting, to the role's members who may sign.
 */
@TestPropertySource(
    properties = {
      "countersign.notifications.delivery.enabled=false",
      "countersign.notifications.slack.ops-chat.events[0]=io.countersign.sign-off.*",
      "countersign.notifications.slack.ops-chat.events[1]=io.countersign.rollback.*",
      "countersign.notifications.teams.release-room.events[0]=" + Notifications.STATUS_CHANGED,
      "countersign.notifications.pagerduty.on-call.environments[0]=production",
      "countersign.notifications.email.approvers.from=countersign@hospital.example.org",
      "countersign.notifications.email.approvers.to-group-members=true",
      "countersign.notifications.email.approvers.events[0]=" + Notifications.SIGN_OFF_WAITING,
      "countersign.base-url=https://countersign.example.org",
    })
class NotificationChannelsTest extends ProcessTestSupport {
  static final String ROUTING_KEY = "R0utingKey0123456789abcdefABCDEF";
  private static final ObjectMapper JSON = new ObjectMapper();

  static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  static final GreenMail SMTP = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
  static final Path KEY_FILE;

  static {
    SERVER.start();
    SMTP.start();
    try {
      String work = System.getProperty("countersign.test-work", "target/test-work");
      Path dir = Files.createDirectories(Path.of(work, "notify"));
      KEY_FILE = Files.createTempFile(dir, "pagerduty", ".key");
      Files.writeString(KEY_FILE, ROUTING_KEY + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @DynamicPropertySource
  static void peers(DynamicPropertyRegistry registry) {
    // The URLs stand for secrets: an installation sets them from the environment or a file.
    registry.add(
        "countersign.notifications.slack.ops-chat.url",
        () -> SERVER.baseUrl() + "/services/T000/B000/slack-token");
    registry.add(
        "countersign.notifications.teams.release-room.url",
        () -> SERVER.baseUrl() + "/workflows/teams-token");
    registry.add(
        "countersign.notifications.pagerduty.on-call.url", () -> SERVER.baseUrl() + "/v2/enqueue");
    registry.add(
        "countersign.notifications.pagerduty.on-call.routing-key-file", KEY_FILE::toString);
    registry.add("spring.mail.host", () -> "127.0.0.1");
    registry.add("spring.mail.port", () -> SMTP.getSmtp().getPort());
  }

  @AfterAll
  static void stop() throws IOException {
    SERVER.stop();
    SMTP.stop();
    Files.deleteIfExists(KEY_FILE);
  }

  @Autowired OutboxDeliverer deliverer;
  @Autowired NotificationsHealthIndicator health;
  @Autowired MeterRegistry meters;

  @BeforeEach
  void receivers() throws Exception {
    SERVER.resetAll();
    SERVER.stubFor(
        post(urlEqualTo("/services/T000/B000/slack-token"))
            .willReturn(aResponse().withStatus(200).withBody("ok")));
    SERVER.stubFor(
        post(urlEqualTo("/workflows/teams-token")).willReturn(aResponse().withStatus(202)));
    SERVER.stubFor(
        post(urlEqualTo("/v2/enqueue"))
            .willReturn(
                aResponse()
                    .withStatus(202)
                    .withHeader("Content-Type", "application/json")
                    .withBody(
                        "{\"status\":\"success\",\"message\":\"Event processed\","
                            + "\"dedup_key\":\"from-pagerduty\"}")));
    SMTP.purgeEmailFromAllMailboxes();
    jdbc.update("DELETE FROM cs_notification_outbox");
    deliverer.forgetFailures();
  }

  /** Delivers everything due, as the scheduled task would, until nothing is left. */
  private void deliver() {
    Instant now = Instant.now().plusSeconds(1);
    while (deliverer.deliverDue(now) > 0) {
      // a batch at a time
    }
  }

  private List<JsonNode> posted(String path) {
    return SERVER.getAllServeEvents().stream()
        .filter(e -> e.getRequest().getUrl().equals(path))
        .sorted((a, b) -> a.getRequest().getLoggedDate().compareTo(b.getRequest().getLoggedDate()))
        .map(e -> read(e.getRequest().getBodyAsString()))
        .toList();
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private void member(String id, String email, String group) {
    if (identity.createUserQuery().userId(id).count() == 0) {
      User user = identity.newUser(id);
      user.setEmail(email);
      user.setPassword("not-used-here-" + id);
      identity.saveUser(user);
      identity.createMembership(id, group);
    }
  }

  /** The decoded text/plain part. */
  private static String plainText(jakarta.mail.Part part) throws Exception {
    if (part.isMimeType("text/plain")) {
      return part.getContent().toString();
    }
    if (part.getContent() instanceof jakarta.mail.Multipart multipart) {
      for (int i = 0; i < multipart.getCount(); i++) {
        String text = plainText(multipart.getBodyPart(i));
        if (text != null) {
          return text;
        }
      }
    }
    return null;
  }

  /** What GreenMail delivered to this address (Bcc recipients leave no header to search). */
  private static List<MimeMessage> inbox(String address) throws FolderException {
    GreenMailUser user = SMTP.getUserManager().getUserByEmail(address);
    if (user == null) {
      return List.of();
    }
    return SMTP.getManagers().getImapHostManager().getInbox(user).getMessages().stream()
        .map(StoredMessage::getMimeMessage)
        .toList();
  }

  @Test
  void aSignOffWaitingReachesTheRolesMembersWhoMaySignBySlackAndEmail() throws Exception {
    // A member of the role who requested the release may not sign it: not asked.
    member("nt-lead", "nt-lead@hospital.example.org", "tech-leads");
    member("nt-requester", "nt-requester@hospital.example.org", "tech-leads");
    String id = submit(example("staging"), "nt-requester");
    Task techLeads = signOffTask(id, "tech-leads");
    deliver();

    List<MimeMessage> inbox = inbox("nt-lead@hospital.example.org");
    assertThat(inbox).as("the tech lead who may sign is asked once").hasSize(1);
    assertThat(inbox("nt-requester@hospital.example.org"))
        .as("the requester, though a tech lead, may not sign: not asked")
        .isEmpty();
    MimeMessage mail = inbox.get(0);
    assertThat(mail.getSubject())
        .startsWith("[Countersign] Sign-off waiting (tech-leads): medication-tracker");
    assertThat(mail.getHeader("X-Countersign-Event-Id")).isNotEmpty();
    assertThat(plainText(mail))
        .contains("/camunda/app/tasklist/default/#/?task=" + techLeads.getId());

    List<JsonNode> slack = posted("/services/T000/B000/slack-token");
    assertThat(slack).hasSameSizeAs(openTasks(id, "approveRelease"));
    assertThat(slack)
        .anySatisfy(
            body -> {
              assertThat(body.path("text").asText()).contains("Sign-off waiting (tech-leads)");
              assertThat(body.path("blocks").toString()).contains("?task=" + techLeads.getId());
            });
    assertThat(posted("/v2/enqueue")).as("staging pages nobody").isEmpty();
    assertThat(posted("/workflows/teams-token"))
        .as("Teams: the status change to awaiting sign-off")
        .isNotEmpty()
        .allSatisfy(
            body ->
                assertThat(body.path("attachments").get(0).path("contentType").asText())
                    .isEqualTo("application/vnd.microsoft.card.adaptive"));
    assertThat(
            meters
                .counter(
                    "countersign.notifications.deliveries",
                    "channel",
                    "approvers",
                    "outcome",
                    "delivered")
                .count())
        .isGreaterThanOrEqualTo(1);
    approveAll(id); // ends it: no open sign-off left for other tests' task lists
    assertThat(status(id)).isEqualTo("released");
  }

  @Test
  void aProductionRollbackPagesAndResolvesWhileStagingOnlyPosts() {
    ObjectNode staging = example("staging");
    staging.putObject("drill").put("failAt", "verifyRelease");
    String stagingId = submit(staging);
    approveAll(stagingId);
    // Drills are refused in production: there the rollback is asked for, as the API does.
    String productionId = submit(example("production"));
    approveAll(productionId);
    runJobs();
    postDeploymentEvidence(productionId);
    assertThat(status(productionId)).isEqualTo("released");
    runtime
        .createMessageCorrelation("rollbackRequested")
        .processInstanceBusinessKey(productionId)
        .setVariable("rollbackReason", "Error rate above the runbook's limit")
        .setVariable("rollbackRequestedBy", "ops-lead")
        .correlate();
    runJobs();
    assertThat(status(stagingId)).isEqualTo("rolled-back");
    assertThat(status(productionId)).isEqualTo("rolled-back");
    deliver();

    List<JsonNode> pages = posted("/v2/enqueue");
    assertThat(pages)
        .extracting(p -> p.path("event_action").asText() + " " + p.path("dedup_key").asText())
        .containsExactly(
            "trigger countersign/" + productionId + "/rollback",
            "resolve countersign/" + productionId + "/rollback");
    assertThat(pages.get(0).path("routing_key").asText()).isEqualTo(ROUTING_KEY);
    assertThat(pages.get(0).path("payload").path("group").asText()).isEqualTo("production");
    assertThat(pages.get(0).path("payload").path("summary").asText())
        .startsWith("Rolling back: medication-tracker");

    List<String> slackTitles =
        posted("/services/T000/B000/slack-token").stream()
            .map(b -> b.path("text").asText())
            .filter(t -> t.startsWith("Roll"))
            .toList();
    assertThat(slackTitles)
        .as("both environments post their rollbacks")
        .hasSize(4)
        .anyMatch(t -> t.contains("→ staging"))
        .anyMatch(t -> t.contains("→ production"));
    assertThat(health.health().getDetails().get("channels"))
        .isEqualTo(List.of("approvers", "on-call", "ops-chat", "release-room"));
  }

  @Test
  void aChannelThatRefusesIsRetriedAndShownAsFailingWhileTheOthersDeliver() {
    SERVER.stubFor(
        post(urlEqualTo("/services/T000/B000/slack-token"))
            .willReturn(aResponse().withStatus(404).withBody("no_service")));
    String id = submit(example("staging"));
    for (int attempt = 0; attempt < 3; attempt++) {
      deliverer.deliverDue(
          Instant.now().plus(OutboxDeliverer.MAX_BACKOFF.multipliedBy(attempt + 1)));
    }
    assertThat(health.health().getDetails().get("failing")).isEqualTo(List.of("ops-chat"));
    assertThat(posted("/workflows/teams-token")).isNotEmpty();
    assertThat(payloads(id, "notification-failed"))
        .allSatisfy(
            p -> {
              assertThat(p.path("channel").asText()).isEqualTo("ops-chat");
              assertThat(p.toString()).doesNotContain("slack-token").doesNotContain(ROUTING_KEY);
            });
    assertThat(
            meters
                .counter(
                    "countersign.notifications.deliveries",
                    "channel",
                    "ops-chat",
                    "outcome",
                    "failed")
                .count())
        .isGreaterThanOrEqualTo(3);
    assertThat(
            meters
                .get("countersign.notifications.failures.in.a.row")
                .tag("channel", "ops-chat")
                .gauge()
                .value())
        .isGreaterThanOrEqualTo(3);
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
  }
}
