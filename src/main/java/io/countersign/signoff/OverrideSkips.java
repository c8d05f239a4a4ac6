package io.countersign.signoff;

import io.countersign.identity.Groups;
import io.countersign.process.Variables;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/**
 * What approving an emergency override skips, as the release stands when the override decision is
 * created (the request's moment): the required sign-offs not yet approved, by role label (read from
 * {@code cs_sign_off}, not variables), the evidence the pre-deployment checkpoint held the release
 * for, and a closed change window. The override form lists these lines.
 */
@Component
class OverrideSkips {
  private final SignOffRepository signOffs;

  OverrideSkips(SignOffRepository signOffs) {
    this.signOffs = signOffs;
  }

  List<String> of(DelegateExecution execution, String releaseId) {
    List<String> lines = new ArrayList<>();
    Set<String> approved =
        signOffs.forRelease(releaseId).stream()
            .filter(s -> "approve".equals(s.decision()))
            .map(SignOffRepository.SignOff::role)
            .collect(Collectors.toSet());
    List<String> outstanding =
        requiredRoles(releaseId).stream()
            .filter(role -> !approved.contains(role))
            .map(Groups::label)
            .toList();
    lines.add(
        outstanding.isEmpty()
            ? "Sign-offs: none outstanding, every required role has approved"
            : "Approving skips these sign-offs still outstanding: "
                + String.join(", ", outstanding));
    if (Boolean.FALSE.equals(execution.getVariable(Variables.EVIDENCE_COMPLETE))) {
      Object heldFor = execution.getVariable(Variables.EVIDENCE_HELD_FOR);
      lines.add(
          "The pre-deployment evidence check it is held for: "
              + (heldFor == null ? "evidence incomplete" : heldFor));
    }
    Object window = execution.getVariable(Variables.CHANGE_WINDOW);
    if ("wait".equals(window) || "override".equals(window)) {
      lines.add("The change window: " + execution.getVariable(Variables.STATUS_REASON));
    }
    return lines;
  }

  /** What the release policy required, as recorded when it was applied; none before that. */
  private List<String> requiredRoles(String releaseId) {
    return signOffs.policy(releaseId).map(p -> p.get(0)).orElse(List.of());
  }
}
