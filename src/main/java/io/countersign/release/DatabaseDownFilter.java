package io.countersign.release;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.cluster.NodeHeartbeat;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * While the node heartbeat finds the database unreachable, the API, the engine REST API and the
 * webapps' API answer at once 503 problem+json with Retry-After, before authentication (which needs
 * the database too) instead of a 500 after the connection pool's wait. Nothing is started or
 * changed; the releases in flight resume by themselves once the database is back.
 */
@Configuration(proxyBeanMethods = false)
class DatabaseDownFilter {
  static final URI DATABASE_UNAVAILABLE =
      URI.create(ProblemResponses.TYPES + "database-unavailable");

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> databaseDown(
      NodeHeartbeat heartbeat, ObjectMapper json) {
    OncePerRequestFilter filter =
        new OncePerRequestFilter() {
          @Override
          protected void doFilterInternal(
              HttpServletRequest request, HttpServletResponse response, FilterChain chain)
              throws ServletException, IOException {
            NodeHeartbeat.DatabaseStatus database = heartbeat.database();
            if (database.reachable()) {
              chain.doFilter(request, response);
              return;
            }
            ProblemDetail body = problem(database.since().toString());
            response.setStatus(HttpStatus.SERVICE_UNAVAILABLE.value());
            response.setHeader(
                HttpHeaders.RETRY_AFTER, String.valueOf(heartbeat.heartbeat().toSeconds() + 1));
            response.setContentType(MediaType.APPLICATION_PROBLEM_JSON_VALUE);
            json.writeValue(response.getOutputStream(), body);
          }
        };
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(filter);
    registration.addUrlPatterns("/api/*", "/engine-rest/*", "/camunda/api/*");
    registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER - 1);
    return registration;
  }

  static ProblemDetail problem(String since) {
    ProblemDetail body =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.SERVICE_UNAVAILABLE,
            "Countersign's database is unreachable"
                + (since == null ? "" : " (since " + since + ")")
                + ". Nothing was started or changed; releases in flight resume on their own"
                + " once it is back. Try again later.");
    body.setType(DATABASE_UNAVAILABLE);
    body.setTitle("Database unavailable");
    return body;
  }
}
