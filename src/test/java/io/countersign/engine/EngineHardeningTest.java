package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.HttpSupport.Response;
import jakarta.ws.rs.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.rest.impl.CamundaRestResources;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Qualifier;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.web.servlet.mvc.method.annotation.RequestMappingHandlerMapping;

/** The two published Camunda 7.24.0 flaws, reproduced over HTTP and shown refused. */
@ApiAppSupport
class EngineHardeningTest {
  @LocalServerPort int port;
  @Autowired IdentityService identity;

  @Autowired
  @Qualifier("requestMappingHandlerMapping")
  RequestMappingHandlerMapping mappings;

  HttpSupport http;

  @BeforeEach
  void client() {
    http = new HttpSupport(port);
  }

  @Test
  void cve202677226TheAdminSetupCannotCreateAnAdministrator() {
    long users = identity.createUserQuery().count();
    Map<String, Object> body =
        Map.of(
            "profile",
            Map.of("id", "intruder", "firstName", "I", "lastName", "N", "email", "i@n.invalid"),
            "credentials",
            Map.of("password", "intruder-password-1"));
    for (String engine : List.of("default", "other")) {
      Response response =
          http.postJson(null, "/camunda/api/admin/setup/" + engine + "/user/create", body);
      assertThat(response.status()).as(response.body()).isEqualTo(403);
    }
    assertThat(identity.createUserQuery().userId("intruder").count()).isZero();
    assertThat(identity.createUserQuery().count()).isEqualTo(users);
  }

  @Test
  void cve2026109432AnExpressionHiddenInOrQueriesIsRefused() {
    String probe = "${execution.getClass()}";
    for (Map<String, Object> query :
        List.of(
            Map.<String, Object>of("orQueries", List.of(Map.of("assigneeExpression", probe))),
            Map.<String, Object>of("orQueries", List.of(Map.of("dueBeforeExpression", "${now()}"))),
            Map.<String, Object>of("assigneeExpression", probe))) {
      Response response = http.postJson("tech-lead", "/engine-rest/task?maxResults=5", query);
      assertThat(response.status()).as(response.body()).isEqualTo(400);
      assertThat(response.body()).contains("Expressions are not allowed");
    }
    Response stored =
        http.postJson(
            "admin",
            "/engine-rest/filter/create",
            Map.of(
                "resourceType",
                "Task",
                "name",
                "sneaky",
                "query",
                Map.of("orQueries", List.of(Map.of("candidateGroupExpression", probe)))));
    assertThat(stored.status()).as(stored.body()).isEqualTo(400);
    assertThat(
            http.get("tech-lead", "/engine-rest/task?maxResults=5&assigneeExpression=x").status())
        .isEqualTo(400);
    // A plain query still works.
    assertThat(
            http.postJson(
                    "tech-lead",
                    "/engine-rest/task?maxResults=5",
                    Map.of("orQueries", List.of(Map.of("candidateGroup", "tech-leads"))))
                .status())
        .isEqualTo(200);
  }

  /**
   * Every endpoint of Countersign's API and every resource of the engine REST API: no credentials,
   * 401.
   */
  @Test
  void aSweepOfEveryEndpointWithoutCredentialsGets401() {
    List<String> paths = new ArrayList<>();
    for (Class<?> resource : CamundaRestResources.getResourceClasses()) {
      Path root = resource.getAnnotation(Path.class);
      if (root == null) {
        continue;
      }
      // The root resources hand each resource (task, process-instance, history, ...) to a
      // sub-resource.
      for (java.lang.reflect.Method method : resource.getMethods()) {
        Path sub = method.getAnnotation(Path.class);
        if (sub != null) {
          paths.add(
              ("/engine-rest" + root.value() + "/" + sub.value())
                  .replaceAll("/+", "/")
                  .replaceAll("\\{[^}]+}", "x"));
        }
      }
    }
    assertThat(paths).hasSizeGreaterThan(30);
    mappings.getHandlerMethods().keySet().stream()
        .flatMap(info -> info.getPatternValues().stream())
        .filter(pattern -> pattern.startsWith("/api/"))
        .map(pattern -> pattern.replaceAll("\\{[^}]+}", "rel-x"))
        .forEach(paths::add);
    assertThat(paths)
        .contains("/api/releases", "/api/releases/rel-x/evidence", "/api/evidence/verify");
    for (String path : paths) {
      assertThat(http.get(null, path).status()).as("GET " + path).isEqualTo(401);
      Response post = http.postJson(null, path, Map.of());
      assertThat(post.status()).as("POST " + path).isEqualTo(401);
      assertThat(post.body()).as("POST " + path).doesNotContain("\"id\"");
    }
  }
}
