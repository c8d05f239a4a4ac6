package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.ManifestFixture;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The release id in the MDC under "releaseId": on the lines the engine's jobs and listeners write
 * for a release (its sub processes included, which share the business key), and on the lines of a
 * request on one release.
 */
@ApiAppSupport
class ReleaseLogContextTest {
  @LocalServerPort int port;

  private final ListAppender<ILoggingEvent> appender = new ListAppender<>();
  private final Logger statusLog = (Logger) LoggerFactory.getLogger(ReleaseStatus.class);
  private Level levelBefore;

  @BeforeEach
  void capture() {
    // Logging is one per JVM: another test context may have set io.countersign to WARN.
    levelBefore = statusLog.getLevel();
    statusLog.setLevel(Level.INFO);
    appender.start();
    statusLog.addAppender(appender);
  }

  @AfterEach
  void release() {
    statusLog.detachAppender(appender);
    statusLog.setLevel(levelBefore);
  }

  @Test
  void everyLineOfARunningReleaseCarriesItsIdFromJobsAndSubProcessesToo() {
    HttpSupport http = new HttpSupport(port);
    String id =
        http.releaseInStaging(
            ManifestFixture.withVersion(
                ManifestFixture.production(), ManifestFixture.freshVersion("mdc")));

    List<ILoggingEvent> lines =
        await()
            .atMost(Duration.ofSeconds(30))
            .until(
                () -> linesAbout(id),
                found ->
                    found.stream().anyMatch(e -> e.getFormattedMessage().endsWith("-> released")));
    assertThat(lines)
        .hasSizeGreaterThan(3)
        .allSatisfy(e -> assertThat(e.getMDCPropertyMap()).containsEntry("releaseId", id));
    // Written by the job executor, in the deploy sub process (a process instance of its own).
    ILoggingEvent verifying =
        lines.stream()
            .filter(e -> e.getFormattedMessage().endsWith("-> verifying"))
            .findFirst()
            .orElseThrow();
    assertThat(verifying.getThreadName()).doesNotStartWith("http-");
    assertThat(verifying.getMDCPropertyMap()).containsKey("processInstanceId");
  }

  @Test
  void aRequestOnOneReleaseLogsWithItsIdAndLeavesNothingBehind() throws Exception {
    Map<String, String> seen = new HashMap<>();
    String[][] cases = {
      {"/api/releases/rel-20260101-abc123", "rel-20260101-abc123"},
      {"/api/releases/rel-20260101-abc123/cancel", "rel-20260101-abc123"},
      {"/console/api/releases/rel-x1/diagram", "rel-x1"},
      {"/console/releases/rel-x2", "rel-x2"},
      {"/api/releases", null},
      {"/api/releases/rel%0Aforged", null},
      {"/api/other/rel-x3", null}
    };
    for (String[] c : cases) {
      MockHttpServletRequest request = new MockHttpServletRequest("GET", c[0]);
      ReleaseLogContext.filter()
          .doFilter(
              request,
              new MockHttpServletResponse(),
              (req, res) -> seen.put(c[0], MDC.get(ReleaseLogContext.KEY)));
      assertThat(seen.get(c[0])).as(c[0]).isEqualTo(c[1]);
      assertThat(MDC.get(ReleaseLogContext.KEY)).as("after " + c[0]).isNull();
    }
  }

  private List<ILoggingEvent> linesAbout(String id) {
    List<ILoggingEvent> copy;
    // ListAppender appends under the appender's own lock.
    synchronized (appender) {
      copy = new ArrayList<>(appender.list);
    }
    return copy.stream()
        .filter(e -> e.getFormattedMessage().startsWith("Release " + id + ":"))
        .toList();
  }
}
