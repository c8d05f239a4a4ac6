package io.countersign.signoff;

import io.countersign.identity.Groups;
import io.countersign.process.Variables;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.springframework.stereotype.Component;

/**
 * Where each required sign-off of a release stands, for the sign-off form: the process variable
 * {@link Variables#SIGN_OFF_STATUS} on the sign-off process, one entry per required role (its
 * group, its label, its status), rewritten when a sign-off task is created and when one is
 * completed, so a form opened later reads the decisions made since. Decisions come from {@code
 * cs_sign_off}, not from variables.
 */
@Component
class SignOffStatus {
  static final String WAITING = "waiting";
  private static final DateTimeFormatter AT =
      DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm 'UTC'").withZone(ZoneOffset.UTC);

  private final SignOffRepository signOffs;

  SignOffStatus(SignOffRepository signOffs) {
    this.signOffs = signOffs;
  }

  /** Rewrites the variable on the process instance of the given execution. */
  void refresh(DelegateExecution execution, String releaseId) {
    execution
        .getProcessInstance()
        .setVariable(Variables.SIGN_OFF_STATUS, of(releaseId, requiredRoles(execution)));
  }

  List<Map<String, String>> of(String releaseId, List<String> requiredRoles) {
    Map<String, SignOffRepository.SignOff> decided = new LinkedHashMap<>();
    signOffs.forRelease(releaseId).forEach(s -> decided.put(s.role(), s));
    List<Map<String, String>> entries = new ArrayList<>();
    for (String role : requiredRoles) {
      SignOffRepository.SignOff signOff = decided.get(role);
      Map<String, String> entry = new LinkedHashMap<>();
      entry.put("group", role);
      entry.put("label", Groups.label(role));
      entry.put(
          "status",
          signOff == null
              ? WAITING
              : ("approve".equals(signOff.decision()) ? "approved" : "rejected")
                  + " by "
                  + signOff.user()
                  + " at "
                  + AT.format(signOff.decidedAt()));
      entries.add(entry);
    }
    return entries;
  }

  @SuppressWarnings("unchecked")
  private static List<String> requiredRoles(DelegateExecution execution) {
    Object roles = execution.getVariable(Variables.REQUIRED_ROLES);
    return roles instanceof List<?> list ? (List<String>) list : List.of();
  }
}
