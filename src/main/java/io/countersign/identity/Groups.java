package io.countersign.identity;

import java.util.List;

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

  private Groups() {}
}
