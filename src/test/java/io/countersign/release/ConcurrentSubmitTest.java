package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import io.countersign.ManifestFixture;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The same manifest submitted by several pipelines at once starts one release; every caller gets
 * it.
 */
@ApiAppSupport
class ConcurrentSubmitTest {
  @LocalServerPort int port;
  @Autowired JdbcTemplate jdbc;

  @Test
  void simultaneousSubmissionsOfOneReleaseStartItOnce() throws Exception {
    HttpSupport http = new HttpSupport(port);
    ObjectNode m =
        ManifestFixture.withVersion(
            ManifestFixture.staging(), ManifestFixture.freshVersion("race"));
    byte[] body = ManifestFixture.json(m);
    ExecutorService pool = Executors.newFixedThreadPool(6);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<Response>> calls = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      calls.add(
          pool.submit(
              () -> {
                go.await();
                return http.post("requester", "/api/releases", "application/json", body, Map.of());
              }));
    }
    go.countDown();
    List<String> ids = new ArrayList<>();
    for (Future<Response> call : calls) {
      Response r = call.get(60, TimeUnit.SECONDS);
      assertThat(r.status()).as(r.body()).isIn(200, 201);
      ids.add(r.json().path("id").asText());
    }
    pool.shutdown();
    assertThat(ids).containsOnly(ids.get(0));
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_release WHERE version = ?",
                Long.class,
                m.get("version").asText()))
        .isOne();
  }
}
