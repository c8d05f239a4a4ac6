package io.countersign.console;

import io.countersign.identity.Groups;
import io.countersign.manifest.Environments;
import java.util.Map;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.web.csrf.CsrfToken;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.ResponseBody;

/**
 * The console's page addresses, each forwarded to its static page. Each page asks for the CSRF
 * token, so the {@code XSRF-TOKEN} cookie is set before the page posts anything (the login form
 * included: a forged login is refused too).
 */
@Controller
class ConsolePages {
  private final Environments environments;

  ConsolePages(Environments environments) {
    this.environments = environments;
  }

  /** Who is looking, the environments the list filters by, and each role's label. */
  @GetMapping("/console/api/me")
  @ResponseBody
  Map<String, Object> me(Authentication user) {
    return Map.of(
        "user",
        user.getName(),
        "groups",
        user.getAuthorities().stream().map(GrantedAuthority::getAuthority).sorted().toList(),
        "environments",
        environments.ids(),
        "roles",
        Groups.APPROVERS.stream().collect(Collectors.toMap(g -> g, Groups::label)));
  }

  @GetMapping({"/console", "/console/"})
  String list(CsrfToken csrf) {
    csrf.getToken();
    return "forward:/console/index.html";
  }

  @GetMapping("/console/releases/{id}")
  String release(@PathVariable String id, CsrfToken csrf) {
    csrf.getToken();
    return "forward:/console/release.html";
  }

  @GetMapping("/console/login")
  String login(CsrfToken csrf) {
    csrf.getToken();
    return "forward:/console/login.html";
  }
}
