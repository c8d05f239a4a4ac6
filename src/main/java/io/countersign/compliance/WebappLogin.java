package io.countersign.compliance;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpSession;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.ProcessEngine;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.webapp.impl.security.auth.Authentication;
import org.camunda.bpm.webapp.impl.security.auth.AuthenticationUtil;
import org.camunda.bpm.webapp.impl.security.auth.Authentications;
import org.springframework.stereotype.Component;

/**
 * Who is logged in to the Camunda webapps (Tasklist, Cockpit, Admin) in this browser session: the
 * printable report is opened from there, and those logins are the throttled ones. No password is
 * checked here, so this page adds no way to guess one. Groups are read again from the identity
 * service, so a membership removed since the login counts at once.
 */
@Component
class WebappLogin {
  record User(String id, Set<String> groups) {}

  private final ProcessEngine engine;
  private final IdentityService identity;

  WebappLogin(ProcessEngine engine, IdentityService identity) {
    this.engine = engine;
    this.identity = identity;
  }

  Optional<User> of(HttpServletRequest request) {
    HttpSession session = request.getSession(false);
    if (session == null) {
      return Optional.empty();
    }
    Authentications logins = AuthenticationUtil.getAuthsFromSession(session);
    Authentication login =
        logins == null ? null : logins.getAuthenticationForProcessEngine(engine.getName());
    if (login == null
        || login.getIdentityId() == null
        || identity.createUserQuery().userId(login.getIdentityId()).count() == 0) {
      return Optional.empty();
    }
    String id = login.getIdentityId();
    return Optional.of(
        new User(
            id,
            identity.createGroupQuery().groupMember(id).list().stream()
                .map(Group::getId)
                .collect(Collectors.toSet())));
  }
}
