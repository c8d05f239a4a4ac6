package io.countersign.engine;

import java.lang.reflect.Proxy;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.ibatis.executor.statement.StatementHandler;
import org.apache.ibatis.mapping.BoundSql;
import org.apache.ibatis.mapping.MappedStatement;
import org.apache.ibatis.plugin.Interceptor;
import org.apache.ibatis.plugin.Invocation;
import org.apache.ibatis.reflection.MetaObject;
import org.apache.ibatis.reflection.SystemMetaObject;

/**
 * On PostgreSQL, joins a task query's grants on equality (ADR 0013, option 2). The engine joins the
 * signed-in user's grants on {@code AUTH.RESOURCE_ID_ IN (RES.ID_, D.KEY_, '*')}, which PostgreSQL
 * runs as three index probes per task, the definition's and {@code '*'} grants read again for every
 * task (265 ms at 10,000 waiting). Here each task is paired with its three resource ids ({@code
 * LATERAL VALUES}) and the grants are joined on {@code AUTH.RESOURCE_ID_ =
 * CS_AUTH_KEY.RESOURCE_ID_}, which PostgreSQL can hash, or probe once per task id with the other
 * lookups remembered. The same grants and the engine's {@code DISTINCT} give the same rows, so
 * nobody sees more or less. Only the engine's two task statements are touched, and only when their
 * text is the one expected; anything else runs as the engine wrote it.
 */
final class TaskAuthorizationJoin implements Interceptor {
  private static final Set<String> STATEMENTS =
      Set.of(
          "org.camunda.bpm.engine.impl.persistence.entity.TaskEntity.selectTaskByQueryCriteria",
          "org.camunda.bpm.engine.impl.persistence.entity.TaskEntity.selectTaskCountByQueryCriteria");

  /** The grants as the engine selects them for one join (Authorization.xml, 7.24). */
  private static final Pattern GRANTS =
      Pattern.compile(
          "(?:inner|left)\\s+join\\s*\\(\\s*SELECT\\s+A\\.\\*\\s+FROM\\s+ACT_RU_AUTHORIZATION\\s+A\\s");

  /** The engine's join condition (Task.xml, 7.24, with PostgreSQL's IN list). */
  private static final Pattern ON =
      Pattern.compile(
          "AUTH\\s+ON\\s*\\(\\s*AUTH\\.RESOURCE_ID_\\s+IN\\s*\\(\\s*RES\\.ID_\\s*,\\s*D\\.KEY_\\s*,"
              + "\\s*'\\*'\\s*\\)\\s*\\)");

  /** The engine's DISTINCT, which folds the rows of a task matched by more than one grant. */
  private static final Pattern DISTINCT =
      Pattern.compile(
          "(?i)^\\s*(select\\s+distinct|SELECT COUNT\\(\\*\\) FROM \\(SELECT DISTINCT)\\s");

  private static final String KEYS =
      "CROSS JOIN LATERAL (VALUES (RES.ID_), (D.KEY_), ('*')) AS CS_AUTH_KEY (RESOURCE_ID_) ";

  /**
   * Rewrites a task statement's text as MyBatis builds its handler, before the statement is
   * prepared, and returns the handler itself: every other statement of the engine passes with a
   * type check and a text search, and none is wrapped in a proxy.
   */
  @Override
  public Object plugin(Object target) {
    if (target instanceof StatementHandler handler) {
      BoundSql bound = handler.getBoundSql();
      String sql = bound.getSql();
      if (sql.contains("ACT_RU_AUTHORIZATION") && isTaskStatement(target)) {
        String rewritten = rewrite(sql);
        if (!rewritten.equals(sql)) {
          SystemMetaObject.forObject(bound).setValue("sql", rewritten);
        }
      }
    }
    return target;
  }

  @Override
  public Object intercept(Invocation invocation) throws Throwable {
    return invocation.proceed();
  }

  private static boolean isTaskStatement(Object handler) {
    MetaObject meta = SystemMetaObject.forObject(unwrapped(handler));
    return meta.hasGetter("delegate")
        && STATEMENTS.contains(
            ((MappedStatement) meta.getValue("delegate.mappedStatement")).getId());
  }

  /** The statement handler itself, inside the proxies of any other MyBatis plugins. */
  private static Object unwrapped(Object target) {
    while (Proxy.isProxyClass(target.getClass())) {
      target = SystemMetaObject.forObject(Proxy.getInvocationHandler(target)).getValue("target");
    }
    return target;
  }

  /**
   * The statement with the grants joined on equality, or the statement unchanged unless it has the
   * engine's DISTINCT, exactly one grants join (inner, or left where case tasks are queried too)
   * and one join condition as the engine writes them; a second grants join (composite checks) or
   * any other condition leaves it as it is.
   */
  static String rewrite(String sql) {
    Matcher grants = GRANTS.matcher(sql);
    if (!DISTINCT.matcher(sql).find() || !grants.find()) {
      return sql;
    }
    int grantsAt = grants.start();
    if (grants.find()) {
      return sql;
    }
    Matcher on = ON.matcher(sql);
    if (!on.find() || on.start() < grantsAt) {
      return sql;
    }
    int onStart = on.start();
    int onEnd = on.end();
    if (on.find() || sql.contains("AUTH1")) {
      return sql;
    }
    return sql.substring(0, grantsAt)
        + KEYS
        + sql.substring(grantsAt, onStart)
        + "AUTH ON (AUTH.RESOURCE_ID_ = CS_AUTH_KEY.RESOURCE_ID_)"
        + sql.substring(onEnd);
  }
}
