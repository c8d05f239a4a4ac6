package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.mockito.Mockito.mock;
import static org.mockito.Mockito.when;

import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DecisionDefinitionQuery;
import org.camunda.bpm.engine.repository.ProcessDefinitionQuery;
import org.junit.jupiter.api.Test;
import org.springframework.boot.actuate.health.Health;
import org.springframework.boot.actuate.health.Status;

/** The readiness component "models": out of service until every process and decision is there. */
class ModelsHealthIndicatorTest {
  private final Set<String> deployed = new HashSet<>();
  private final RepositoryService repository = mock(RepositoryService.class);
  private final ModelsHealthIndicator indicator = new ModelsHealthIndicator(repository);

  @Test
  void outOfServiceWhileAModelIsMissingAndUpOnceAllAreDeployed() {
    when(repository.createProcessDefinitionQuery())
        .thenAnswer(i -> query(ProcessDefinitionQuery.class, "processDefinitionKey"));
    when(repository.createDecisionDefinitionQuery())
        .thenAnswer(i -> query(DecisionDefinitionQuery.class, "decisionDefinitionKey"));
    deployed.addAll(List.of(ModelVersions.RELEASE, ModelVersions.SIGN_OFF));

    Health missing = indicator.health();
    assertThat(missing.getStatus()).isEqualTo(Status.OUT_OF_SERVICE);
    @SuppressWarnings("unchecked")
    List<String> notDeployed = (List<String>) missing.getDetails().get("notDeployed");
    assertThat(notDeployed).contains(ModelVersions.DEPLOY).containsAll(ModelVersions.DECISIONS);
    assertThat(notDeployed).doesNotContain(ModelVersions.RELEASE, ModelVersions.SIGN_OFF);

    deployed.add(ModelVersions.DEPLOY);
    deployed.addAll(ModelVersions.DECISIONS.subList(0, ModelVersions.DECISIONS.size() - 1));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.OUT_OF_SERVICE);

    deployed.addAll(ModelVersions.DECISIONS);
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void onceCheckedWhenReadyAProbeNeverQueriesTheDatabaseAgain() {
    when(repository.createProcessDefinitionQuery())
        .thenAnswer(i -> query(ProcessDefinitionQuery.class, "processDefinitionKey"));
    when(repository.createDecisionDefinitionQuery())
        .thenAnswer(i -> query(DecisionDefinitionQuery.class, "decisionDefinitionKey"));
    deployed.addAll(ModelVersions.PROCESSES);
    deployed.addAll(ModelVersions.DECISIONS);
    indicator.checkOnceReady();

    // The database goes away: the probe answers from what it found at start.
    when(repository.createProcessDefinitionQuery())
        .thenThrow(new IllegalStateException("connection refused"));
    assertThat(indicator.health().getStatus()).isEqualTo(Status.UP);
  }

  @Test
  void anUnreachableEngineDatabaseBeforeDeploymentIsNotReported() {
    when(repository.createProcessDefinitionQuery())
        .thenThrow(new IllegalStateException("connection refused"));
    // Spring's health endpoint turns an indicator's exception into DOWN: not ready either way.
    assertThatThrownBy(indicator::health).isInstanceOf(IllegalStateException.class);
  }

  /** A query that counts 1 for a deployed key and 0 for any other. */
  private <T> T query(Class<T> type, String byKey) {
    String[] key = new String[1];
    return mock(
        type,
        invocation -> {
          String method = invocation.getMethod().getName();
          if (method.equals(byKey)) {
            key[0] = invocation.getArgument(0);
            return invocation.getMock();
          }
          if (method.equals("count")) {
            return deployed.contains(key[0]) ? 1L : 0L;
          }
          return null;
        });
  }
}
