package io.countersign.engine;

import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.camunda.bpm.engine.impl.cmd.ExecuteFilterCountCmd;
import org.camunda.bpm.engine.impl.cmd.ExecuteFilterListCmd;
import org.camunda.bpm.engine.impl.cmd.ExecuteFilterListPageCmd;
import org.camunda.bpm.engine.impl.cmd.ExecuteFilterSingleResultCmd;
import org.camunda.bpm.engine.impl.interceptor.Command;
import org.camunda.bpm.engine.impl.interceptor.CommandInterceptor;

/**
 * On PostgreSQL, has each task query (engine REST, Tasklist's filters) planned for its actual
 * values. Its authorization join is fast only when the planner sees the statistics on the grants'
 * permissions (migration 5.1), which a cached generic plan cannot use: after five runs of the
 * prepared statement PostgreSQL switched to one that took 7 s instead of 0.14 s with 10,000
 * sign-offs waiting. Only for these commands and the rest of the transaction they run in ({@code
 * SET LOCAL}): for every statement it cost about 70 ms of PostgreSQL's time per release (README
 * "Performance").
 */
final class TaskQueryPlans extends CommandInterceptor {
  // Read when a command runs: the database type and data source are settled only once the engine
  // is built.
  private final ProcessEngineConfigurationImpl configuration;

  TaskQueryPlans(ProcessEngineConfigurationImpl configuration) {
    this.configuration = configuration;
  }

  @Override
  public <T> T execute(Command<T> command) {
    if (isTaskQuery(command) && "postgres".equals(configuration.getDatabaseType())) {
      // The engine's data source hands out the transaction's connection; closing it here leaves the
      // transaction's connection open.
      try (Connection c = configuration.getDataSource().getConnection();
          Statement s = c.createStatement()) {
        s.execute("SET LOCAL plan_cache_mode = force_custom_plan");
      } catch (SQLException e) {
        throw new IllegalStateException("cannot set the task query's plan mode", e);
      }
    }
    return next.execute(command);
  }

  static boolean isTaskQuery(Command<?> command) {
    return command instanceof TaskQueryImpl
        || command instanceof ExecuteFilterListCmd
        || command instanceof ExecuteFilterListPageCmd
        || command instanceof ExecuteFilterCountCmd
        || command instanceof ExecuteFilterSingleResultCmd;
  }
}
