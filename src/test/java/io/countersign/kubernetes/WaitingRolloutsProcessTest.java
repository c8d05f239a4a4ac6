package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Waiting is free: a release waiting on a rollout is a timer row in the engine's database, not a
 * thread. 200 releases wait on 200 progressing rollouts at once; the test asserts on the engine's
 * state and reports the cost.
 */
class WaitingRolloutsProcessTest extends LiveClusterProcessTestSupport {
  private static final int RELEASES = 200;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final List<String> releaseIds = new ArrayList<>();

  @AfterEach
  void cancelTheWaitingReleases() {
    // Their timers would otherwise come due in later tests that move the engine clock.
    List<String> instances =
        releaseIds.stream()
            .map(id -> instance("release", id))
            .filter(p -> p != null)
            .map(ProcessInstance::getId)
            .toList();
    if (!instances.isEmpty()) {
      runtime.deleteProcessInstances(instances, "test finished", true, true);
    }
  }

  @Test
  void twoHundredReleasesWaitingOnRolloutsHoldNoJobExecutorThreadAndNoLock() {
    for (int i = 0; i < RELEASES; i++) {
      cluster.deploy("medication", service(i), 3, "app", "registry.example/svc:1.0");
    }
    // The engine's clock stands still, so no poll timer comes due while 200 releases are started
    // one by one.
    ClockUtil.setCurrentTime(new Date());
    Cost before = Cost.now();
    Map<String, Long> rowsBefore = runtimeRows();

    waitOnRollouts(0, RELEASES / 2);
    Cost half = Cost.now();
    waitOnRollouts(RELEASES / 2, RELEASES);
    Cost all = Cost.now();

    Set<String> deployInstances = new HashSet<>();
    releaseIds.forEach(id -> deployInstances.add(instance("deploy", id).getId()));
    assertThat(deployInstances).hasSize(RELEASES);
    // (JobQuery.processInstanceIds builds invalid SQL on H2 in 7.24, so the jobs are filtered
    // here.)
    assertThat(
            jobsOf(
                deployInstances,
                management.createJobQuery().timers().activityId("rolloutPoll").list()))
        .as("one poll timer per waiting release")
        .hasSize(RELEASES);
    assertThat(
            jobsOf(
                deployInstances,
                management.createJobQuery().timers().activityId("rolloutDeadline").list()))
        .as("one deadline timer per waiting release")
        .hasSize(RELEASES);
    assertThat(jobsOf(deployInstances, management.createJobQuery().list()))
        .as("and no other job")
        .hasSize(2 * RELEASES);
    assertThat(jobsOf(deployInstances, management.createJobQuery().executable().list()))
        .as("nothing for a job executor to pick up until a timer is due")
        .isEmpty();
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM ACT_RU_JOB WHERE LOCK_OWNER_ IS NOT NULL "
                    + "OR LOCK_EXP_TIME_ IS NOT NULL",
                Long.class))
        .as("locked jobs")
        .isZero();
    assertThat(
            ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                .getJobExecutor()
                .isActive())
        .as("job executor (off in process tests: every job above ran on the test thread)")
        .isFalse();
    assertThat(all.threads - half.threads)
        .as("threads added by the second hundred waiting releases")
        .isLessThanOrEqualTo(4);
    assertThat(cluster.images("medication", service(RELEASES - 1)))
        .containsEntry("app", "registry.example/svc:2.0");
    assertThat(runtime.getVariable(instance("deploy", releaseIds.get(0)).getId(), "stepOutcome"))
        .isEqualTo("running");

    Map<String, Long> rows = runtimeRows();
    rows.replaceAll((table, count) -> count - rowsBefore.get(table));
    System.out.printf("Waiting rollouts: engine runtime rows added %s%n", rows);
    System.out.printf(
        "Waiting rollouts: %d releases, %d poll timers, 0 executable, 0 locked; threads %d -> %d -> %d; "
            + "heap used %.1f MB -> %.1f MB (+%.1f MB) -> %.1f MB (+%.1f MB, %.1f KB per waiting release incl. the "
            + "in-memory H2 engine database)%n",
        RELEASES,
        RELEASES,
        before.threads,
        half.threads,
        all.threads,
        before.heapMb(),
        half.heapMb(),
        half.heapMb() - before.heapMb(),
        all.heapMb(),
        all.heapMb() - before.heapMb(),
        (all.heap - before.heap) / 1024.0 / RELEASES);
  }

  /** What waiting is made of: rows in the engine's runtime tables (history rows come on top). */
  private Map<String, Long> runtimeRows() {
    Map<String, Long> rows = new TreeMap<>();
    for (String table :
        List.of("ACT_RU_EXECUTION", "ACT_RU_VARIABLE", "ACT_RU_JOB", "ACT_RU_EVENT_SUBSCR")) {
      rows.put(table, jdbc.queryForObject("SELECT COUNT(*) FROM " + table, Long.class));
    }
    return rows;
  }

  private static List<Job> jobsOf(Set<String> processInstances, List<Job> jobs) {
    return jobs.stream().filter(j -> processInstances.contains(j.getProcessInstanceId())).toList();
  }

  /**
   * Submits releases [from, to) and runs every due job: each rolls out its Deployment and waits on
   * its timer.
   */
  private void waitOnRollouts(int from, int to) {
    long started = System.nanoTime();
    for (int i = from; i < to; i++) {
      releaseIds.add(submit(manifest(i)));
    }
    long submitted = System.nanoTime();
    runJobs();
    System.out.printf(
        "releases %d-%d: submitted in %d ms, ran to their rollout wait in %d ms%n",
        from,
        to - 1,
        (submitted - started) / 1_000_000,
        (System.nanoTime() - submitted) / 1_000_000);
  }

  /**
   * Development needs no sign-off: the release goes straight to its rollout, which the cluster
   * reports progressing.
   */
  private static ObjectNode manifest(int i) {
    ObjectNode m =
        JSON.createObjectNode()
            .put("application", "rollout-load")
            .put("version", "1." + i + ".0")
            .put("environment", "development")
            .put("changeReference", "CHG-LOAD-" + i);
    ObjectNode kubernetes =
        m.putObject("kubernetes")
            .put("target", "medication-cluster")
            .put("namespace", "medication")
            .put("timeout", "PT30M");
    kubernetes
        .putArray("workloads")
        .addObject()
        .put("kind", "Deployment")
        .put("name", service(i))
        .putArray("containers")
        .addObject()
        .put("name", "app")
        .put("image", "registry.example/svc:2.0");
    return m;
  }

  private static String service(int i) {
    return String.format("svc-%03d", i);
  }

  private record Cost(int threads, long heap) {
    static Cost now() {
      for (int i = 0; i < 3; i++) {
        System.gc(); // a hint; repeated so the numbers are comparable
      }
      Runtime runtime = Runtime.getRuntime();
      return new Cost(
          ManagementFactory.getThreadMXBean().getThreadCount(),
          runtime.totalMemory() - runtime.freeMemory());
    }

    double heapMb() {
      return heap / 1024.0 / 1024.0;
    }
  }
}
