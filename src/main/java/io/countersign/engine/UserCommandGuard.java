package io.countersign.engine;

import io.countersign.identity.Groups;
import io.countersign.process.IntegrityViolation;
import java.lang.reflect.Field;
import java.util.List;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.authorization.Authorization;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.AbstractDeleteProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractPatchVariablesCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractRestartProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.AbstractVariableCmd;
import org.camunda.bpm.engine.impl.cmd.CompleteTaskCmd;
import org.camunda.bpm.engine.impl.cmd.CorrelateAllMessageCmd;
import org.camunda.bpm.engine.impl.cmd.CorrelateMessageCmd;
import org.camunda.bpm.engine.impl.cmd.CreateMembershipCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteAuthorizationCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteDeploymentCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteMembershipCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteProcessDefinitionsByIdsCmd;
import org.camunda.bpm.engine.impl.cmd.DeleteProcessDefinitionsByKeyCmd;
import org.camunda.bpm.engine.impl.cmd.DeployCmd;
import org.camunda.bpm.engine.impl.cmd.EvaluateStartConditionCmd;
import org.camunda.bpm.engine.impl.cmd.ExecuteJobsCmd;
import org.camunda.bpm.engine.impl.cmd.HandleExternalTaskCmd;
import org.camunda.bpm.engine.impl.cmd.MessageEventReceivedCmd;
import org.camunda.bpm.engine.impl.cmd.ModifyProcessInstanceAsyncCmd;
import org.camunda.bpm.engine.impl.cmd.ModifyProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.ProcessInstanceModificationBatchCmd;
import org.camunda.bpm.engine.impl.cmd.ProcessInstanceModificationCmd;
import org.camunda.bpm.engine.impl.cmd.RecalculateJobDuedateCmd;
import org.camunda.bpm.engine.impl.cmd.SaveAuthorizationCmd;
import org.camunda.bpm.engine.impl.cmd.SetJobDuedateCmd;
import org.camunda.bpm.engine.impl.cmd.SetProcessDefinitionVersionCmd;
import org.camunda.bpm.engine.impl.cmd.SignalCmd;
import org.camunda.bpm.engine.impl.cmd.SignalEventReceivedCmd;
import org.camunda.bpm.engine.impl.cmd.StartProcessInstanceAtActivitiesCmd;
import org.camunda.bpm.engine.impl.cmd.StartProcessInstanceCmd;
import org.camunda.bpm.engine.impl.cmd.SubmitStartFormCmd;
import org.camunda.bpm.engine.impl.cmd.SubmitTaskFormCmd;
import org.camunda.bpm.engine.impl.cmd.batch.CorrelateAllMessageBatchCmd;
import org.camunda.bpm.engine.impl.cmd.batch.DeleteProcessInstanceBatchCmd;
import org.camunda.bpm.engine.impl.cmd.batch.variables.SetVariablesToProcessInstancesBatchCmd;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.impl.identity.Authentication;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;
import org.camunda.bpm.engine.impl.jobexecutor.FailedJobListener;
import org.camunda.bpm.engine.impl.jobexecutor.JobFailureCollector;
import org.camunda.bpm.engine.impl.migration.MigrateProcessInstanceCmd;
import org.camunda.bpm.engine.impl.migration.batch.MigrateProcessInstanceBatchCmd;
import org.camunda.bpm.engine.impl.persistence.entity.AuthorizationEntity;
import org.camunda.bpm.engine.task.Task;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Nobody acts past Countersign's API and models. Every engine command a signed-in user issues
 * (engine REST, the webapps, anything that runs with an engine authentication) passes here before
 * it runs; commands the engine and Countersign issue for themselves carry no user and pass
 * untouched. Refused to every user, admins included: starting process instances, correlating
 * messages and signals, modifying, restarting or migrating instances, writing variables, deleting
 * instances, moving or running jobs early, external-task completions; deploying or deleting models
 * outside process-admins; changing who is a process admin or who may deploy. Completing a task may
 * write only the fields its form declares ({@link TaskForms}).
 *
 * <p>Refusals raised inside the engine by Countersign's listeners (four-eyes) arrive wrapped in the
 * engine's own exception, which the REST layer and the webapps would answer with 500 and a stack
 * trace; for a user's command they are unwrapped here, so both answer 403 (or 400) with the
 * sentence, logged once without a trace.
 */
