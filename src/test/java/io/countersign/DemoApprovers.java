package io.countersign;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The demo profile's sign-off roles and who holds them, and the body that approves a task. */
public final class DemoApprovers {
  /** Sign-off role (candidate group) → the demo user who holds it, in the policy's order. */
  public static final Map<String, String> BY_ROLE;

  /** The body of {@code POST /engine-rest/task/{id}/complete} that approves. */
  public static final Map<String, Object> APPROVE =
      Map.of("variables", Map.of("decision", Map.of("value", "approve")));

  static {
    Map<String, String> roles = new LinkedHashMap<>();
    roles.put("tech-leads", "tech-lead");
    roles.put("security-officers", "security-officer");
    roles.put("qa-leads", "qa-lead");
    roles.put("product-owners", "product-owner");
    roles.put("operations-leads", "ops-lead");
    roles.put("compliance-officers", "compliance-officer");
    BY_ROLE = Collections.unmodifiableMap(roles);
  }

  private DemoApprovers() {}
}
