package io.countersign.identity;

import static org.camunda.bpm.engine.authorization.Authorization.AUTH_TYPE_GRANT;

import io.countersign.process.EscalationPriority;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationService;
import org.camunda.bpm.engine.FilterService;
import org.camunda.bpm.engine.IdentityService;
import org.camunda.bpm.engine.TaskService;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Permission;
import org.camunda.bpm.engine.authorization.Permissions;
import org.camunda.bpm.engine.authorization.Resource;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.filter.Filter;
import org.camunda.bpm.engine.identity.Group;
import org.camunda.bpm.engine.identity.User;
import org.camunda.bpm.engine.task.TaskQuery;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.core.env.Environment;
import org.springframework.core.env.Profiles;
import org.springframework.stereotype.Component;

/**
 * Creates at start-up, idempotently: the groups, the authorizations approvers need in Tasklist, one
 * Tasklist filter per role (Tasklist shows nothing without one), and — on the embedded default only
 * — one demo user per role.
 */
@Component
class AccessSetup {
  private static final Logger LOG = LoggerFactory.getLogger(AccessSetup.class);
  private static final Map<String, String> GROUP_NAMES = new LinkedHashMap<>();

  /** The Tasklist filter of escalated sign-offs, and its name before issue 17. */
  static final String OVERDUE = "Sign-offs past follow-up (escalated)";

  static final String OVERDUE_BEFORE = "Overdue";
  static final String OVERDUE_DESCRIPTION =
      "Sign-offs still open after their follow-up time: escalation raised their priority to "
          + EscalationPriority.VALUE
          + " and let release managers sign for the role. The follow-up and due dates show on each"
          + " task. Tasklist filters here cannot compare with the current time, so a sign-off"
          + " appears once its escalation has run.";

  static {
    GROUP_NAMES.put(Groups.REQUESTERS, "Release requesters");
    GROUP_NAMES.put(Groups.TECH_LEADS, "Tech leads");
    GROUP_NAMES.put(Groups.SECURITY_OFFICERS, "Security officers");
    GROUP_NAMES.put(Groups.QA_LEADS, "QA leads");
    GROUP_NAMES.put(Groups.PRODUCT_OWNERS, "Product owners");
    GROUP_NAMES.put(Groups.OPERATIONS_LEADS, "Operations leads");
    GROUP_NAMES.put(Groups.COMPLIANCE_OFFICERS, "Compliance officers");
    GROUP_NAMES.put(Groups.RELEASE_MANAGERS, "Release managers");
    GROUP_NAMES.put(Groups.PROCESS_ADMINS, "Process administrators (deploy models)");
  }

  /**
   * Demo user id → groups: one person per role, the process admin (configured below like any
   * installation's), and a tech lead who also requests releases, to try four-eyes on.
   */
  static final Map<String, List<String>> DEMO_USERS =
      Map.ofEntries(
          Map.entry("requester", List.of(Groups.REQUESTERS)),
          Map.entry("tech-lead", List.of(Groups.TECH_LEADS)),
          Map.entry("security-officer", List.of(Groups.SECURITY_OFFICERS)),
          Map.entry("qa-lead", List.of(Groups.QA_LEADS)),
          Map.entry("product-owner", List.of(Groups.PRODUCT_OWNERS)),
          Map.entry("ops-lead", List.of(Groups.OPERATIONS_LEADS)),
          Map.entry("compliance-officer", List.of(Groups.COMPLIANCE_OFFICERS)),
          Map.entry("release-manager", List.of(Groups.RELEASE_MANAGERS)),
          Map.entry("dev-lead", List.of(Groups.REQUESTERS, Groups.TECH_LEADS)),
          Map.entry("process-admin", List.of()),
          Map.entry("admin", List.of(Groups.ADMINS)));

  /** The process variables Tasklist shows in each filter's list, with their labels. */
  static final List<Map<String, String>> LIST_VARIABLES =
      List.of(
          Map.of("name", "application", "label", "Application"),
          Map.of("name", "version", "label", "Version"),
          Map.of("name", "environment", "label", "Environment"),
          Map.of("name", "requester", "label", "Requested by"));

