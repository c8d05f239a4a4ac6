package io.countersign.resilience;

import io.countersign.CountersignNode;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * One node on PostgreSQL, killed with SIGKILL at random points while releases deploy and roll back,
 * started again under the same node id each time: every release must still end as its manifest says
 * (deployed, or rolled back by its drill), with one valid evidence chain, each target migration
 * applied once, and the releases in flight moving again within the resume bound.
 *
 * <p>Sizes: {@code -Dcrash.releases} (6), {@code -Dcrash.kills} (2), {@code -Dcrash.seed}
 * (printed), {@code -Dcrash.lock-time-millis}, {@code -Dcrash.resume-bound}; README "Crash tests".
 */
class SingleNodeCrashTest {

  @Test
  void releasesInFlightSurviveTheirNodeBeingKilledAndEndOnceEach() {
    int releases = CrashRun.intProperty("crash.releases", 6);
    int kills = CrashRun.intProperty("crash.kills", 2);
    long seed = CrashRun.seedProperty();
    CrashCluster cluster = new CrashCluster("single", releases, CrashRun.lockTimeProperty());
    try (CountersignNode node = cluster.node("crash-a")) {
      CrashRun run = new CrashRun(cluster, List.of(node), seed, false);
      run.log(
          "seed %d, %d releases, %d kills, lock time %s, work %s",
          seed, releases, kills, CrashRun.lockTimeProperty(), cluster.work());
      node.start();
      run.log("crash-a ready after %s", Duration.between(node.startedAt(), node.awaitReady()));
      for (int k = 0; k < kills; k++) {
        // The first kill always hits a rollback; later ones do with one chance in three.
        boolean duringRollback = k == 0 || run.oneIn(3);
        run.submit(releases * (k + 1) / kills - releases * k / kills, duringRollback);
        run.killAndRestart(node, duringRollback);
        run.awaitRestarts();
      }
      run.awaitAllTerminal(CrashRun.settleWithin());
      List<Duration> resumes = run.report();
      run.checkEverything(node);
      CrashRun.assertResumesWithin(resumes, CrashRun.resumeBound());
    }
  }
}
