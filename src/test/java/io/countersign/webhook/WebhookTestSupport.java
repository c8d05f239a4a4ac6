package io.countersign.webhook;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import io.countersign.ProcessTestSupport;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * The real models and engine with the live webhook adapter and two configured endpoints on
 * WireMock: a signed change board and a chat channel whose URL carries its token. One context for
 * every webhook test class.
 */
@TestPropertySource(
    properties = {
      "countersign.targets.webhooks.mode=live",
      "countersign.targets.webhooks.timeout=PT2S",
      "countersign.targets.webhooks.endpoints.change-board.secret=" + HttpWebhookTargetTest.SECRET
    })
abstract class WebhookTestSupport extends ProcessTestSupport {
  static final String CHANGE_BOARD = "/hooks/change-board";
  static final String OPS_CHAT = "/hooks/ops-chat/T0KEN-s3cr3t";
  // Shared by the classes of this context (the JVM ends it), like the context itself; stubs are
  // reset per test.
  static final WireMockServer SERVER = new WireMockServer(options().dynamicPort());
  private static final ObjectMapper JSON = new ObjectMapper();

  static {
    SERVER.start();
  }

  @DynamicPropertySource
  static void endpoints(DynamicPropertyRegistry registry) {
    registry.add(
        "countersign.targets.webhooks.endpoints.change-board.url",
        () -> SERVER.baseUrl() + CHANGE_BOARD);
    registry.add(
        "countersign.targets.webhooks.endpoints.ops-chat.url", () -> SERVER.baseUrl() + OPS_CHAT);
  }

  @BeforeEach
  void resetEndpoints() {
    SERVER.resetAll();
  }

  /** The staging example, telling the given endpoints. */
  ObjectNode manifest(String... endpoints) {
    ObjectNode manifest = example("staging");
    ArrayNode names = manifest.putObject("webhooks").putArray("endpoints");
    List.of(endpoints).forEach(names::add);
    return manifest;
  }

  /** Every notice WireMock received, in order: the request path and the parsed body. */
  static List<Received> received() {
    List<ServeEvent> events = new ArrayList<>(SERVER.getAllServeEvents());
    Collections.reverse(events); // WireMock lists the newest first
    return events.stream()
        .map(ServeEvent::getRequest)
        .map(
            r ->
                new Received(
                    r.getUrl(),
                    r.getHeader("webhook-id"),
                    json(r.getBodyAsString()),
                    r.getBodyAsString()))
        .toList();
  }

  record Received(String path, String id, JsonNode body, String text) {
    String summary() {
      return path.substring(path.lastIndexOf("/hooks/") + 7).replace("/T0KEN-s3cr3t", "")
          + " "
          + body.path("type").asText();
    }
  }

  static JsonNode json(String text) {
    try {
      return JSON.readTree(text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
