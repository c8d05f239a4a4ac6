package io.countersign.notify;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.countersign.evidence.EvidenceDatabase;
import io.countersign.evidence.EvidenceLog;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.mail.javamail.JavaMailSender;

/**
 * The outbox on PostgreSQL, as several nodes run it: migrated by the real migrations, two
 * deliverers with their own connections claiming from one table at once.
 */
class OutboxPostgresTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;
  private final WireMockServer server = new WireMockServer(options().dynamicPort());
  private EvidenceDatabase db;

  @BeforeEach
  void start() {
    server.start();
    db = EvidenceDatabase.postgres();
  }

  @AfterEach
  void stop() {
    server.stop();
    db.close();
  }

  @Test
  void twoNodesOnPostgresqlSendEachEventOnce() throws Exception {
    server.stubFor(
        post(urlEqualTo("/audit")).willReturn(aResponse().withStatus(200).withFixedDelay(20)));
    NotificationProperties properties =
        NotificationProperties.webhooksOnly(
            Map.of(
                "audit",
                new NotificationProperties.Webhook(
                    URI.create(server.baseUrl() + "/audit"),
                    "a-secret-of-enough-bytes-42",
                    null,
                    null,
                    null)),
            null);
    EvidenceLog evidence = db.log(dir);
    Notifications notifications =
        new Notifications(db.jdbc, properties, "https://countersign.example.org");
    List<String> eventIds = new ArrayList<>();
    db.transaction.executeWithoutResult(
        status -> {
          for (int i = 0; i < 40; i++) {
            eventIds.addAll(
                notifications.publish(
                    "rel-pg-" + (i % 4),
                    Notifications.STATUS_CHANGED,
                    Map.of("environment", "production", "status", "deploying")));
          }
        });
    assertThat(eventIds).hasSize(40);

    Instant now = Instant.now().plusSeconds(1);
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService nodes = Executors.newFixedThreadPool(2);
    int total = 0;
    try {
      List<Future<Integer>> sent = new ArrayList<>();
      for (int node = 0; node < 2; node++) {
        OutboxDeliverer deliverer =
            new OutboxDeliverer(
                db.jdbc,
                evidence,
                properties,
                new Channels(properties, (JavaMailSender) null, null),
                new SimpleMeterRegistry());
        Callable<Integer> run =
            () -> {
              go.await();
              return deliverer.deliverDue(now);
            };
        sent.add(nodes.submit(run));
      }
      go.countDown();
      for (Future<Integer> s : sent) {
        total += s.get(60, TimeUnit.SECONDS);
      }
    } finally {
      nodes.shutdownNow();
    }
    // Each call reads at most 50 due rows: 40 fit, all of them went out.
    assertThat(total).isEqualTo(40);
    List<String> received =
        server.getAllServeEvents().stream()
            .map(ServeEvent::getRequest)
            .map(r -> id(r.getBodyAsString()))
            .toList();
    assertThat(received).hasSize(40).doesNotHaveDuplicates();
    assertThat(received).containsExactlyInAnyOrderElementsOf(eventIds);
    assertThat(
            db.jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_notification_outbox WHERE delivered_at IS NOT NULL AND attempts = 1",
                Integer.class))
        .isEqualTo(40);
    for (int i = 0; i < 4; i++) {
      assertThat(evidence.verify("rel-pg-" + i).valid()).isTrue();
    }
  }

  private static String id(String body) {
    try {
      return JSON.readTree(body).get("id").asText();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
