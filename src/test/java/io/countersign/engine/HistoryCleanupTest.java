package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApiAppSupport;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneOffset;
import java.util.List;
import org.camunda.bpm.engine.HistoryService;
import org.camunda.bpm.engine.ProcessEngineConfiguration;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.runtime.Job;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * The engine's history does not grow without bound: every model has a time to live, and the history
 * cleanup job is scheduled at start in the nightly window (01:00-05:00 UTC). Evidence is
 * Countersign's own table and keeps its own retention; the engine's cleanup never touches it.
 */
@ApiAppSupport
class HistoryCleanupTest {
  private static final LocalTime WINDOW_START = LocalTime.of(1, 0);
  private static final LocalTime WINDOW_END = LocalTime.of(5, 0);

  @Autowired HistoryService history;
  @Autowired RepositoryService repository;
  @Autowired ProcessEngineConfiguration configuration;

  @Test
  void theCleanupJobIsScheduledInTheNightlyWindow() {
    ProcessEngineConfigurationImpl engine = (ProcessEngineConfigurationImpl) configuration;
    assertThat(engine.getHistoryCleanupBatchWindowStartTime()).isEqualTo("01:00+0000");
    assertThat(engine.getHistoryCleanupBatchWindowEndTime()).isEqualTo("05:00+0000");
    assertThat(engine.getHistoryCleanupStrategy())
        .isEqualTo(ProcessEngineConfiguration.HISTORY_CLEANUP_STRATEGY_REMOVAL_TIME_BASED);

    List<Job> jobs = history.findHistoryCleanupJobs();
    assertThat(jobs).isNotEmpty();
    Instant now = Instant.now();
    for (Job job : jobs) {
      Instant due = job.getDuedate().toInstant();
      LocalTime at = due.atZone(ZoneOffset.UTC).toLocalTime();
      // Due at the next window's start, or (started inside a window, or run there already) within
      // it.
      assertThat(at).as("due %s", due).isBetween(WINDOW_START, WINDOW_END);
      assertThat(due).isBefore(now.plus(Duration.ofHours(25)));
    }
  }

  @Test
  void everyModelHasATimeToLive() {
    assertThat(repository.createProcessDefinitionQuery().list())
        .isNotEmpty()
        .allSatisfy(d -> assertThat(d.getHistoryTimeToLive()).as(d.getKey()).isPositive());
    assertThat(repository.createDecisionDefinitionQuery().list())
        .isNotEmpty()
        .allSatisfy(d -> assertThat(d.getHistoryTimeToLive()).as(d.getKey()).isPositive());
  }
}
