package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.FakeCloudFormationApi;
import io.countersign.aws.FakeCloudWatchApi;
import io.countersign.aws.FakeLambdaApi;
import io.countersign.aws.S3MockServer;
import java.lang.management.ManagementFactory;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntFunction;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Import;
import org.springframework.test.annotation.DirtiesContext;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Waiting is free, whatever a release waits on: 200 releases wait at once, 40 on each of five kinds
 * of wait (a Kubernetes rollout progressing, a Lambda code update in progress, a Lambda canary
 * holding its first traffic step, a CloudFormation stack update in progress, a bake window watching
 * CloudWatch alarms), all with the live adapters against the fabric8 mock API server and WireMock
 * fakes of Lambda, CloudFormation and CloudWatch. The test asserts that each wait is a timer row in
 * the engine's database, not a thread or a lock, and reports the cost per kind.
 */
@Import(WaitingReleasesProcessTest.TestCredentials.class)
// Its context holds 200 releases' worth of engine state; no other class shares it, so it is closed
// after the class instead of staying in the test context cache.
@DirtiesContext
class WaitingReleasesProcessTest extends LiveClusterProcessTestSupport {
  private static final int PER_KIND = 40;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String BUCKET = "load-artifacts";
  private static final String TEMPLATE_KEY = "sam/load/packaged.yaml";
  private static final String TEMPLATE =
      "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  Queue: {Type: AWS::SQS::Queue}\n";

  private static FakeLambdaApi lambda;
  private static FakeCloudFormationApi cloudFormation;
  private static FakeCloudWatchApi cloudWatch;
  private static AwsClients clients;
  private static S3Client s3;

  private final List<String> releaseIds = new ArrayList<>();

  /** A kind of wait: the manifest of its i-th release and the timers it must be waiting on. */
  private record Kind(String name, IntFunction<ObjectNode> manifest, List<String> timers) {}

