package io.countersign.engine;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Closes two published flaws of Camunda 7.24.0 that will not be fixed upstream, in front of the
 * engine REST API and the webapps' API:
 *
 * <ul>
 *   <li>CVE-2026-77226: the Admin first-run setup can create an administrator. Countersign creates
 *       its users from configuration, so the setup endpoint is closed whatever the identity state.
 *   <li>CVE-2026-109432: the engine checks for expressions only at the top of a task query, not in
 *       its {@code orQueries}. Any query field ending in "Expression", at any depth of a request's
 *       JSON or in its parameters, is refused before the engine sees it.
 * </ul>
 */
class EngineHardeningFilter extends OncePerRequestFilter {
  private static final int MAX_INSPECTED_BODY = 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  /** Registers the filter in front of the engine REST API and the webapps' API only. */
  @Configuration
  static class Registration {
    @Bean
    FilterRegistrationBean<EngineHardeningFilter> engineHardening() {
      FilterRegistrationBean<EngineHardeningFilter> registration =
          new FilterRegistrationBean<>(new EngineHardeningFilter());
      registration.addUrlPatterns("/engine-rest/*", "/camunda/api/*");
      registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 1); // after authentication
      return registration;
    }
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    String path = request.getRequestURI().substring(request.getContextPath().length());
    if (path.startsWith("/camunda/api/admin/setup/")) {
      refuse(
          response,
          HttpServletResponse.SC_FORBIDDEN,
          "The Admin setup is closed: users come from configuration");
      return;
    }
    // The parameter names are read from the query string and a form body here, not through
    // getParameterMap(): that would have the container consume a form body (the webapps' login),
    // and Jersey then logs a warning on every login and sees no entity.
    String field = expressionParameter(request.getQueryString());
    if (field != null) {
      refuseExpression(response, field);
      return;
    }
    String type = request.getContentType();
    String lowerType = type == null ? "" : type.toLowerCase(Locale.ROOT);
    boolean json = lowerType.contains("json");
    boolean form = lowerType.startsWith("application/x-www-form-urlencoded");
    if (!json && !form) {
      chain.doFilter(request, response);
      return;
    }
    byte[] body = request.getInputStream().readNBytes(MAX_INSPECTED_BODY + 1);
    if (body.length > MAX_INSPECTED_BODY) {
      refuse(response, HttpServletResponse.SC_REQUEST_ENTITY_TOO_LARGE, "Request body too large");
      return;
    }
    field =
        json
            ? expressionField(body)
            : expressionParameter(new String(body, StandardCharsets.ISO_8859_1));
    if (field != null) {
      refuseExpression(response, field);
      return;
    }
    chain.doFilter(new BodyReplay(request, body), response);
  }

  private static void refuseExpression(HttpServletResponse response, String field)
      throws IOException {
    refuse(
        response,
        HttpServletResponse.SC_BAD_REQUEST,
        "Expressions are not allowed in queries: " + field);
  }

  /**
   * The first parameter name of a query string or form body ({@code a=1&b=2}) that names an
   * expression, or null. Names are percent-decoded ({@code assignee%45xpression} is refused too).
   */
  static String expressionParameter(String encoded) {
    if (encoded == null || encoded.isEmpty()) {
      return null;
    }
    for (String pair : encoded.split("&")) {
      int eq = pair.indexOf('=');
      String raw = eq < 0 ? pair : pair.substring(0, eq);
      String name;
      try {
        name = URLDecoder.decode(raw, StandardCharsets.UTF_8);
      } catch (IllegalArgumentException e) {
        name = raw;
      }
      if (isExpressionField(name.trim())) {
        return name;
      }
    }
    return null;
  }

  private static boolean isExpressionField(String name) {
    return name.endsWith("Expression") || name.endsWith("Expressions");
  }

  /**
   * The path of the first field that carries an expression, or null. Unparseable bodies are left to
   * the API.
   */
  static String expressionField(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    try {
      return find(JSON.readTree(body), "$");
    } catch (IOException e) {
      return null;
    }
  }

  private static String find(JsonNode node, String path) {
    if (node.isObject()) {
      for (Iterator<Map.Entry<String, JsonNode>> it = node.fields(); it.hasNext(); ) {
        Map.Entry<String, JsonNode> field = it.next();
        String here = path + "." + field.getKey();
        if (isExpressionField(field.getKey()) && !field.getValue().isNull()) {
          return here;
        }
        String deeper = find(field.getValue(), here);
        if (deeper != null) {
          return deeper;
        }
      }
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        String deeper = find(node.get(i), path + "[" + i + "]");
        if (deeper != null) {
          return deeper;
        }
      }
    }
    return null;
  }

  private static void refuse(HttpServletResponse response, int status, String message)
      throws IOException {
    response.setStatus(status);
    response.setContentType("application/json");
    response
        .getOutputStream()
        .write(
            JSON.writeValueAsString(
                    Map.of(
                        "type",
                        status == 403 ? "AuthorizationException" : "InvalidRequestException",
                        "message",
                        message))
                .getBytes(StandardCharsets.UTF_8));
  }

  /** Gives the already-read body to the API behind the filter. */
  private static final class BodyReplay extends HttpServletRequestWrapper {
    private final byte[] body;

    BodyReplay(HttpServletRequest request, byte[] body) {
      super(request);
      this.body = body;
    }

    @Override
    public ServletInputStream getInputStream() {
      ByteArrayInputStream in = new ByteArrayInputStream(body);
      return new ServletInputStream() {
        @Override
        public int read() {
          return in.read();
        }

        @Override
        public int read(byte[] b, int off, int len) {
          return in.read(b, off, len);
        }

        @Override
        public boolean isFinished() {
          return in.available() == 0;
        }

        @Override
        public boolean isReady() {
          return true;
        }

        @Override
        public void setReadListener(ReadListener listener) {
          // The whole body is already in memory: it is available now, and then all read.
          try {
            listener.onDataAvailable();
            listener.onAllDataRead();
          } catch (IOException e) {
            listener.onError(e);
          }
        }
      };
    }

    @Override
    public int getContentLength() {
      return body.length;
    }

    @Override
    public long getContentLengthLong() {
      return body.length;
    }
  }
}