class UserCommandGuard extends CommandInterceptor {
  private static final Logger LOG = LoggerFactory.getLogger(UserCommandGuard.class);
  private static final ThreadLocal<Boolean> RUNNING = new ThreadLocal<>();
  private static final String API =
      "Releases are started, cancelled, overridden and rolled back only through "
          + "Countersign's API (/api/releases)";

  private static final List<Class<?>> STARTS =
      List.of(
          StartProcessInstanceCmd.class,
          StartProcessInstanceAtActivitiesCmd.class,
          SubmitStartFormCmd.class,
          AbstractRestartProcessInstanceCmd.class,
          EvaluateStartConditionCmd.class);
  private static final List<Class<?>> MESSAGES =
      List.of(
          CorrelateMessageCmd.class,
          CorrelateAllMessageCmd.class,
          CorrelateAllMessageBatchCmd.class,
          MessageEventReceivedCmd.class,
          SignalEventReceivedCmd.class,
          SignalCmd.class);
  private static final List<Class<?>> CHANGES =
      List.of(
          ModifyProcessInstanceCmd.class,
          ModifyProcessInstanceAsyncCmd.class,
          ProcessInstanceModificationCmd.class,
          ProcessInstanceModificationBatchCmd.class,
          MigrateProcessInstanceCmd.class,
          MigrateProcessInstanceBatchCmd.class,
          SetProcessDefinitionVersionCmd.class,
          AbstractDeleteProcessInstanceCmd.class,
          DeleteProcessInstanceBatchCmd.class);
  private static final List<Class<?>> VARIABLES =
      List.of(
          AbstractVariableCmd.class,
          AbstractPatchVariablesCmd.class,
          SetVariablesToProcessInstancesBatchCmd.class,
          HandleExternalTaskCmd.class);
  private static final List<Class<?>> JOB_TIMING =
      List.of(ExecuteJobsCmd.class, SetJobDuedateCmd.class, RecalculateJobDuedateCmd.class);
  private static final List<Class<?>> MODEL_REMOVAL =
      List.of(
          DeleteDeploymentCmd.class,
          DeleteProcessDefinitionsByIdsCmd.class,
          DeleteProcessDefinitionsByKeyCmd.class);

  // The engine's services exist only once the configuration this interceptor belongs to is built.
  private final ProcessEngineConfigurationImpl engine;

  UserCommandGuard(ProcessEngineConfigurationImpl engine) {
    this.engine = engine;
  }

  @Override
  public <T> T execute(Command<T> command) {
    if (RUNNING.get() != null) {
      return next.execute(command); // nested: the outer command is the one the user asked for
    }
    RUNNING.set(Boolean.TRUE);
    try {
      Authentication user = engine.getIdentityService().getCurrentAuthentication();
      if (user == null || user.getUserId() == null) {
        return next.execute(command);
      }
      if (command instanceof FailedJobListener failed && refusedBeforeItRan(failed)) {
        // The engine books every failed job run against the job's retries, even a run this guard
        // refused before it began: a user's refused "execute job" would then use up the retries
        // of someone else's step and raise an incident. Nothing ran, so nothing is booked.
        return null;
      }
      try {
        check(command, user);
        return next.execute(command);
      } catch (ProcessEngineException e) {
        ProcessEngineException refusal = refusal(e);
        if (refusal == null) {
          throw e;
        }
        if (refusal.getClass().getName().startsWith("io.countersign.")) {
          LOG.warn(
              "Refused {} for {}: {}",
              command.getClass().getSimpleName(),
              user.getUserId(),
              refusal.getMessage());
        }
        throw refusal;
      }
    } finally {
      RUNNING.remove();
    }
  }

