package io.countersign.models;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.camunda.bpm.engine.BpmnParseException;
import org.camunda.bpm.engine.impl.bpmn.parser.AbstractBpmnParseListener;
import org.camunda.bpm.engine.impl.persistence.entity.ProcessDefinitionEntity;
import org.camunda.bpm.engine.impl.util.xml.Element;

/**
 * Refuses, when a BPMN model is parsed for deployment, anything that would let a model run code of
 * its own: script tasks and scripts, Java classes, connectors, external tasks, embedded HTML forms
 * and generated form fields, delegate expressions other than Countersign's registered beans,
 * expressions outside {@link SafeExpressions}, and a variable that would take the place of the
 * four-eyes listener ({@link FourEyesOnUserTasks}) when its expression is resolved. Every problem
 * is listed at once; the deployment fails as a parse error.
 */
class ModelRules extends AbstractBpmnParseListener {
  static final String CAMUNDA = "http://camunda.org/schema/1.0/bpmn";
  private static final String ACTIVITI = "http://activiti.org/bpmn";
  private static final Pattern BEAN_REFERENCE =
      Pattern.compile("^\\$\\{\\s*([A-Za-z_][A-Za-z0-9_]*)\\s*}$");
  private static final Set<String> REFUSED_ELEMENTS =
      Set.of("scriptTask", "script", "connector", "formData", "formField");
  private static final Set<String> CLASS_ATTRIBUTES =
      Set.of("class", "variableMappingClass", "formHandlerClass", "resource", "scriptFormat");
  private static final Set<String> BEAN_ATTRIBUTES =
      Set.of("delegateExpression", "variableMappingDelegateExpression");

  /** Attributes that name a variable the engine (or setVariables) writes. */
  private static final Set<String> VARIABLE_ATTRIBUTES =
      Set.of(
          "target",
          "elementVariable",
          "resultVariable",
          "errorCodeVariable",
          "errorMessageVariable",
          "escalationCodeVariable");

  private static final Set<String> NAMED_VARIABLE_ELEMENTS =
      Set.of("inputParameter", "outputParameter", "property");

  private final Predicate<String> isStepBean;
  private final Predicate<String> isAnyBean;

  /**
   * @param isStepBean Countersign's delegates and listeners, the only beans a delegate expression
   *     may name
   * @param isAnyBean every bean of the application, which expressions must not reach
   */
  ModelRules(Predicate<String> isStepBean, Predicate<String> isAnyBean) {
    this.isStepBean = isStepBean;
    this.isAnyBean = isAnyBean;
  }

  @Override
  public void parseRootElement(Element root, List<ProcessDefinitionEntity> processDefinitions) {
    List<String> problems = new ArrayList<>();
    List<Element> offending = new ArrayList<>();
    check(root, problems, offending);
    if (!problems.isEmpty()) {
      throw new BpmnParseException(
          "Model refused: " + String.join("; ", problems), offending.get(0));
    }
  }

  /** The problems of one model, for tests and for tools that check before deploying. */
  List<String> problems(Element root) {
    List<String> problems = new ArrayList<>();
    check(root, problems, new ArrayList<>());
    return problems;
  }

  private void check(Element element, List<String> problems, List<Element> offending) {
    String where = describe(element);
    int before = problems.size();
    String tag = element.getTagName();
    if (REFUSED_ELEMENTS.contains(tag)) {
      problems.add(
          where
              + ": "
              + tag
              + " elements are not allowed (no scripts, connectors or generated forms)");
    }
    for (String key : element.attributes()) {
      String name = key.substring(key.lastIndexOf(':') + 1);
      String value = element.attribute(key);
      boolean extension = isCamunda(key) || isCamunda(element.getUri());
      if (extension && CLASS_ATTRIBUTES.contains(name)) {
        problems.add(
            where
                + ": "
                + name
                + " is not allowed (models name Countersign's beans, not classes or scripts)");
      } else if (extension && name.equals("type") && "external".equals(value)) {
        problems.add(where + ": external tasks are not allowed");
      } else if (extension && name.equals("formKey")) {
        problems.add(
            where
                + ": formKey (embedded or external forms) is not allowed; use a Camunda Form (formRef)");
      } else if (extension && name.equals("caseRef")) {
        problems.add(where + ": calling case models is not allowed");
      } else if (name.equals("language") && !isCamunda(element.getUri())) {
        problems.add(where + ": script expressions (language=\"" + value + "\") are not allowed");
      } else if (FourEyesOnUserTasks.BEAN.equals(value)
          && (VARIABLE_ATTRIBUTES.contains(name)
              || name.equals("name")
                  && isCamunda(element.getUri())
                  && NAMED_VARIABLE_ELEMENTS.contains(tag))) {
        // The four-eyes listener every user task gets is ${fourEyes}, and a variable comes before a
        // bean there.
        problems.add(
            where + ": a variable named '" + value + "' would stand in for the four-eyes listener");
      } else if (BEAN_ATTRIBUTES.contains(name)) {
        checkBeanReference(where, name, value, problems);
      } else if (name.equals("calledElement")
          && value != null
          && (value.contains("${") || value.contains("#{"))) {
        problems.add(where + ": calledElement must name a process, not compute one");
      } else if (value != null) {
        SafeExpressions.problem(value, isAnyBean)
            .ifPresent(p -> problems.add(where + ": " + name + " " + p));
      }
    }
    String text = element.getText();
    if (text != null && !text.isBlank()) {
      SafeExpressions.problem(text, isAnyBean)
          .ifPresent(p -> problems.add(where + ": expression " + p));
    }
    if (problems.size() > before) {
      offending.add(element);
    }
    for (Element child : element.elements()) {
      check(child, problems, offending);
    }
  }

  private void checkBeanReference(
      String where, String attribute, String value, List<String> problems) {
    Matcher bean = BEAN_REFERENCE.matcher(value == null ? "" : value.trim());
    if (!bean.matches()) {
      problems.add(
          where
              + ": "
              + attribute
              + " must be ${beanName} naming one of Countersign's delegates or listeners");
    } else if (!isStepBean.test(bean.group(1))) {
      problems.add(
          where
              + ": "
              + attribute
              + " names '"
              + bean.group(1)
              + "', which is not one of Countersign's delegates or listeners");
    }
  }

  private static boolean isCamunda(String keyOrUri) {
    return keyOrUri != null && (keyOrUri.startsWith(CAMUNDA) || keyOrUri.startsWith(ACTIVITI));
  }

  private static String describe(Element element) {
    String id = element.attribute("id");
    return element.getTagName()
        + (id != null ? " '" + id + "'" : "")
        + " (line "
        + element.getLine()
        + ")";
  }
}