  private final IdentityService identity;
  private final AuthorizationService authorizations;
  private final FilterService filters;
  private final TaskService tasks;
  private static final List<String> DEFAULT_PASSWORDS =
      List.of("demo", "admin", "password", "camunda", "changeme", "countersign");

  private final boolean demo;
  private final String demoPassword;
  private final String adminId;
  private final String adminPassword;
  private final List<String> processAdmins;

  AccessSetup(
      IdentityService identity,
      AuthorizationService authorizations,
      FilterService filters,
      TaskService tasks,
      Environment environment,
      @Value("${countersign.demo.enabled:false}") boolean demo,
      @Value("${countersign.demo.password:}") String demoPassword,
      @Value("${countersign.bootstrap-admin.id:}") String adminId,
      @Value("${countersign.bootstrap-admin.password:}") String adminPassword,
      @Value("${countersign.process-admins:}") List<String> processAdmins) {
    this.identity = identity;
    this.authorizations = authorizations;
    this.filters = filters;
    this.tasks = tasks;
    this.demo = demo;
    this.demoPassword = demoPassword;
    this.adminId = adminId;
    this.adminPassword = adminPassword;
    this.processAdmins =
        processAdmins.stream().map(String::trim).filter(id -> !id.isEmpty()).toList();
    if (environment.acceptsProfiles(Profiles.of("production"))) {
      refuseWeakSetUp();
    }
  }

  /** Production never starts with demo users or a default or short administrator password. */
  private void refuseWeakSetUp() {
    if (demo) {
      throw new IllegalStateException("countersign.demo.enabled must be false in production");
    }
    if (!adminId.isBlank()
        && (adminPassword.length() < 12
            || DEFAULT_PASSWORDS.contains(adminPassword.toLowerCase()))) {
      throw new IllegalStateException(
          "countersign.bootstrap-admin.password must be at least 12 characters and not a default password");
    }
  }

