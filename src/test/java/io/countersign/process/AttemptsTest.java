package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.evidence.EvidenceDatabase;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.process.Attempts.Attempt;
import io.countersign.process.Attempts.Begun;
import io.countersign.process.Attempts.Call;
import io.countersign.process.Attempts.Kind;
import io.countersign.process.Attempts.Resolution;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * cs_attempt on H2 and on a real PostgreSQL: the row outlives a rolled-back surrounding
 * transaction, the key is unique, concurrent begins of one key leave exactly one fresh, and the
 * common shape (reuse, verify, retry) with its evidence.
 */
class AttemptsTest {
  private static final String RELEASE = "rel-attempts";

  @TempDir Path dir;

  static Stream<String> databases() {
    return Stream.of("h2", "postgresql");
  }

  private static EvidenceDatabase open(String kind) {
    return kind.equals("h2") ? new EvidenceDatabase() : EvidenceDatabase.postgres();
  }

  @ParameterizedTest
  @MethodSource("databases")
  void anAttemptSurvivesTheRollbackOfTheTransactionAroundIt(String kind) {
    try (EvidenceDatabase db = open(kind)) {
      Attempts attempts = new Attempts(db.jdbc, db.log(dir));
      String key = Attempts.key(RELEASE, "deployLambda", "aws", "api/update-code");

      db.transaction.executeWithoutResult(
          status -> {
            // The job's own write, lost with it.
            db.jdbc.update(
                "INSERT INTO cs_task (task_id, release_id, task_key, created_at)"
                    + " VALUES ('t-1', ?, 'k', CURRENT_TIMESTAMP)",
                RELEASE);
            assertThat(attempts.begin(key, RELEASE, "deployLambda", "aws", "update code").kind())
                .isEqualTo(Kind.FRESH);
            attempts.succeeded(key, "{\"revisionAfter\":\"r-2\"}");
            status.setRollbackOnly();
          });

      assertThat(db.jdbc.queryForObject("SELECT COUNT(*) FROM cs_task", Integer.class)).isZero();
      Attempt kept = attempts.find(key).orElseThrow();
      assertThat(kept.outcome()).isEqualTo("succeeded");
      assertThat(kept.result()).isEqualTo("{\"revisionAfter\":\"r-2\"}");
      assertThat(kept.finishedAt()).isAfterOrEqualTo(kept.startedAt());
      assertThat(kept.node()).contains("@");
      Begun again = attempts.begin(key, RELEASE, "deployLambda", "aws", "update code");
      assertThat(again.kind()).isEqualTo(Kind.DONE);
      assertThat(again.previous().result()).isEqualTo("{\"revisionAfter\":\"r-2\"}");
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void theKeyIsUniqueAndABegunAttemptWithoutAnOutcomeIsInterrupted(String kind) {
    try (EvidenceDatabase db = open(kind)) {
      Attempts attempts = new Attempts(db.jdbc, db.log(dir));
      String key = Attempts.key(RELEASE, "rolloutKubernetes", "cluster", "Deployment/api");

      assertThat(attempts.begin(key, RELEASE, "rolloutKubernetes", "cluster", "set").kind())
          .isEqualTo(Kind.FRESH);
      Begun second = attempts.begin(key, RELEASE, "rolloutKubernetes", "cluster", "set");

      assertThat(second.kind()).isEqualTo(Kind.INTERRUPTED);
      assertThat(second.previous().outcome()).isNull();
      assertThatThrownBy(
              () ->
                  db.jdbc.update(
                      "INSERT INTO cs_attempt (idempotency_key, release_id, step, action, runs,"
                          + " started_at) VALUES (?, ?, 's', 'a', 1, CURRENT_TIMESTAMP)",
                      key,
                      RELEASE))
          .isInstanceOf(org.springframework.dao.DuplicateKeyException.class);
      assertThat(attempts.of(RELEASE)).hasSize(1);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void ofTwoRunsThatBeginTheSameKeyAtOnceExactlyOneIsFresh(String kind) throws Exception {
    try (EvidenceDatabase db = open(kind)) {
      Attempts attempts = new Attempts(db.jdbc, db.log(dir));
      ExecutorService pool = Executors.newFixedThreadPool(2);
      try {
        for (int round = 0; round < 5; round++) {
          String key = Attempts.key(RELEASE, "publishFrontend", "web", "race-" + round);
          CountDownLatch go = new CountDownLatch(1);
          List<Future<Kind>> runs = new ArrayList<>();
          for (int t = 0; t < 2; t++) {
            runs.add(
                pool.submit(
                    () -> {
                      go.await();
                      return attempts
                          .begin(key, RELEASE, "publishFrontend", "web", "publish")
                          .kind();
                    }));
          }
          go.countDown();
          List<Kind> kinds = new ArrayList<>();
          for (Future<Kind> run : runs) {
            kinds.add(run.get(30, TimeUnit.SECONDS));
          }
          assertThat(kinds)
              .as("round " + round)
              .containsExactlyInAnyOrder(Kind.FRESH, Kind.INTERRUPTED);
        }
      } finally {
        pool.shutdownNow();
      }
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aFinishedAttemptIsReusedAnInterruptedOneVerifiedAFailedOneRetriedEachInTheEvidence(
      String kind) {
    try (EvidenceDatabase db = open(kind)) {
      EvidenceLog evidence = db.log(dir);
      Attempts attempts = new Attempts(db.jdbc, evidence);
      AtomicInteger calls = new AtomicInteger();
      Call publish = new Call(RELEASE, "deployLambda", "aws", "api/publish", "publish");

      String first =
          attempts.once(publish, String.class, () -> "v" + calls.incrementAndGet(), p -> null);
      String reused =
          attempts.once(publish, String.class, () -> "v" + calls.incrementAndGet(), p -> null);

      assertThat(first).isEqualTo("v1");
      assertThat(reused).isEqualTo("v1");
      assertThat(calls).hasValue(1);

      Call route = new Call(RELEASE, "deployLambda", "aws", "api/traffic-step-1", "route");
      attempts.begin(route.key(), RELEASE, "deployLambda", "aws", "route"); // then the node died
      String verified =
          attempts.once(
              route,
              String.class,
              () -> "acted",
              previous -> new Resolution<>("seen", "verified", "alias routes as asked"));
      assertThat(verified).isEqualTo("seen");
      assertThat(attempts.find(route.key()).orElseThrow().result()).isEqualTo("\"seen\"");

      Call post = new Call(RELEASE, "postDeploymentNotice", "board", null, "post");
      assertThatThrownBy(
              () ->
                  attempts.once(
                      post,
                      String.class,
                      () -> {
                        throw new IllegalStateException("endpoint board answered 503");
                      },
                      p -> null))
          .hasMessage("endpoint board answered 503");
      assertThat(attempts.find(post.key()).orElseThrow().outcome()).isEqualTo("failed");
      assertThat(attempts.once(post, String.class, () -> "accepted", p -> null))
          .isEqualTo("accepted");
      assertThat(attempts.find(post.key()).orElseThrow().runs()).isEqualTo(2);

      List<EvidenceEntry> repeated =
          evidence.entries(RELEASE).stream()
              .filter(e -> e.type().equals(Attempts.REPEATED))
              .toList();
      assertThat(repeated)
          .extracting(
              e -> e.payload().path("key").asText() + " " + e.payload().path("handled").asText())
          .containsExactly(
              RELEASE + "/deployLambda/aws/api/publish reused",
              RELEASE + "/deployLambda/aws/api/traffic-step-1 verified",
              RELEASE + "/postDeploymentNotice/board retried");
      assertThat(repeated.get(1).payload().path("previousOutcome").asText())
          .isEqualTo("unknown (never finished)");
      assertThat(repeated.get(2).payload().path("detail").asText())
          .isEqualTo("endpoint board answered 503");
      assertThat(evidence.verify(RELEASE).valid()).isTrue();
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aRefusalWhileVerifyingLeavesTheAttemptInterruptedForTheNextRun(String kind) {
    try (EvidenceDatabase db = open(kind)) {
      Attempts attempts = new Attempts(db.jdbc, db.log(dir));
      Call call = new Call(RELEASE, "restoreDatabaseBackup", "db", null, "restore");
      attempts.begin(call.key(), RELEASE, "restoreDatabaseBackup", "db", "restore");

      assertThatThrownBy(
              () ->
                  attempts.once(
                      call,
                      String.class,
                      () -> "acted",
                      previous -> {
                        throw new IllegalStateException("cannot tell; an operator must look");
                      }))
          .hasMessageContaining("operator");

      assertThat(
              attempts.begin(call.key(), RELEASE, "restoreDatabaseBackup", "db", "restore").kind())
          .isEqualTo(Kind.INTERRUPTED);
    }
  }

  @ParameterizedTest
  @MethodSource("databases")
  void aLongKeyIsCutAndKeptUniqueByItsDigest(String kind) {
    String longName = "w".repeat(253);
    String a =
        Attempts.key(RELEASE, "rolloutKubernetes", "cluster", "Deployment/" + longName + "a");
    String b =
        Attempts.key(RELEASE, "rolloutKubernetes", "cluster", "Deployment/" + longName + "b");
    assertThat(a).hasSize(255).isNotEqualTo(b).startsWith(RELEASE + "/rolloutKubernetes/cluster/");
    try (EvidenceDatabase db = open(kind)) {
      Attempts attempts = new Attempts(db.jdbc, db.log(dir));
      assertThat(attempts.begin(a, RELEASE, "rolloutKubernetes", "cluster", "set").kind())
          .isEqualTo(Kind.FRESH);
      assertThat(attempts.begin(b, RELEASE, "rolloutKubernetes", "cluster", "set").kind())
          .isEqualTo(Kind.FRESH);
    }
  }
}
