package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.actuate.health.HealthEndpointGroup;
import org.springframework.boot.actuate.health.HealthEndpointGroups;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The Kubernetes probes over real HTTP: liveness and readiness answer anyone (kubelets do not
 * authenticate) with a bare status, every other actuator address still asks for a login, and the
 * groups hold what the orchestrator should act on: the database and the models make a node unready,
 * never dead.
 */
@ApiAppSupport
class ProbesTest {
  @LocalServerPort int port;
  @Autowired HealthEndpointGroups groups;

  private HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void livenessAndReadinessAnswerAnonymouslyWithAStatusOnly() {
    for (String probe : new String[] {"/actuator/health/liveness", "/actuator/health/readiness"}) {
      Response response = http.get(null, probe);
      assertThat(response.status()).as(probe).isEqualTo(200);
      // No components, no details: nothing about the node's database or jobs for anonymous callers.
      assertThat(response.json().properties()).as(probe).hasSize(1);
      assertThat(response.json().path("status").asText()).as(probe).isEqualTo("UP");
    }
  }

  @Test
  void theGroupsHoldWhatAnOrchestratorShouldActOn() {
    HealthEndpointGroup liveness = groups.get("liveness");
    assertThat(liveness.isMember("livenessState")).isTrue();
    // A database outage must not restart pods: liveness holds nothing but the JVM's own state.
    for (String other : new String[] {"database", "cluster", "models", "readinessState", "db"}) {
      assertThat(liveness.isMember(other)).as(other).isFalse();
    }
    HealthEndpointGroup readiness = groups.get("readiness");
    for (String member : new String[] {"readinessState", "models", "database"}) {
      assertThat(readiness.isMember(member)).as(member).isTrue();
    }
    // Stalled jobs of other nodes (cluster: DEGRADED) are no reason to stop serving the API.
    assertThat(readiness.isMember("cluster")).isFalse();
    assertThat(
            readiness
                .getHttpCodeStatusMapper()
                .getStatusCode(org.springframework.boot.actuate.health.Status.OUT_OF_SERVICE))
        .isEqualTo(503);
    assertThat(
            readiness
                .getHttpCodeStatusMapper()
                .getStatusCode(org.springframework.boot.actuate.health.Status.DOWN))
        .isEqualTo(503);
  }

  @Test
  void everyOtherActuatorAddressNeedsALogin() {
    for (String path :
        new String[] {
          "/actuator",
          "/actuator/info",
          "/actuator/health/cluster",
          "/actuator/health/database",
          "/actuator/health/models",
          "/actuator/health/livenessState",
          "/actuator/health/liveness/",
          "/actuator/health/readiness/x",
          "/actuator/health/readiness.json",
          "/actuator/health/LIVENESS",
          "/actuator/env",
          "/actuator/beans",
          "/actuator/prometheus",
          "/actuator/metrics"
        }) {
      Response response = http.get(null, path);
      assertThat(response.status()).as(path).isIn(400, 401);
    }
    // Logged in, the same addresses get past the door (a component answers 404: show-components
    // stays "never", as before).
    assertThat(http.get("requester", "/actuator/health/cluster").status()).isEqualTo(404);
    assertThat(http.get("requester", "/actuator/info").status()).isEqualTo(200);
  }

  @Test
  void infoShowsTheBuildToAuthenticatedCallers() {
    Response info = http.get("requester", "/actuator/info");
    assertThat(info.status()).isEqualTo(200);
    assertThat(info.json().path("build").path("artifact").asText()).isEqualTo("countersign");
    assertThat(info.json().path("build").path("version").asText()).matches("\\d+\\.\\d+\\.\\d+.*");
    assertThat(info.json().path("build").path("time").asText()).isNotBlank();
  }
}
