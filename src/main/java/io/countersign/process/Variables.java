package io.countersign.process;

/**
 * Every process variable name Countersign reads or writes, in one place. Outputs of a capability
 * are namespaced by it ({@code db.}, {@code lambda.}, {@code k8s.}, ...).
 */
public final class Variables {
  // The release, set at start. The manifest is one JSON (Spin) variable; the rest are derived for
  // forms and gateways.
  public static final String RELEASE_ID = "releaseId";
  public static final String MANIFEST = "manifest";
  // The manifest's digest (shown on the sign-off form) and the pinned model versions the call
  // activities use.
  public static final String MANIFEST_SHA256 = "manifestSha256";
  public static final String SIGN_OFF_VERSION = "signOffVersion";
  public static final String DEPLOY_VERSION = "deployVersion";
  public static final String APPLICATION = "application";
  public static final String VERSION = "version";
  public static final String ENVIRONMENT = "environment";

  /**
   * The release policy's fact: whether the environment is configured as a production one, so a
   * second production environment (disaster recovery) gets production's rules without editing it.
   */
  public static final String PRODUCTION = "production";

  public static final String CHANGE_REFERENCE = "changeReference";
  public static final String SUMMARY = "summary";
  public static final String REQUESTER = "requester";

  /** What runs in the release's environment now, for the sign-off form (display only). */
  public static final String RUNNING_VERSION = "runningVersion";

  public static final String EVIDENCE_LIST = "evidenceList";
  public static final String PLANNED_STEPS = "plannedSteps";

  /** What the rollback would undo, in order (the sign-off form shows it). */
  public static final String ROLLBACK_PLAN = "rollbackPlan";

  /**
   * On the sign-off process: each required role's sign-off as it stands (role label, status), kept
   * current as its tasks are created and completed; the sign-off form lists the other roles'.
   */
  public static final String SIGN_OFF_STATUS = "signOffStatus";

  /** On a sign-off task: the label of the role it is for ("Tech lead"), for the form's heading. */
  public static final String ROLE_LABEL = "roleLabel";

  /** On a sign-off task: why a decision is a rejection (required to reject; form field). */
  public static final String REJECT_COMMENT = "rejectComment";

  /**
   * The evidence as the sign-off form shows it, as Markdown: full locations (links) and digests.
   */
  public static final String EVIDENCE_DETAILS = "evidenceDetails";

  /**
   * Why the pre-deployment checkpoint held the release (missing, failed, not promoted); or null.
   */
  public static final String EVIDENCE_HELD_FOR = "evidenceHeldFor";

  /** On an override decision: what approving it skips, one line each, as the request found it. */
  public static final String OVERRIDE_SKIPS = "overrideSkips";

  public static final String HAS_DATABASE = "hasDatabase";
  public static final String HAS_LAMBDA = "hasLambda";
  public static final String HAS_FRONTEND = "hasFrontend";
  public static final String HAS_KUBERNETES = "hasKubernetes";

  // Policy (release-policy.dmn) and the pre-deployment checkpoint.
  public static final String REQUIRED_ROLES = "requiredRoles";
  public static final String REQUIRED_EVIDENCE = "requiredEvidence";

  /** Per attached evidence type, how the policy has it read and checked (evidenceChecks). */
  public static final String EVIDENCE_CHECKS = "evidenceChecks";

  public static final String MISSING_EVIDENCE = "missingEvidence";
  public static final String EVIDENCE_COMPLETE = "evidenceComplete";
  public static final String ESCALATION_AFTER = "escalationAfter";
  public static final String EXPIRY_AFTER = "expiryAfter";

  // Change windows: what the check found (open, wait, override) and when the environment opens.
  public static final String CHANGE_WINDOW = "changeWindow";
  public static final String WINDOW_OPENS_AT = "windowOpensAt";

  // Sign-off.
  public static final String ROLE = "role";
  public static final String DECISION = "decision";
  public static final String COMMENT = "comment";
  public static final String SIGN_OFF_REJECTED = "signOffRejected";
  public static final String SIGN_OFF_OUTCOME = "signOffOutcome";

  // Emergency override.
  public static final String OVERRIDE_KIND = "overrideKind";
  public static final String OVERRIDE_REASON = "overrideReason";
  public static final String OVERRIDE_INCIDENT = "overrideIncident";
  public static final String OVERRIDE_REQUESTED_BY = "overrideRequestedBy";
  public static final String OVERRIDE_WINDOW = "overrideWindow";
  public static final String OVERRIDE_ACTIVE = "overrideActive";
  public static final String OVERRIDE_DECISION = "overrideDecision";
  public static final String VALIDATION_PLAN = "validationPlan";

  // Cancel and rollback requests.
  public static final String CANCEL_REASON = "cancelReason";
  public static final String CANCELLED_BY = "cancelledBy";
  public static final String ROLLBACK_REASON = "rollbackReason";
  public static final String ROLLBACK_REQUESTED_BY = "rollbackRequestedBy";
  public static final String DEPLOYMENT_STARTED = "deploymentStarted";
  public static final String ROLLBACK_WINDOW = "rollbackWindow";

  // Deployment: multi-instance collections and their element variables.
  public static final String LAMBDA_FUNCTIONS = "lambdaFunctions";
  public static final String LAMBDA_FUNCTION = "lambdaFunction";
  public static final String K8S_WORKLOADS = "k8sWorkloads";
  public static final String K8S_WORKLOAD = "k8sWorkload";
  public static final String STATUS_REASON = "statusReason";

  /** Whether the deployment checkpoint found every target ready (deploy.bpmn's first gateway). */
  public static final String ENVIRONMENT_VERIFIED = "environmentVerified";