  @DynamicPropertySource
  static synchronized void liveTargets(DynamicPropertyRegistry registry) {
    if (lambda == null) {
      lambda = FakeLambdaApi.startServer();
      cloudFormation = FakeCloudFormationApi.startServer();
      cloudWatch = FakeCloudWatchApi.startServer();
      clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
      s3 =
          clients.s3(
              new AwsSettings(
                  "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null));
    }
    // An engine database of its own: 200 waiting releases stay out of the other cluster tests.
    registry.add(
        "spring.datasource.url",
        () -> "jdbc:h2:mem:waiting-releases-tests;DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE");
    String fn = "countersign.targets.lambda.targets.load-aws.";
    registry.add("countersign.targets.lambda.mode", () -> "live");
    registry.add(fn + "region", () -> "eu-west-1");
    registry.add(fn + "artifact-buckets[0]", () -> BUCKET);
    registry.add(fn + "endpoints.lambda", () -> lambda.endpoint().toString());
    registry.add(fn + "max-attempts", () -> "1");
    String st = "countersign.targets.stack.targets.load-aws.";
    registry.add("countersign.targets.stack.mode", () -> "live");
    registry.add(st + "region", () -> "eu-west-1");
    registry.add(st + "artifact-buckets[0]", () -> BUCKET);
    registry.add(st + "stack-names[0]", () -> "load-stack-*");
    registry.add(st + "endpoints.cloudformation", () -> cloudFormation.endpoint().toString());
    registry.add(st + "endpoints.s3", () -> S3MockServer.endpoint().toString());
    registry.add(st + "max-attempts", () -> "1");
    registry.add("countersign.targets.verification.mode", () -> "live");
    registry.add("countersign.targets.verification.cloudwatch.region", () -> "eu-west-1");
    registry.add(
        "countersign.targets.verification.cloudwatch.endpoints.cloudwatch",
        () -> cloudWatch.endpoint().toString());
    registry.add("countersign.targets.verification.cloudwatch.max-attempts", () -> "1");
  }

  @AfterAll
  static void stopServers() {
    clients.close();
    lambda.stop();
    cloudFormation.stop();
    cloudWatch.stop();
  }

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
  void twoHundredReleasesOnFiveKindsOfWaitHoldNoJobExecutorThreadAndNoLock() {
    List<Kind> kinds =
        List.of(
            new Kind(
                "Kubernetes rollout", this::rollout, List.of("rolloutPoll", "rolloutDeadline")),
            new Kind("Lambda code update", this::lambdaUpdate, List.of("lambdaUpdatePoll")),
            new Kind("Lambda canary hold", this::lambdaCanary, List.of("lambdaTrafficHold")),
            new Kind(
                "CloudFormation stack update", this::stack, List.of("stackPoll", "stackDeadline")),
            new Kind(
                "bake window on CloudWatch alarms", this::bakeWindow, List.of("nextEvaluation")));
    prepareThePeers();
    // The engine's clock stands still, so no timer comes due while the releases are started.
    ClockUtil.setCurrentTime(new Date());
    Cost before = Cost.now();
    Map<String, Long> rowsBefore = runtimeRows();
    Map<String, Cost> after = new LinkedHashMap<>();
    Map<String, List<String>> releasesByKind = new LinkedHashMap<>();
    Map<String, Integer> threadsAddedBySecondHalf = new LinkedHashMap<>();
    for (Kind kind : kinds) {
      long started = System.nanoTime();
      List<String> ids = new ArrayList<>();
      Cost half = null;
      for (int i = 0; i < PER_KIND; i++) {
        ids.add(submit(kind.manifest().apply(i)));
        if (i == PER_KIND / 2 - 1) {
          // Half of them waiting: the first of a kind bring its clients' threads (an SDK client's
          // connection pool and timers), once; the second half must bring none.
          runJobs();
          planStacks(ids);
          half = Cost.now();
        }
      }
      runJobs();
      planStacks(ids);
      releaseIds.addAll(ids);
      releasesByKind.put(kind.name(), ids);
      Cost all = Cost.now();
      after.put(kind.name(), all);
      threadsAddedBySecondHalf.put(kind.name(), all.threads - half.threads);
      System.out.printf(
          "%d releases waiting on a %s: submitted and run to their wait in %d ms%n",
          PER_KIND, kind.name(), (System.nanoTime() - started) / 1_000_000);
    }

    for (Kind kind : kinds) {
      Set<String> instances =
          releasesByKind.get(kind.name()).stream()
              .map(
                  id -> {
                    ProcessInstance deploy = instance("deploy", id);
                    assertThat(deploy)
                        .as(
                            kind.name()
                                + ": deploying, not "
                                + status(id)
                                + ": "
                                + statusReason(id))
                        .isNotNull();
                    return deploy.getId();
                  })
              .collect(Collectors.toSet());
      assertThat(jobsOf(instances, management.createJobQuery().list()))
          .as(kind.name() + ": only its waits' timers, one of each per release")
          .hasSize(kind.timers().size() * PER_KIND);
      for (String timer : kind.timers()) {
        assertThat(jobsOf(instances, management.createJobQuery().timers().activityId(timer).list()))
            .as(kind.name() + ": " + timer)
            .hasSize(PER_KIND);
      }
    }
    assertThat(management.createJobQuery().executable().count())
        .as("nothing for a job executor to pick up until a timer is due")
        .isZero();
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
    assertThat(threadsAddedBySecondHalf)
        .as("threads added by the second %d releases waiting on each kind of wait", PER_KIND / 2)
        .allSatisfy((kind, threads) -> assertThat(threads).as(kind).isLessThanOrEqualTo(2));
    // Each is where it should be while it waits.
    assertThat(lambda.alias("canary-fn-000", "live").weights()).containsOnlyKeys("2");
    assertThat(cloudFormation.status("load-stack-000")).isEqualTo("UPDATE_IN_PROGRESS");
    assertThat(cluster.images("medication", service(PER_KIND - 1)))
        .containsEntry("app", "registry.example/svc:2.0");

    Map<String, Long> rows = runtimeRows();
    rows.replaceAll((table, count) -> count - rowsBefore.get(table));
    System.out.printf(
        "Waiting releases: %d, engine runtime rows added %s, 0 executable jobs, 0 locked%n",
        releaseIds.size(), rows);
    Cost previous = before;
    for (Map.Entry<String, Cost> e : after.entrySet()) {
      Cost cost = e.getValue();
      System.out.printf(
          "Waiting releases: %d on a %s: threads %d -> %d (+%d by the second half), heap +%.1f MB"
              + " (%.1f KB per release, incl. the in-memory H2 engine database)%n",
          PER_KIND,
          e.getKey(),
          previous.threads,
          cost.threads,
          threadsAddedBySecondHalf.get(e.getKey()),
          cost.heapMb() - previous.heapMb(),
          (cost.heap - previous.heap) / 1024.0 / PER_KIND);
      previous = cost;
    }
  }

  /**
   * The stack releases' planning before their (empty) sign-off waits once for drift detection and
   * the change set: its timer is fired here, since the engine's clock stands still.
   */
  private void planStacks(List<String> ids) {
    for (int round = 0; round < 5; round++) {
      List<Job> polls =
          management.createJobQuery().timers().activityId("stackPlanPoll").list().stream()
              .filter(j -> ids.contains(businessKeyOf(j.getProcessInstanceId())))
              .toList();
      if (polls.isEmpty()) {
        return;
      }
      polls.forEach(j -> management.executeJob(j.getId()));
      runJobs();
    }
  }

  private void prepareThePeers() {
    lambda.reset();
    cloudFormation.reset();
    cloudWatch.reset();
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
      s3.createBucket(r -> r.bucket(BUCKET));
    }
    s3.putObject(r -> r.bucket(BUCKET).key(TEMPLATE_KEY), RequestBody.fromString(TEMPLATE));
    // Change sets and drift detection are ready at the first look; a stack update runs on.
    cloudFormation.looks(0);
    cloudFormation.executionLooks(1_000);
    for (int i = 0; i < PER_KIND; i++) {
      cluster.deploy("medication", service(i), 3, "app", "registry.example/svc:1.0");
      lambda.function(updating(i), "live", 1, "sha-old");
      lambda.artifact(BUCKET, "lambda/" + updating(i) + ".zip", "sha-new-" + i);
      lambda.updateTakes(updating(i), 1_000);
      lambda.function(canary(i), "live", 1, "sha-old");
      lambda.artifact(BUCKET, "lambda/" + canary(i) + ".zip", "sha-canary-" + i);
      cloudFormation.stack(stackName(i), TEMPLATE + "# before\n", Map.of(), Set.of());
      for (String alarm : List.of(alarm(i), "load-alarm-" + canary(i))) {
        cloudWatch.alarm(alarm, "OK", "Threshold Crossed: no datapoints were ALARM", Instant.now());
      }
    }
  }

  private ObjectNode rollout(int i) {
    ObjectNode m = release("rollout", i);
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

  private ObjectNode lambdaUpdate(int i) {
    return lambda(release("lambda-update", i), updating(i), "all-at-once");
  }

  private ObjectNode lambdaCanary(int i) {
    ObjectNode m = lambda(release("lambda-canary", i), canary(i), "canary10-5");
    // Judged when the hold ends: the function's alarm must be OK.
    m.putObject("verification").putArray("alarms").add("load-alarm-{function}");
    return m;
  }

  private ObjectNode stack(int i) {
    ObjectNode m = release("stack", i);
    m.putObject("stack")
        .put("target", "load-aws")
        .put("name", stackName(i))
        .putObject("template")
        .put("bucket", BUCKET)
        .put("key", TEMPLATE_KEY)
        .put("sha256", sha256(TEMPLATE));
    return m;
  }

  private ObjectNode bakeWindow(int i) {
    ObjectNode m = release("bake", i);
    ObjectNode verification = m.putObject("verification").put("bakeWindow", "PT30M");
    ((ArrayNode) verification.putArray("alarms")).add(alarm(i));
    return m;
  }

  /** Development needs no sign-off: each release goes straight to its wait. */
  private static ObjectNode release(String kind, int i) {
    return JSON.createObjectNode()
        .put("application", kind + "-load")
        .put("version", "1." + i + ".0")
        .put("environment", "development")
        .put("changeReference", "CHG-LOAD-" + i);
  }

  private static ObjectNode lambda(ObjectNode m, String function, String traffic) {
    ObjectNode lambda = m.putObject("lambda").put("target", "load-aws");
    ObjectNode f = lambda.putArray("functions").addObject();
    f.put("name", function).put("traffic", traffic);
    f.putObject("artifact").put("bucket", BUCKET).put("key", "lambda/" + function + ".zip");
    return m;
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
    // (JobQuery.processInstanceIds builds invalid SQL on H2 in 7.24, so the jobs are filtered
    // here.)
    return jobs.stream().filter(j -> processInstances.contains(j.getProcessInstanceId())).toList();
  }

  private static String sha256(String text) {
    try {
      return java.util.HexFormat.of()
          .formatHex(
              java.security.MessageDigest.getInstance("SHA-256")
                  .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8)));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String service(int i) {
    return String.format("svc-%03d", i);
  }

  private static String updating(int i) {
    return String.format("update-fn-%03d", i);
  }

  private static String canary(int i) {
    return String.format("canary-fn-%03d", i);
  }

  private static String stackName(int i) {
    return String.format("load-stack-%03d", i);
  }

  private static String alarm(int i) {
    return String.format("load-alarm-%03d", i);
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

  @TestConfiguration
  static class TestCredentials {
    @Bean
    AwsCredentialsProvider testCredentials() {
      return FakeApiSupport.TEST_CREDENTIALS;
    }
  }
}
