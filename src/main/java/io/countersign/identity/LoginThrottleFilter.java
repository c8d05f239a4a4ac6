package io.countersign.identity;

import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;
import java.util.function.Predicate;
import java.util.regex.Pattern;
import org.springframework.boot.autoconfigure.security.SecurityProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Puts {@link LoginThrottle} in front of every password check: HTTP Basic on the API and engine
 * REST (added to their security chain in {@link SecurityConfig}) and the Camunda webapps' login
 * form. A client that has to wait gets 429 problem+json with {@code Retry-After} before any
 * password is looked at, whichever the account and whether the password would be right; afterwards
 * the outcome of the check is reported back to the throttle.
 */
class LoginThrottleFilter extends OncePerRequestFilter {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern WEBAPP_LOGIN =
      Pattern.compile("/camunda/api/admin/auth/user/[^/]+/login/[^/]*/?");

  private final LoginThrottle throttle;
  private final Predicate<HttpServletRequest> isLogin;

  /** TRUE: the password was right; FALSE: it was wrong; null: no password was checked. */
  private final BiFunction<HttpServletRequest, HttpServletResponse, Boolean> outcome;

  private LoginThrottleFilter(
      LoginThrottle throttle,
      Predicate<HttpServletRequest> isLogin,
      BiFunction<HttpServletRequest, HttpServletResponse, Boolean> outcome) {
    this.throttle = throttle;
    this.isLogin = isLogin;
    this.outcome = outcome;
  }

  /**
   * For a Spring Security chain, before its BasicAuthenticationFilter: a request with Basic
   * credentials (the same test that filter makes) succeeded when the chain comes back with the user
   * authenticated.
   */
  static LoginThrottleFilter httpBasic(LoginThrottle throttle) {
    return new LoginThrottleFilter(
        throttle,
        request -> {
          String header = request.getHeader(HttpHeaders.AUTHORIZATION);
          return header != null && header.trim().regionMatches(true, 0, "Basic", 0, 5);
        },
        (request, response) -> {
          Authentication user = SecurityContextHolder.getContext().getAuthentication();
          return user instanceof UsernamePasswordAuthenticationToken && user.isAuthenticated();
        });
  }

  /**
   * For the console's login form ({@code POST /console/login}): the chain comes back with the user
   * authenticated when the password was right, and redirects to {@code ?error} when it was not.
   */
  static LoginThrottleFilter consoleLogin(LoginThrottle throttle) {
    return new LoginThrottleFilter(
        throttle,
        request ->
            "POST".equals(request.getMethod())
                && "/console/login"
                    .equals(
                        request.getServletPath()
                            + (request.getPathInfo() == null ? "" : request.getPathInfo())),
        (request, response) -> {
          Authentication user = SecurityContextHolder.getContext().getAuthentication();
          if (user instanceof UsernamePasswordAuthenticationToken && user.isAuthenticated()) {
            return Boolean.TRUE;
          }
          String location = response.getHeader(HttpHeaders.LOCATION);
          return location != null && location.endsWith("?error") ? Boolean.FALSE : null;
        });
  }

  /**
   * For the webapps' login ({@code POST /camunda/api/admin/auth/user/{engine}/login/{app}}): it
   * answers 401 for a wrong user or password and 200 when logged in. A 403 (no access to the app,
   * or the webapps' CSRF check, which comes before any password) counts neither way, so it cannot
   * start a client's count over.
   */
  static LoginThrottleFilter webappLogin(LoginThrottle throttle) {
    // The decoded, normalized path (as the webapps' router sees it), so %6cogin or /./ do not slip
    // past.
    return new LoginThrottleFilter(
        throttle,
        request ->
            "POST".equals(request.getMethod())
                && WEBAPP_LOGIN
                    .matcher(
                        request.getServletPath()
                            + (request.getPathInfo() == null ? "" : request.getPathInfo()))
                    .matches(),
        (request, response) ->
            response.getStatus() == HttpServletResponse.SC_UNAUTHORIZED
                ? Boolean.FALSE
                : response.getStatus() / 100 == 2 ? Boolean.TRUE : null);
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    if (!isLogin.test(request)) {
      chain.doFilter(request, response);
      return;
    }
    // The TCP peer, unless server.forward-headers-strategy is set to trust a proxy's
    // X-Forwarded-For.
    String client = LoginThrottle.clientKey(request.getRemoteAddr());
    Duration wait = throttle.admit(client);
    if (!wait.isZero()) {
      refuse(request, response, wait);
      return;
    }
    try {
      chain.doFilter(request, response);
    } finally {
      Boolean passwordRight = outcome.apply(request, response);
      if (Boolean.TRUE.equals(passwordRight)) {
        throttle.succeeded(client);
      } else if (Boolean.FALSE.equals(passwordRight)) {
        throttle.failed(client);
      }
    }
  }

  private static void refuse(
      HttpServletRequest request, HttpServletResponse response, Duration wait) throws IOException {
    long seconds = Math.max(1, (wait.toMillis() + 999) / 1000);
    Map<String, Object> problem = new LinkedHashMap<>();
    problem.put("type", "https://countersign.io/problems/too-many-failed-logins");
    problem.put("title", "Too many failed logins");
    problem.put("status", 429);
    problem.put(
        "detail", "Too many failed logins from this address; try again in " + seconds + " s");
    problem.put("instance", request.getRequestURI());
    response.setStatus(429);
    response.setHeader(HttpHeaders.RETRY_AFTER, Long.toString(seconds));
    response.setContentType("application/problem+json");
    JSON.writeValue(response.getOutputStream(), problem);
  }

  /**
   * The one throttle shared by every login surface, and its filter in front of the webapps' login.
   */
  @Configuration
  static class Registration {
    @Bean
    LoginThrottle loginThrottle(LoginThrottleSettings settings) {
      return new LoginThrottle(settings, Clock.systemUTC());
    }

    @Bean
    FilterRegistrationBean<LoginThrottleFilter> webappLoginThrottle(LoginThrottle throttle) {
      FilterRegistrationBean<LoginThrottleFilter> registration =
          new FilterRegistrationBean<>(webappLogin(throttle));
      registration.addUrlPatterns("/camunda/api/admin/auth/user/*");
      // Before the webapps' own filters (registered after every other filter), so a refused client
      // costs little.
      registration.setOrder(SecurityProperties.DEFAULT_FILTER_ORDER + 2);
      return registration;
    }
  }
}
