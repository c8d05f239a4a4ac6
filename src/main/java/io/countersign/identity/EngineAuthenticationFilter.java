package io.countersign.identity;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.camunda.bpm.engine.IdentityService;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Hands the authenticated user to the engine for the length of the request, so the engine's
 * authorization checks and the four-eyes listeners see who acts.
 */
class EngineAuthenticationFilter extends OncePerRequestFilter {
  private final IdentityService identityService;

  EngineAuthenticationFilter(IdentityService identityService) {
    this.identityService = identityService;
  }

  @Override
  protected void doFilterInternal(
      HttpServletRequest request, HttpServletResponse response, FilterChain chain)
      throws ServletException, IOException {
    Authentication auth = SecurityContextHolder.getContext().getAuthentication();
    boolean engineCall =
        request.getRequestURI().startsWith(request.getContextPath() + "/engine-rest");
    if (auth == null || !auth.isAuthenticated() || !engineCall) {
      chain.doFilter(request, response);
      return;
    }
    List<String> groups =
        auth.getAuthorities().stream().map(GrantedAuthority::getAuthority).toList();
    identityService.setAuthentication(auth.getName(), groups);
    try {
      chain.doFilter(request, response);
    } finally {
      identityService.clearAuthentication();
    }
  }
}
