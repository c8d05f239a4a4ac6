package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.WebappSession;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.mock.web.MockFilterChain;
import org.springframework.mock.web.MockHttpServletRequest;
import org.springframework.mock.web.MockHttpServletResponse;

/**
 * The warnings every start and every webapp login used to print, gone at their cause: Jersey's
 * "request body has been consumed" on the webapps' login (EngineHardeningFilter read the form
 * through getParameterMap) and spring-jcl's "please remove commons-logging.jar" (the AWS SDK's
 * Apache client brought it; pom.xml excludes it).
 */
@ApiAppSupport
@ExtendWith(OutputCaptureExtension.class)
class QuietLogsTest {
  @LocalServerPort int port;

  @Test
  void aWebappLoginLogsNoWarning(CapturedOutput output) {
    int before = output.getOut().length();
    new WebappSession(port, "tasklist", "dev-lead", HttpSupport.DEMO_PASSWORD);
    new WebappSession(port, "cockpit", "process-admin", HttpSupport.DEMO_PASSWORD);
    String during = output.getOut().substring(before);
    assertThat(during).doesNotContain("form parameters in the request body");
    assertThat(during.lines().filter(l -> l.contains(" WARN ") || l.contains(" ERROR "))).isEmpty();
  }

  @Test
  void theFormBodyStillReachesTheApiAndIsStillInspected() throws Exception {
    EngineHardeningFilter filter = new EngineHardeningFilter();
    MockHttpServletRequest login =
        form("/camunda/api/admin/auth/user/default/login/tasklist", "username=a&password=b");
    MockFilterChain chain = new MockFilterChain();
    filter.doFilter(login, new MockHttpServletResponse(), chain);
    // The API behind the filter reads the whole body, as it was sent.
    assertThat(
            new String(chain.getRequest().getInputStream().readAllBytes(), StandardCharsets.UTF_8))
        .isEqualTo("username=a&password=b");

    for (String body :
        new String[] {
          "assigneeExpression=x", "a=1&candidateGroupExpression=y", "assignee%45xpression=z"
        }) {
      MockHttpServletResponse refused = new MockHttpServletResponse();
      MockFilterChain notCalled = new MockFilterChain();
      filter.doFilter(form("/engine-rest/task", body), refused, notCalled);
      assertThat(refused.getStatus()).as(body).isEqualTo(400);
      assertThat(notCalled.getRequest()).as(body).isNull();
    }
    MockHttpServletRequest query = new MockHttpServletRequest("GET", "/engine-rest/task");
    query.setQueryString("maxResults=5&assignee%45xpressions=x");
    MockHttpServletResponse refused = new MockHttpServletResponse();
    filter.doFilter(query, refused, new MockFilterChain());
    assertThat(refused.getStatus()).isEqualTo(400);
  }

  @Test
  void commonsLoggingIsNotOnTheClasspath() throws IOException {
    // spring-jcl carries the Commons Logging API; a second LogFactory is what it warned about.
    List<URL> factories =
        Collections.list(
            getClass()
                .getClassLoader()
                .getResources("org/apache/commons/logging/LogFactory.class"));
    assertThat(factories).singleElement().asString().contains("spring-jcl");
  }

  private static MockHttpServletRequest form(String path, String body) {
    MockHttpServletRequest request = new MockHttpServletRequest("POST", path);
    request.setContentType("application/x-www-form-urlencoded");
    request.setContent(body.getBytes(StandardCharsets.UTF_8));
    return request;
  }
}
