package io.countersign;

import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.impl.bpmn.delegate.JavaDelegateInvocation;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cfg.TransactionState;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.delegate.DefaultDelegateInterceptor;
import org.camunda.bpm.engine.impl.interceptor.DelegateInterceptor;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Kills a job between the call and the commit, as a node dying there would: once armed for a step,
 * the next time that step's delegate returns, the job's transaction fails as it commits, so the
 * engine keeps nothing of the run (variables, evidence, the step's completion) while whatever the
 * delegate did outside stays done. The job then runs again, as it would after the lock expired. No
 * hook in the product: an engine plugin of the tests wraps the engine's delegate interceptor.
 */
public final class CrashAfterStep {
  private static final AtomicReference<String> ARMED = new AtomicReference<>();

  private CrashAfterStep() {}

  /** The next run of {@code activityId} dies after its delegate returned. */
  public static void arm(String activityId) {
    ARMED.set(activityId);
  }

  /** Whether the armed crash has happened (or none was armed). */
  public static boolean fired() {
    return ARMED.get() == null;
  }

  public static void disarm() {
    ARMED.set(null);
  }

  /** The release's attempts as "key outcome runs", in the order they were begun. */
  public static List<String> attempts(JdbcTemplate jdbc, String releaseId) {
    return jdbc.query(
        "SELECT idempotency_key, outcome, runs FROM cs_attempt WHERE release_id = ? ORDER BY id",
        (rs, n) -> rs.getString(1) + " " + rs.getString(2) + " " + rs.getInt(3),
        releaseId);
  }

  /**
   * Turns the attempts of a step into ones begun and never finished: the node died after the call
   * and before it could record the outcome.
   */
  public static void forgetOutcomes(JdbcTemplate jdbc, String releaseId, String step) {
    jdbc.update(
        "UPDATE cs_attempt SET finished_at = NULL, outcome = NULL, result = NULL"
            + " WHERE release_id = ? AND step = ?",
        releaseId,
        step);
  }

  /** The exception the lost commit fails with. */
  public static final class Crash extends RuntimeException {
    Crash(String activityId) {
      super("simulated crash after " + activityId + " and before its commit");
    }
  }

  @TestConfiguration
  public static class Plugin {
    @Bean
    AbstractProcessEnginePlugin crashAfterStep() {
      return new AbstractProcessEnginePlugin() {
        @Override
        public void preInit(ProcessEngineConfigurationImpl configuration) {
          DelegateInterceptor inner =
              configuration.getDelegateInterceptor() != null
                  ? configuration.getDelegateInterceptor()
                  : new DefaultDelegateInterceptor();
          configuration.setDelegateInterceptor(
              invocation -> {
                inner.handleInvocation(invocation);
                if (invocation instanceof JavaDelegateInvocation
                    && invocation.getContextExecution() instanceof DelegateExecution execution) {
                  String activity = execution.getCurrentActivityId();
                  String armed = ARMED.get();
                  // compareAndSet compares references: the armed string itself, once.
                  if (armed != null && armed.equals(activity) && ARMED.compareAndSet(armed, null)) {
                    Context.getCommandContext()
                        .getTransactionContext()
                        .addTransactionListener(
                            TransactionState.COMMITTING,
                            context -> {
                              throw new Crash(activity);
                            });
                  }
                }
              });
        }
      };
    }
  }
}
