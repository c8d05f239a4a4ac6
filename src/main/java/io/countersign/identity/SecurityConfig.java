package io.countersign.identity;

import java.util.List;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.identity.Group;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.authentication.BadCredentialsException;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.authentication.HttpStatusEntryPoint;
import org.springframework.security.web.authentication.UsernamePasswordAuthenticationFilter;
import org.springframework.security.web.authentication.www.BasicAuthenticationFilter;
import org.springframework.security.web.csrf.CookieCsrfTokenRepository;
import org.springframework.security.web.csrf.CsrfTokenRequestAttributeHandler;
import org.springframework.security.web.servlet.util.matcher.PathPatternRequestMatcher;
import org.springframework.security.web.util.matcher.OrRequestMatcher;

/**
 * Authentication on every endpoint: HTTP Basic against the engine's identity for Countersign's API
 * and the engine REST API; the release console ({@code /console}) with a login page and a session,
 * or HTTP Basic, against the same identity; the Camunda webapps keep their own login (their API
 * refuses anonymous calls), and only the static assets, the console's login page and the health
 * probes (root, liveness, readiness) are public.
 */
@Configuration
class SecurityConfig {

  @Bean
  @Order(1)
  SecurityFilterChain apiSecurity(
      HttpSecurity http, IdentityService identityService, Oidc oidc, LoginThrottle loginThrottle)
      throws Exception {
    // Path-pattern matchers: the engine REST API is a Jersey servlet, which MVC matchers do not
    // see.
    PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
    http.securityMatcher(
            new OrRequestMatcher(
                paths.matcher("/api/**"),
                paths.matcher("/engine-rest/**"),
                paths.matcher("/actuator/**")))
        .authorizeHttpRequests(
            auth ->
                // The probes too (kubelets do not authenticate); they show a status, no details.
                auth.requestMatchers(
                        paths.matcher("/actuator/health"),
                        paths.matcher("/actuator/health/liveness"),
                        paths.matcher("/actuator/health/readiness"))
                    .permitAll()
                    .anyRequest()
                    .authenticated())
        .httpBasic(basic -> basic.realmName("Countersign"))
        .csrf(
            csrf ->
                csrf.disable()) // Basic-authenticated, stateless JSON APIs; no cookies to ride on.
        .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
        .authenticationProvider(engineIdentity(identityService))
        // Per client address, before any password is checked (the engine's per-user lock is off:
        // application.yaml).
        .addFilterBefore(
            LoginThrottleFilter.httpBasic(loginThrottle), BasicAuthenticationFilter.class)
        .addFilterAfter(
            new EngineAuthenticationFilter(identityService), BasicAuthenticationFilter.class);
    if (oidc.enabled()) {
      // Bearer tokens from the organisation's identity provider, next to HTTP Basic.
      http.oauth2ResourceServer(
          rs ->
              rs.jwt(
                  jwt ->
                      jwt.decoder(oidc.decoder())
                          .jwtAuthenticationConverter(oidc::toAuthentication)));
    }
    return http.build();
  }

  /**
   * The release console: pages and their JSON under {@code /console}. People log in on its page (a
   * session cookie, so every state-changing request carries the CSRF token from the {@code
   * XSRF-TOKEN} cookie); HTTP Basic is accepted as on the API. Its JSON answers 401 instead of
   * redirecting to the login page. The session is not the webapps' login: Tasklist asks again.
   */
  @Bean
  @Order(2)
  SecurityFilterChain consoleSecurity(
      HttpSecurity http, IdentityService identityService, LoginThrottle loginThrottle)
      throws Exception {
    PathPatternRequestMatcher.Builder paths = PathPatternRequestMatcher.withDefaults();
    http.securityMatcher(paths.matcher("/console/**"))
        .authorizeHttpRequests(
            auth ->
                auth.requestMatchers(
                        paths.matcher("/console/login"),
                        paths.matcher("/console/login.html"),
                        paths.matcher("/console/assets/**"))
                    .permitAll()
                    .anyRequest()
                    .authenticated())
        .formLogin(
            form ->
                form.loginPage("/console/login")
                    .loginProcessingUrl("/console/login")
                    .defaultSuccessUrl("/console/", false)
                    .failureUrl("/console/login?error"))
        .logout(
            logout -> logout.logoutUrl("/console/logout").logoutSuccessUrl("/console/login?out"))
        .httpBasic(basic -> basic.realmName("Countersign"))
        .csrf(
            csrf ->
                csrf.csrfTokenRepository(CookieCsrfTokenRepository.withHttpOnlyFalse())
                    // The token as the cookie holds it: the pages copy it into a header.
                    .csrfTokenRequestHandler(new CsrfTokenRequestAttributeHandler()))
        .exceptionHandling(
            e ->
                e.defaultAuthenticationEntryPointFor(
                    new HttpStatusEntryPoint(HttpStatus.UNAUTHORIZED),
                    paths.matcher("/console/api/**")))
        .headers(
            h ->
                h.contentSecurityPolicy(
                    csp ->
                        csp.policyDirectives(
                            "default-src 'self'; img-src 'self' data:; style-src 'self'"
                                + " 'unsafe-inline'; font-src 'self' data:; frame-ancestors 'none';"
                                + " form-action 'self'; base-uri 'none'; object-src 'none'")))
        .authenticationProvider(engineIdentity(identityService))
        .addFilterBefore(
            LoginThrottleFilter.httpBasic(loginThrottle), BasicAuthenticationFilter.class)
        .addFilterBefore(
            LoginThrottleFilter.consoleLogin(loginThrottle),
            UsernamePasswordAuthenticationFilter.class);
    return http.build();
  }

  @Bean
  @Order(3)
  SecurityFilterChain webappSecurity(HttpSecurity http) throws Exception {
    // The webapps (/camunda/**) authenticate users themselves and send their own CSRF token.
    http.authorizeHttpRequests(auth -> auth.anyRequest().permitAll())
        .csrf(csrf -> csrf.disable())
        .headers(h -> h.frameOptions(f -> f.sameOrigin()));
    return http.build();
  }

  static AuthenticationProvider engineIdentity(IdentityService identityService) {
    return new AuthenticationProvider() {
      @Override
      public Authentication authenticate(Authentication authentication) {
        String user = authentication.getName();
        Object password = authentication.getCredentials();
        if (user == null
            || password == null
            || !identityService.checkPassword(user, password.toString())) {
          throw new BadCredentialsException("Bad credentials");
        }
        List<SimpleGrantedAuthority> groups =
            identityService.createGroupQuery().groupMember(user).list().stream()
                .map(Group::getId)
                .map(SimpleGrantedAuthority::new)
                .toList();
        return UsernamePasswordAuthenticationToken.authenticated(user, null, groups);
      }

      @Override
      public boolean supports(Class<?> type) {
        return UsernamePasswordAuthenticationToken.class.isAssignableFrom(type);
      }
    };
  }
}
