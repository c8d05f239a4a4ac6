package io.countersign.release;

import io.countersign.identity.Groups;
import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;

/** Who may do what through Countersign's API (the engine's own authorizations guard the rest). */
final class Access {
  private Access() {}

  static Set<String> groups(Authentication user) {
    return user.getAuthorities().stream()
        .map(GrantedAuthority::getAuthority)
        .collect(Collectors.toSet());
  }

  /** Approvers, release managers and admins read every release; a requester reads their own. */
  static boolean readsAll(Authentication user) {
    Set<String> groups = groups(user);
    return groups.contains(Groups.ADMINS) || Groups.APPROVERS.stream().anyMatch(groups::contains);
  }

  static boolean isRequester(Authentication user) {
    Set<String> groups = groups(user);
    return groups.contains(Groups.REQUESTERS) || groups.contains(Groups.ADMINS);
  }
}
