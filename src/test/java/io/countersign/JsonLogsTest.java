package io.countersign;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.LoggerContext;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.logging.LoggingInitializationContext;
import org.springframework.boot.logging.LoggingSystem;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

/**
 * The profile "json-logs" turns console output into one JSON object per line (Elastic Common
 * Schema), the MDC's release id among the fields. Logging is one per JVM and other test contexts
 * have set it up already, so the test sets it up from the profile's environment itself and puts
 * back the plain console and the logger levels afterwards.
 */
@ExtendWith(OutputCaptureExtension.class)
class JsonLogsTest {
  private static final Logger LOG = LoggerFactory.getLogger(JsonLogsTest.class);

  /** No beans: only the configuration files and their profiles are read. */
  @Configuration(proxyBeanMethods = false)
  static class Nothing {}

  @Test
  void theProfileWritesEachLineAsJsonWithTheReleaseId(CapturedOutput output) throws Exception {
    String marker = "json-logs-" + UUID.randomUUID();
    LoggingSystem logging = LoggingSystem.get(getClass().getClassLoader());
    // What other contexts of this JVM set (logging.level.*), put back afterwards.
    LoggerContext logback = (LoggerContext) LoggerFactory.getILoggerFactory();
    Map<String, Level> levels = new HashMap<>();
    logback.getLoggerList().stream()
        .filter(l -> l.getLevel() != null)
        .forEach(l -> levels.put(l.getName(), l.getLevel()));
    try (ConfigurableApplicationContext app =
        new SpringApplicationBuilder(Nothing.class)
            .web(WebApplicationType.NONE)
            .profiles("json-logs")
            .properties("spring.main.banner-mode=off")
            .run()) {
      reinitialize(logging, app.getEnvironment());
      MDC.put("releaseId", "rel-20260101-json01");
      try {
        LOG.info("{} written for a release", marker);
      } finally {
        MDC.remove("releaseId");
      }
    } finally {
      StandardEnvironment plain = new StandardEnvironment();
      plain
          .getPropertySources()
          .addFirst(
              new MapPropertySource("name", Map.of("spring.application.name", "countersign")));
      reinitialize(logging, plain);
      levels.forEach((name, level) -> logback.getLogger(name).setLevel(level));
    }

    List<String> lines = output.getOut().lines().filter(l -> l.contains(marker)).toList();
    assertThat(lines).hasSize(1);
    JsonNode line = HttpSupport.JSON.readTree(lines.get(0));
    assertThat(line.path("message").asText()).isEqualTo(marker + " written for a release");
    // ECS field names with dots are nested objects: log.level is {"log":{"level":...}}.
    assertThat(line.at("/log/level").asText()).isEqualTo("INFO");
    assertThat(line.at("/log/logger").asText()).isEqualTo(JsonLogsTest.class.getName());
    assertThat(line.at("/service/name").asText()).isEqualTo("countersign");
    assertThat(line.at("/process/thread/name").asText())
        .isEqualTo(Thread.currentThread().getName());
    assertThat(line.path("releaseId").asText()).isEqualTo("rel-20260101-json01");
    assertThat(Instant.parse(line.path("@timestamp").asText())).isBefore(Instant.now());
  }

  @Test
  void withoutTheProfileTheConsoleStaysPlainText(CapturedOutput output) {
    String marker = "plain-logs-" + UUID.randomUUID();
    // Another test context of this JVM may have set io.countersign to WARN.
    ch.qos.logback.classic.Logger logger = (ch.qos.logback.classic.Logger) LOG;
    Level before = logger.getLevel();
    logger.setLevel(Level.INFO);
    try {
      LOG.info("{} written", marker);
    } finally {
      logger.setLevel(before);
    }
    assertThat(output.getOut().lines().filter(l -> l.contains(marker)))
        .singleElement()
        .satisfies(l -> assertThat(l).doesNotStartWith("{"));
  }

  private static void reinitialize(LoggingSystem logging, ConfigurableEnvironment environment) {
    logging.cleanUp();
    logging.beforeInitialize();
    logging.initialize(new LoggingInitializationContext(environment), null, null);
  }
}
