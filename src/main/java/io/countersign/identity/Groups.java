package io.countersign.identity;

import java.util.List;
import java.util.Map;

/**
 * The groups Countersign's models and policy name. Group ids are the candidate groups of the tasks.
 */
public final class Groups {
  public static final String REQUESTERS = "release-requesters";
  public static final String TECH_LEADS = "tech-leads";
  public static final String SECURITY_OFFICERS = "security-officers";
  public static final String QA_LEADS = "qa-leads";
  public static final String PRODUCT_OWNERS = "product-owners";
  public static final String OPERATIONS_LEADS = "operations-leads";
  public static final String COMPLIANCE_OFFICERS = "compliance-officers";
  public static final String RELEASE_MANAGERS = "release-managers";
  public static final String ADMINS = "camunda-admin";

  /**
   * The only group that may deploy models (BPMN, DMN, forms); its members come from configuration.
   */
  public static final String PROCESS_ADMINS = "process-admins";

  /** Groups that sign off releases (the roles of release-policy.dmn). */
  public static final List<String> SIGN_OFF_ROLES =
      List.of(
          TECH_LEADS,
          SECURITY_OFFICERS,
          QA_LEADS,
          PRODUCT_OWNERS,
          OPERATIONS_LEADS,
          COMPLIANCE_OFFICERS);

  /** Everyone who works in Tasklist. */
  public static final List<String> APPROVERS =
      List.of(
          TECH_LEADS,
          SECURITY_OFFICERS,
          QA_LEADS,
          PRODUCT_OWNERS,
          OPERATIONS_LEADS,
          COMPLIANCE_OFFICERS,
          RELEASE_MANAGERS);

  /** What a person reads for each role: "Tech lead", not the group id {@code tech-leads}. */
  private static final Map<String, String> ROLE_LABELS =
      Map.of(
          TECH_LEADS, "Tech lead",
          SECURITY_OFFICERS, "Security officer",
          QA_LEADS, "QA lead",
          PRODUCT_OWNERS, "Product owner",
          OPERATIONS_LEADS, "Operations lead",
          COMPLIANCE_OFFICERS, "Compliance officer",
          RELEASE_MANAGERS, "Release manager");

  /** The role's label for forms and messages; a group Countersign does not know keeps its id. */
  public static String label(String groupId) {
    return groupId == null ? null : ROLE_LABELS.getOrDefault(groupId, groupId);
  }

  private Groups() {}
}