  /**
   * The evidence types release-policy.dmn requires after deploying (post-deployment checkpoint).
   */
  public static final String POST_DEPLOYMENT_EVIDENCE = "postDeploymentEvidence";

  /**
   * The evidence items posted after deploying, as {type, location, sha256, postedBy} maps; the
   * latest item of a type counts.
   */
  public static final String POSTED_EVIDENCE = "postedEvidence";

  /**
   * The environment the policy says a release must have been released in before (promotion), or
   * null; and the soak time it must have been released for.
   */
  public static final String PROMOTE_FROM = "promoteFrom";

  /** The policy's fact: the environment this one is configured to promote from, or null. */
  public static final String PROMOTES_FROM = "promotesFrom";

  public static final String MINIMUM_SOAK = "minimumSoak";

  /**
   * The release this one was promoted from, once the pre-deployment checkpoint found it; for people
   * reading the instance. Steps read it from the checkpoint's signed entry.
   */
  public static final String PROMOTED_FROM = "promotedFrom";

  /** The promotion as the sign-off form shows it. */
  public static final String PROMOTION = "promotion";

  /** How long the post-deployment checkpoint waits for its evidence (ISO-8601 duration). */
  public static final String POST_DEPLOYMENT_EVIDENCE_WITHIN = "postDeploymentEvidenceWithin";

  public static final String APPROVAL_OUTCOME = "approvalOutcome";
  public static final String KUBERNETES_TIMEOUT = "kubernetesTimeout";
  public static final String RESTORATION_VERIFIED = "restorationVerified";
  public static final String OVERRIDE_REVIEW_DUE = "overrideReviewDue";
  public static final String OVERRIDE_DECIDED_BY = "overrideDecidedBy";
  public static final String ROLLBACK_ERROR = "rollbackError";
  public static final String FAILURE_REASON = "failureReason";
  public static final String FAILED_STEP = "failedStep";
  // How the last act, await or undo step went (done | running | paused | failed) and how long the
  // model's timer waits before calling it again: the one pair every gateway and loop timer of the
  // deploy model reads (StepOutcome).
  public static final String STEP_OUTCOME = "stepOutcome";
  public static final String STEP_WAIT = "stepWait";

  // Capability outputs: namespaced, except the few that gateways and timers read by name.
  public static final String DB_BACKUP = "db.backup";
  public static final String DB_APPLIED_VERSIONS = "db.appliedVersions";
  public static final String DB_VERSION_BEFORE = "db.versionBefore";
  public static final String DB_SCHEMA_BEFORE = "db.schemaBefore";
  public static final String DB_RESTORE_NEEDS_BACKUP = "restoreNeedsBackup";
  public static final String DB_RESTORE_CONFIRMED = "restoreConfirmed";
  public static final String DB_BACKUP_SUMMARY = "backupSummary";
  public static final String LAMBDA_PREVIOUS_VERSIONS = "lambda.previousVersions";
  public static final String FRONTEND_PREVIOUS_RELEASE = "frontend.previousRelease";
  public static final String K8S_PREVIOUS_IMAGES = "k8s.previousImages";
  public static final String K8S_PROGRESS = "k8s.progress";
  // Fixed by the first evaluation of the bake window: when it ends, and how long to wait between
  // evaluations.
  public static final String METRICS_WINDOW_ENDS = "metrics.windowEnds";
  public static final String METRICS_INTERVAL = "metricsInterval";

  /** When the bake window's unbroken watch began, the last evaluation, and how many it counts. */
  public static final String METRICS_OBSERVED_SINCE = "metrics.observedSince";

  public static final String METRICS_LAST_EVALUATION = "metrics.lastEvaluation";
  public static final String METRICS_EVALUATIONS = "metrics.evaluations";
  // The bake window's gate for Cockpit and REST: the last evaluation of each rule (JSON list), one
  // line of status, why it paused (stepOutcome 'paused': metrics inconclusive), the operations
  // lead's decision (continue | rollback) and the rules a lead accepted as unmeasurable for the
  // rest of the window (JSON list of rule names).
  public static final String METRICS_LAST_VERDICTS = "metrics.lastVerdicts";
  public static final String METRICS_STATUS = "metrics.status";
  public static final String METRICS_ACCEPTED = "metrics.acceptedInconclusive";
  public static final String METRICS_INCONCLUSIVE_REASON = "metricsInconclusiveReason";
  public static final String METRICS_DECISION = "metricsDecision";
  // What compensation has undone already, so a handler that runs twice changes nothing the second
  // time.
  public static final String LAMBDA_REVERTED = "lambda.reverted";
  public static final String FRONTEND_RESTORED = "frontend.restored";
  public static final String K8S_UNDONE = "k8s.undone";
  // Set by the first rollout status check: the instant the rollout must be complete by.
  public static final String K8S_ROLLOUT_DEADLINE = "k8s.rolloutDeadline";
  // Lambda and front end, step by step: per-function progress (JSON, by function name) and the
  // CloudFront invalidation to wait for.
  public static final String LAMBDA_DEPLOYMENTS = "lambda.deployments";
  // The functions whose configuration this release updated (names only, never values), for the
  // rollback to restore.
  public static final String LAMBDA_CONFIGURED = "lambda.configured";
  // The phase of the function the Lambda loop is at (updating, published, checked, shifting,
  // shifted, deployed): the loop's gateways send a published version to its before-traffic check
  // and a shifted one, after the final gate, to its after-traffic check.
  public static final String LAMBDA_PHASE = "lambdaPhase";
  public static final String FRONTEND_INVALIDATION = "frontend.invalidation";

  private Variables() {}
}