  // Runs once the engine has deployed the models; every step is idempotent across restarts. First
  // of the ready listeners: on PostgreSQL the cluster-wide start-up lock (engine.StartupLock) is
  // still held, and released by the last one, so nodes starting together never race here.
  @EventListener
  @Order(0)
  public void onReady(ApplicationReadyEvent event) {
    GROUP_NAMES.forEach(this::ensureGroup);
    ensureGroup(Groups.ADMINS, "Countersign administrators");
    // Administrators run the installation; deploying models is the process admins' separate duty.
    for (Resource resource : Resources.values()) {
      if (resource == Resources.DEPLOYMENT) {
        grantOnly(Groups.ADMINS, resource, Authorization.ANY, Permissions.READ);
      } else {
        grant(Groups.ADMINS, resource, Authorization.ANY, Permissions.ALL);
      }
    }
    grant(Groups.PROCESS_ADMINS, Resources.DEPLOYMENT, Authorization.ANY, Permissions.CREATE);
    grant(Groups.PROCESS_ADMINS, Resources.DEPLOYMENT, Authorization.ANY, Permissions.READ);
    for (Resource resource :
        List.of(
            Resources.PROCESS_DEFINITION,
            Resources.DECISION_DEFINITION,
            Resources.DECISION_REQUIREMENTS_DEFINITION)) {
      grant(Groups.PROCESS_ADMINS, resource, Authorization.ANY, Permissions.READ);
    }
    grant(Groups.PROCESS_ADMINS, Resources.APPLICATION, "cockpit", Permissions.ACCESS);
    for (String group : Groups.APPROVERS) {
      grant(group, Resources.APPLICATION, "tasklist", Permissions.ACCESS);
      for (String key : List.of("release", "sign-off", "deploy")) {
        grant(group, Resources.PROCESS_DEFINITION, key, Permissions.READ);
      }
    }
    grant(Groups.REQUESTERS, Resources.APPLICATION, "tasklist", Permissions.ACCESS);
    for (String role : Groups.SIGN_OFF_ROLES) {
      ensureFilter(
          GROUP_NAMES.get(role).replaceAll("s$", "") + " sign-offs",
          tasks
              .createTaskQuery()
              .taskCandidateGroup(role)
              .includeAssignedTasks()
              .taskDefinitionKey("approveRelease"),
          role,
          10);
    }
    ensureFilter(
        "Overrides to decide",
        tasks
            .createTaskQuery()
            .taskCandidateGroup(Groups.RELEASE_MANAGERS)
            .includeAssignedTasks()
            .taskDefinitionKey("decideOverride"),
        Groups.RELEASE_MANAGERS,
        20);
    ensureFilter(
        "Escalated sign-offs",
        tasks
            .createTaskQuery()
            .taskCandidateGroup(Groups.RELEASE_MANAGERS)
            .includeAssignedTasks()
            .taskDefinitionKey("approveRelease"),
        Groups.RELEASE_MANAGERS,
        21);
    ensureFilter(
        "Post-override reviews",
        tasks
            .createTaskQuery()
            .taskCandidateGroup(Groups.COMPLIANCE_OFFICERS)
            .includeAssignedTasks()
            .taskDefinitionKey("reviewOverride"),
        Groups.COMPLIANCE_OFFICERS,
        30);
    ensureFilter(
        "Inconclusive metrics to decide",
        tasks
            .createTaskQuery()
            .taskCandidateGroup(Groups.OPERATIONS_LEADS)
            .includeAssignedTasks()
            .taskDefinitionKey("decideInconclusiveMetrics"),
        Groups.OPERATIONS_LEADS,
        45);
    ensureFilter(
        "Database restores to confirm",
        tasks
            .createTaskQuery()
            .taskCandidateGroup(Groups.OPERATIONS_LEADS)
            .includeAssignedTasks()
            .taskDefinitionKey("confirmDatabaseRestore"),
        Groups.OPERATIONS_LEADS,
        40);
    // Stored queries may not hold expressions (enableExpressionsInStoredQueries: false: a filter's
    // expression would run with the engine's rights), so no filter can say "due before now".
    // Escalation, due at a sign-off's follow-up time, raises its priority to a literal bound the
    // filter selects: the filter lists sign-offs past their follow-up time, and says so.
    renameFilter(OVERDUE_BEFORE, OVERDUE);
    Filter overdue =
        ensureFilter(
            OVERDUE,
            OVERDUE_DESCRIPTION,
            tasks
                .createTaskQuery()
                .taskDefinitionKey("approveRelease")
                .taskMinPriority(EscalationPriority.VALUE),
            Groups.RELEASE_MANAGERS,
            50);
    // Each role sees its own sign-offs there (task grants decide which tasks a filter shows),
    // release managers every escalated one.
    for (String role : Groups.SIGN_OFF_ROLES) {
      grant(role, Resources.FILTER, overdue.getId(), Permissions.READ);
    }
    if (demo) {
      createDemoUsers();
    }
    syncProcessAdmins();
    if (!adminId.isBlank() && identity.createUserQuery().userId(adminId).count() == 0) {
      // The first administrator of an installation; change the password in Admin afterwards.
      User admin = identity.newUser(adminId);
      admin.setFirstName(adminId);
      admin.setLastName("(administrator)");
      admin.setPassword(adminPassword);
      identity.saveUser(admin);
      identity.createMembership(adminId, Groups.ADMINS);
      LOG.info("Created administrator '{}'", adminId);
    }
  }