  private void check(Command<?> command, Authentication user) {
    if (isA(command, STARTS)) {
      throw new Refused(
          API + "; process instances cannot be started over engine REST or the webapps");
    }
    if (isA(command, MESSAGES)) {
      throw new Refused(
          API
              + "; messages and signals cannot be sent to its processes over engine REST or the webapps");
    }
    if (isA(command, CHANGES)) {
      throw new Refused(
          "Countersign's process instances cannot be modified, migrated, restarted or deleted by hand; "
              + "cancel or roll back a release through Countersign's API");
    }
    if (isA(command, VARIABLES)) {
      throw new Refused(
          "Process variables of Countersign's processes cannot be written over engine REST or the "
              + "webapps; a task's form fields are submitted with the task");
    }
    if (isA(command, JOB_TIMING)) {
      throw new Refused(
          "Jobs run when the model says; they cannot be run early or rescheduled by hand "
              + "(failed jobs can be retried by setting their retries)");
    }
    boolean processAdmin =
        user.getGroupIds() != null && user.getGroupIds().contains(Groups.PROCESS_ADMINS);
    if ((command instanceof DeployCmd || isA(command, MODEL_REMOVAL)) && !processAdmin) {
      throw new Refused("Only members of " + Groups.PROCESS_ADMINS + " deploy or remove models");
    }
    if (isA(command, MODEL_REMOVAL)) {
      throw new Refused(
          "Deployed model versions stay: releases are pinned to them and their evidence names them");
    }
    if ((command instanceof CreateMembershipCmd || command instanceof DeleteMembershipCmd)
        && Groups.PROCESS_ADMINS.equals(field(command, "groupId"))) {
      throw new Refused(
          "Membership of "
              + Groups.PROCESS_ADMINS
              + " comes from configuration "
              + "(countersign.process-admins), not from the webapps or engine REST");
    }
    if (command instanceof SaveAuthorizationCmd || command instanceof DeleteAuthorizationCmd) {
      checkAuthorizationChange(command);
    }
    if (command instanceof CompleteTaskCmd) {
      checkFormFields(field(command, "taskId"), field(command, "variables"));
    } else if (command instanceof SubmitTaskFormCmd) {
      checkFormFields(field(command, "taskId"), field(command, "properties"));
    }
  }

  private void checkAuthorizationChange(Command<?> command) {
    Authorization authorization =
        command instanceof SaveAuthorizationCmd
            ? (AuthorizationEntity) field(command, "authorization")
            : null;
    if (command instanceof DeleteAuthorizationCmd) {
      String id = field(command, "authorizationId");
      authorization =
          engine
              .getAuthorizationService()
              .createAuthorizationQuery()
              .authorizationId(id)
              .singleResult();
    }
    if (authorization != null
        && authorization.getResourceType() == Resources.DEPLOYMENT.resourceType()) {
      throw new Refused(
          "Who may deploy models is configuration (group " + Groups.PROCESS_ADMINS + ")");
    }
  }

  private void checkFormFields(String taskId, Map<String, Object> variables) {
    if (variables == null || variables.isEmpty()) {
      return;
    }
    Task task = engine.getTaskService().createTaskQuery().taskId(taskId).singleResult();
    if (task != null) { // an unknown task: the command itself reports it
      new TaskForms(engine.getFormService(), engine.getTaskService())
          .check(taskId, task.getName(), variables);
    }
  }

  /** The refusal a user should see: the engine wraps what Countersign's listeners throw. */
  private static ProcessEngineException refusal(ProcessEngineException e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthorizationException
          || t instanceof BadUserRequestException
          || t instanceof FormFieldValidationException
          || t instanceof IntegrityViolation) {
        return (ProcessEngineException) t;
      }
    }
    return null;
  }

  private static boolean refusedBeforeItRan(FailedJobListener listener) {
    JobFailureCollector collector = field(listener, "jobFailureCollector");
    for (Throwable t = collector.getFailure(); t != null; t = t.getCause()) {
      if (t instanceof Refused) {
        return true;
      }
    }
    return false;
  }

  private static boolean isA(Command<?> command, List<Class<?>> types) {
    return types.stream().anyMatch(type -> type.isInstance(command));
  }

  @SuppressWarnings("unchecked")
  private static <V> V field(Object target, String name) {
    for (Class<?> type = target.getClass(); type != null; type = type.getSuperclass()) {
      try {
        Field field = type.getDeclaredField(name);
        field.setAccessible(true);
        return (V) field.get(target);
      } catch (NoSuchFieldException e) {
        // declared higher up
      } catch (IllegalAccessException e) {
        throw new IllegalStateException(
            "cannot read " + name + " of " + target.getClass().getName(), e);
      }
    }
    throw new IllegalStateException(target.getClass().getName() + " has no field " + name);
  }

  /** A command refused before it ran: 403 over engine REST and in the webapps. */
  static final class Refused extends AuthorizationException {
    Refused(String message) {
      super(message);
    }
  }
}
