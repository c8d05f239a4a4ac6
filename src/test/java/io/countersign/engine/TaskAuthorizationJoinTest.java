package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/**
 * The rewrite applies only to the statement as the engine writes it; anything else runs unchanged.
 * The engine's real text is pinned on PostgreSQL by {@code PostgresTaskVisibilityTest}.
 */
class TaskAuthorizationJoinTest {
  /** The engine's task count statement (7.24, PostgreSQL), with its line breaks folded. */
  private static final String COUNT =
      "SELECT COUNT(*) FROM (SELECT DISTINCT RES.ID_ from ACT_RU_TASK RES"
          + " left join ACT_RE_PROCDEF D on RES.PROC_DEF_ID_ = D.ID_\n    left join\n    (\n"
          + "    SELECT A.*\n    FROM ACT_RU_AUTHORIZATION A\n    WHERE A.TYPE_ < 2 AND ("
          + " A.USER_ID_ in ( ?, '*') OR A.GROUP_ID_ IN ( ? ) ) AND ( ( A.RESOURCE_TYPE_ = ? AND"
          + " A.PERMS_ & ? = ? ) ) )\n AUTH ON (AUTH.RESOURCE_ID_ IN ( RES.ID_ , D.KEY_ , '*' ))"
          + " WHERE ( (RES.CASE_EXECUTION_ID_ IS NOT NULL) OR (AUTH.RESOURCE_ID_ IS NOT NULL) ) )"
          + " countDistinct";

  @Test
  void theGrantsAreJoinedOnEachOfTheTasksThreeResourceIds() {
    String rewritten = TaskAuthorizationJoin.rewrite(COUNT);
    assertThat(rewritten)
        .contains(
            "D.ID_\n    CROSS JOIN LATERAL (VALUES (RES.ID_), (D.KEY_), ('*')) AS CS_AUTH_KEY"
                + " (RESOURCE_ID_) left join\n    (\n")
        .contains("AUTH ON (AUTH.RESOURCE_ID_ = CS_AUTH_KEY.RESOURCE_ID_) WHERE")
        .doesNotContain("IN ( RES.ID_");
    // The parameters keep their order: nothing with a placeholder moved.
    assertThat(rewritten.replaceAll("[^?]", "")).isEqualTo(COUNT.replaceAll("[^?]", ""));
    assertThat(rewritten.substring(rewritten.indexOf('?')))
        .isEqualTo(
            COUNT
                .substring(COUNT.indexOf('?'))
                .replace(
                    "AUTH ON (AUTH.RESOURCE_ID_ IN ( RES.ID_ , D.KEY_ , '*' ))",
                    "AUTH ON (AUTH.RESOURCE_ID_ = CS_AUTH_KEY.RESOURCE_ID_)"));
  }

  @Test
  void anyOtherStatementRunsAsTheEngineWroteIt() {
    // Without DISTINCT a task matched by two grants would show twice.
    assertThat(TaskAuthorizationJoin.rewrite(COUNT.replace("SELECT DISTINCT", "SELECT")))
        .isEqualTo(COUNT.replace("SELECT DISTINCT", "SELECT"));
    // Another join condition, e.g. a later engine joining on other resource ids.
    String other = COUNT.replace("D.KEY_ , '*'", "'*'");
    assertThat(TaskAuthorizationJoin.rewrite(other)).isEqualTo(other);
    // Composite checks join the grants a second time.
    String twice =
        COUNT.replace(
            " WHERE ( (RES",
            " left join ( SELECT A.* FROM ACT_RU_AUTHORIZATION A ) AUTH1 ON (1 = 1) WHERE ( (RES");
    assertThat(TaskAuthorizationJoin.rewrite(twice)).isEqualTo(twice);
    String noGrants =
        "SELECT COUNT(*) FROM (SELECT DISTINCT RES.ID_ from ACT_RU_TASK RES ) countDistinct";
    assertThat(TaskAuthorizationJoin.rewrite(noGrants)).isEqualTo(noGrants);
  }
}