  private void createDemoUsers() {
    if (demoPassword == null || demoPassword.isBlank()) {
      throw new IllegalStateException(
          "countersign.demo.password must be set when demo users are enabled");
    }
    DEMO_USERS.forEach(
        (userId, groups) -> {
          if (identity.createUserQuery().userId(userId).count() == 0) {
            User user = identity.newUser(userId);
            user.setFirstName(userId);
            user.setLastName("(demo)");
            user.setEmail(userId + "@countersign.invalid");
            user.setPassword(demoPassword);
            identity.saveUser(user);
            groups.forEach(group -> identity.createMembership(userId, group));
            LOG.info("Created demo user '{}' in groups {}", userId, groups);
          }
        });
  }

  /**
   * Who may deploy models is configuration (countersign.process-admins): the group's members are
   * made to match the list at every start, and the webapps and engine REST cannot change them.
   */
  private void syncProcessAdmins() {
    List<String> current =
        identity.createUserQuery().memberOfGroup(Groups.PROCESS_ADMINS).list().stream()
            .map(User::getId)
            .toList();
    for (String userId : processAdmins) {
      if (!current.contains(userId)) {
        if (identity.createUserQuery().userId(userId).count() == 0) {
          LOG.warn("countersign.process-admins names '{}', who is not a user", userId);
        } else {
          identity.createMembership(userId, Groups.PROCESS_ADMINS);
          LOG.info("'{}' is a process admin (may deploy models)", userId);
        }
      }
    }
    for (String userId : current) {
      if (!processAdmins.contains(userId)) {
        identity.deleteMembership(userId, Groups.PROCESS_ADMINS);
        LOG.info("'{}' is no longer a process admin", userId);
      }
    }
  }

  private void ensureGroup(String id, String name) {
    if (identity.createGroupQuery().groupId(id).count() == 0) {
      Group group = identity.newGroup(id);
      group.setName(name);
      group.setType("WORKFLOW");
      identity.saveGroup(group);
    }
  }

  private Filter ensureFilter(String name, TaskQuery query, String group, int priority) {
    return ensureFilter(name, name, query, group, priority);
  }

  /** An earlier version's name of a filter: renamed in place, so its id and grants stay. */
  private void renameFilter(String before, String now) {
    Filter earlier = filters.createFilterQuery().filterName(before).singleResult();
    if (earlier != null && filters.createFilterQuery().filterName(now).count() == 0) {
      earlier.setName(now);
      filters.saveFilter(earlier);
    }
  }

  private Filter ensureFilter(
      String name, String description, TaskQuery query, String group, int priority) {
    Filter filter = filters.createFilterQuery().filterName(name).singleResult();
    if (filter == null) {
      filter = filters.newTaskFilter(name);
    }
    filter.setOwner("admin");
    filter.setQuery(query);
    filter.setProperties(
        Map.of(
            "priority",
            priority,
            "description",
            description,
            "refresh",
            true,
            // Shown in each row of Tasklist's list: which release a task is about, at a glance.
            "variables",
            LIST_VARIABLES));
    filters.saveFilter(filter);
    grant(group, Resources.FILTER, filter.getId(), Permissions.READ);
    return filter;
  }

  /** Like grant, but takes away whatever else an earlier version granted. */
  private void grantOnly(
      String group, Resource resource, String resourceId, Permission permission) {
    Authorization existing =
        authorizations
            .createAuthorizationQuery()
            .groupIdIn(group)
            .resourceType(resource)
            .resourceId(resourceId)
            .singleResult();
    if (existing != null) {
      existing.setPermissions(new Permission[] {permission});
      authorizations.saveAuthorization(existing);
    } else {
      grant(group, resource, resourceId, permission);
    }
  }

  private void grant(String group, Resource resource, String resourceId, Permission permission) {
    Authorization existing =
        authorizations
            .createAuthorizationQuery()
            .groupIdIn(group)
            .resourceType(resource)
            .resourceId(resourceId)
            .singleResult();
    Authorization auth =
        existing != null ? existing : authorizations.createNewAuthorization(AUTH_TYPE_GRANT);
    auth.setGroupId(group);
    auth.setResource(resource);
    auth.setResourceId(resourceId);
    auth.addPermission(permission);
    authorizations.saveAuthorization(auth);
  }
}
