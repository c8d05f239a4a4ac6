package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class SafeExpressionsTest {
  private static final Set<String> BEANS = Set.of("releaseStatus", "fourEyes", "dataSource");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "PT30S",
        "tech-leads",
        "${role}",
        "#{releaseId}",
        "${empty requiredRoles}",
        "${approvalOutcome == 'approved'}",
        "${lambdaState eq 'deployed' and not lambdaFailed}",
        "${a != null && (b > 1.5e3 || c <= -2)}",
        "${x ? 'yes' : 'no'}",
        "${count + 1 div 2 mod 3}",
        "${failureReason == 'a } in a string'}",
        "prefix ${a} middle #{b} suffix",
        "${metricsDecision == \"continue\"}"
      })
  void acceptsVariablesLiteralsAndOperators(String text) {
    assertThat(SafeExpressions.problem(text, BEANS::contains)).isEmpty();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "${execution.setVariable('a', 1)}",
        "${execution}",
        "${task}",
        "${authenticatedUserId}",
        "${''.getClass().forName('java.lang.Runtime')}",
        "${x.class}",
        "${roles[0]}",
        "${requiredRoles.isEmpty()}",
        "${now()}",
        "${dateTime().plusDays(1)}",
        "${fn:length(x)}",
        "${releaseStatus}",
        "${dataSource == null}",
        "${x -> x}",
        "${a = 1}",
        "${a; b}",
        "${{1, 2}}",
        "${a",
        "${'unterminated}",
        "${x instanceof y}",
        "ok ${a} then ${b.c}",
        "${ T (java.lang.Runtime) }",
        "${1.toString()}"
      })
  void refusesCallsPropertiesBeansAndContextObjects(String text) {
    assertThat(SafeExpressions.problem(text, BEANS::contains)).isPresent();
  }
}
