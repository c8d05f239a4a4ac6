package io.countersign.release;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.MDC;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * The release id in the MDC (key {@value #KEY}) of every log line written while a request on one
 * release is served: {@code /api/releases/{id}/...}, the console's {@code /console/api/releases/
 * {id}/...} and {@code /console/releases/{id}}. A submission puts the id it creates itself
 * (ReleaseService). In jobs, delegates and listeners the engine puts the process business key,
 * which is the release id in all three processes, under the same key (application.yaml,
 * loggingContextBusinessKey).
 */
@Configuration(proxyBeanMethods = false)
class ReleaseLogContext {
  static final String KEY = "releaseId";

  // Release ids are "rel-" and letters and digits; anything else in the path is not put in a log.
  private static final Pattern RELEASE_PATH =
      Pattern.compile("^(?:/console)?(?:/api)?/releases/([A-Za-z0-9-]{1,64})(?:/.*)?$");

  @Bean
  FilterRegistrationBean<OncePerRequestFilter> releaseLogContextFilter() {
    FilterRegistrationBean<OncePerRequestFilter> registration =
        new FilterRegistrationBean<>(filter());
    registration.addUrlPatterns("/api/*", "/console/*");
    // Before security and the database-down answer, so their lines carry the id too.
    registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER - 2);
    return registration;
  }

  static OncePerRequestFilter filter() {
    return new OncePerRequestFilter() {
      @Override
      protected void doFilterInternal(
          HttpServletRequest request, HttpServletResponse response, FilterChain chain)
          throws ServletException, IOException {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        Matcher m = RELEASE_PATH.matcher(path);
        if (m.matches()) {
          MDC.put(KEY, m.group(1));
        }
        try {
          chain.doFilter(request, response);
        } finally {
          // Also what a submission put: the thread serves other releases next.
          MDC.remove(KEY);
        }
      }
    };
  }
}
