package io.countersign.resilience;

import io.countersign.CountersignNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Two nodes started at the same moment on one empty database (the cold start of a cluster), with
 * releases submitted to and signed off on both; one node at a time is killed with SIGKILL at random
 * points and started again while the other carries on. The same checks as {@link
 * SingleNodeCrashTest}; resume times count from the kill, as the surviving node could take over at
 * once.
 *
 * <p>Sizes: {@code -Dcrash.pair.releases} (4), {@code -Dcrash.pair.kills} (2), and the shared
 * {@code -Dcrash.seed}, {@code -Dcrash.lock-time-millis}, {@code -Dcrash.resume-bound}; README
 * "Crash tests".
 */
class TwoNodeCrashTest {

  @Test
  void releasesSpreadOverTwoNodesSurviveEitherBeingKilled() {
    int releases = CrashRun.intProperty("crash.pair.releases", 4);
    int kills = CrashRun.intProperty("crash.pair.kills", 2);
    long seed = CrashRun.seedProperty();
    CrashCluster cluster = new CrashCluster("pair", releases, CrashRun.lockTimeProperty());
    try (CountersignNode a = cluster.node("crash-a");
        CountersignNode b = cluster.node("crash-b")) {
      List<CountersignNode> nodes = List.of(a, b);
      CrashRun run = new CrashRun(cluster, nodes, seed, true);
      run.log(
          "seed %d, %d releases, %d kills, lock time %s, work %s",
          seed, releases, kills, CrashRun.lockTimeProperty(), cluster.work());
      a.start();
      b.start();
      run.log(
          "both ready after %s and %s",
          Duration.between(a.startedAt(), a.awaitReady()),
          Duration.between(b.startedAt(), b.awaitReady()));
      for (int k = 0; k < kills; k++) {
        // One node down at a time: the last victim must be back before the next round.
        run.awaitRestarts();
        boolean duringRollback = k == 0 || run.oneIn(3);
        run.submit(releases * (k + 1) / kills - releases * k / kills, duringRollback);
        run.killAndRestart(nodes.get(run.nextInt(2)), duringRollback);
      }
      run.awaitRestarts();
      run.awaitAllTerminal(CrashRun.settleWithin());
      List<Duration> resumes = run.report();
      run.checkEverything(a);
      CrashRun.assertResumesWithin(resumes, CrashRun.resumeBound());
    }
  }
}
