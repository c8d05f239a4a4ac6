package io.countersign.models;

import io.countersign.evidence.EvidenceLog;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.impl.cfg.AbstractProcessEnginePlugin;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.stereotype.Component;

/**
 * Models are code: installs the rules every BPMN model must pass ({@link ModelRules}), the
 * four-eyes listener on every user task ({@link FourEyesOnUserTasks}) and the recorder that checks
 * and writes every new deployment into the evidence ({@link DeploymentRecorder}). Who may deploy at
 * all is an authorization of the process-admins group (see the engine's access set-up).
 */
@Component
class ModelGovernance extends AbstractProcessEnginePlugin {
  private final ListableBeanFactory beans;
  private final EvidenceLog evidence;

  ModelGovernance(ListableBeanFactory beans, EvidenceLog evidence) {
    this.beans = beans;
    this.evidence = evidence;
  }

  @Override
  public void preInit(ProcessEngineConfigurationImpl configuration) {
    Set<String> stepBeans = stepBeans();
    if (!stepBeans.contains(FourEyesOnUserTasks.BEAN)) {
      // Every user task gets it; without it no task could be created, so refuse to start instead.
      throw new IllegalStateException(
          "no task listener bean '" + FourEyesOnUserTasks.BEAN + "' of Countersign's");
    }
    Set<String> allBeans = new HashSet<>(Arrays.asList(beans.getBeanDefinitionNames()));
    if (configuration.getCustomPreBPMNParseListeners() == null) {
      configuration.setCustomPreBPMNParseListeners(new ArrayList<>());
    }
    configuration
        .getCustomPreBPMNParseListeners()
        .add(new ModelRules(stepBeans::contains, allBeans::contains));
    configuration
        .getCustomPreBPMNParseListeners()
        .add(new FourEyesOnUserTasks(configuration::getExpressionManager));
    if (configuration.getCustomPreDeployers() == null) {
      configuration.setCustomPreDeployers(new ArrayList<>());
    }
    configuration.getCustomPreDeployers().add(new DeploymentRecorder(evidence));
  }

  /**
   * Countersign's own delegates and listeners: the beans a model's delegate expressions may name.
   * The Modeler element templates are checked against the same set.
   */
  Set<String> stepBeans() {
    Set<String> names = new HashSet<>();
    for (Class<?> type : List.of(JavaDelegate.class, ExecutionListener.class, TaskListener.class)) {
      for (String name : beans.getBeanNamesForType(type, false, false)) {
        Class<?> beanType = beans.getType(name, false);
        if (beanType != null && beanType.getName().startsWith("io.countersign.")) {
          names.add(name);
        }
      }
    }
    return names;
  }
}
