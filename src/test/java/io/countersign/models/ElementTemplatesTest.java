package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.ProcessTestSupport;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.xml.parsers.DocumentBuilderFactory;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

/**
 * The Modeler element templates under {@code .camunda/element-templates} against the models and the
 * application: every template is well formed for Camunda 7, every bean a model names has one, every
 * template names a bean the models may use, and every service and user task of the models carries
 * the template that describes it and matches it.
 */
class ElementTemplatesTest extends ProcessTestSupport {
  static final Path TEMPLATES = Path.of(".camunda", "element-templates");
  static final String SCHEMA =
      "https://unpkg.com/@camunda/element-templates-json-schema/resources/schema.json";
  private static final String BPMN = "http://www.omg.org/spec/BPMN/20100524/MODEL";
  private static final String CAMUNDA = "http://camunda.org/schema/1.0/bpmn";
  private static final Pattern BEAN = Pattern.compile("^\\$\\{([A-Za-z_][A-Za-z0-9_]*)}$");
  private static final Pattern EXPRESSION = Pattern.compile("[$#]\\{([^}]*)}");
  private static final Pattern IDENTIFIER = Pattern.compile("[A-Za-z_]\\w*(?:\\.[A-Za-z_]\\w*)?");
  private static final Set<String> EL_WORDS =
      Set.of(
          "and",
          "or",
          "not",
          "empty",
          "eq",
          "ne",
          "lt",
          "gt",
          "le",
          "ge",
          "true",
          "false",
          "null",
          "div",
          "mod",
          "instanceof");

  /** The Camunda 7 binding types, and the property types the schema allows for each. */
  private static final Map<String, Set<String>> FIELD_TYPES =
      Map.of(
          "property", Set.of("String", "Text", "Hidden", "Dropdown", "Boolean"),
          "camunda:property", Set.of("String", "Hidden", "Dropdown"),
          "camunda:inputParameter", Set.of("String", "Text", "Hidden", "Dropdown"),
          "camunda:outputParameter", Set.of("String", "Hidden", "Dropdown"),
          "camunda:in", Set.of("String", "Hidden", "Dropdown"),
          "camunda:in:businessKey", Set.of("String", "Hidden", "Dropdown"),
          "camunda:out", Set.of("String", "Hidden", "Dropdown"),
          "camunda:executionListener", Set.of("Hidden"),
          "camunda:field", Set.of("String", "Text", "Hidden", "Dropdown"),
          "camunda:errorEventDefinition", Set.of("String", "Hidden", "Dropdown"));

  private static final ObjectMapper JSON = new ObjectMapper();
  private static Map<String, JsonNode> templates;
  private static Map<String, String> fileOf;
  private static List<Model> models;

  @Autowired ApplicationContext context;
  @Autowired ModelGovernance governance;

  record Model(String file, Document document) {}

  @BeforeAll
  static void load() throws Exception {
    templates = new LinkedHashMap<>();
    fileOf = new HashMap<>();
    try (Stream<Path> files = Files.list(TEMPLATES)) {
      for (Path file : files.sorted().toList()) {
        assertThat(file.toString()).as("only template files in %s", TEMPLATES).endsWith(".json");
        JsonNode array = JSON.readTree(file.toFile());
        assertThat(array.isArray()).as("%s is an array of templates", file).isTrue();
        for (JsonNode template : array) {
          String id = template.path("id").asText();
          assertThat(templates.put(id, template)).as("template id %s is unique", id).isNull();
          fileOf.put(id, file.getFileName().toString());
        }
      }
    }
    models = new ArrayList<>();
    DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
    factory.setNamespaceAware(true);
    factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
    try (Stream<Path> files = Files.list(Path.of("bpmn"))) {
      for (Path file : files.filter(p -> p.toString().endsWith(".bpmn")).sorted().toList()) {
        models.add(
            new Model(
                file.getFileName().toString(), factory.newDocumentBuilder().parse(file.toFile())));
      }
    }
    assertThat(models).isNotEmpty();
  }

  @Test
  void everyTemplateIsACamunda7TemplateWithTheRequiredFields() {
    assertThat(templates).hasSizeGreaterThan(40);
    templates.forEach(
        (id, t) -> {
          String where = fileOf.get(id) + " " + id;
          assertThat(t.path("$schema").asText()).as(where).isEqualTo(SCHEMA);
          assertThat(id).as(where).matches("io\\.countersign\\.[A-Za-z0-9.-]+");
          assertThat(t.path("name").asText()).as(where + " name").isNotBlank();
          assertThat(t.path("description").asText()).as(where + " description").isNotBlank();
          assertThat(t.path("version").isInt() && t.path("version").asInt() >= 1)
              .as(where + " version")
              .isTrue();
          assertThat(t.path("appliesTo").isArray() && !t.path("appliesTo").isEmpty())
              .as(where + " appliesTo")
              .isTrue();
          t.path("appliesTo")
              .forEach(type -> assertThat(type.asText()).as(where).matches("bpmn:[A-Z]\\w+"));
          if (t.has("elementType")) {
            assertThat(texts(t.path("appliesTo")))
                .as(where + " elementType")
                .contains(t.path("elementType").path("value").asText());
          }
          JsonNode meta = t.path("metadata");
          for (String list : List.of("reads", "writes", "bpmnErrors")) {
            assertThat(meta.path(list).isArray()).as(where + " metadata." + list).isTrue();
          }
          assertThat(t.path("properties").isArray() && !t.path("properties").isEmpty())
              .as(where + " properties")
              .isTrue();
          t.path("properties").forEach(p -> checkProperty(where, p));
        });
  }

  private static void checkProperty(String where, JsonNode property) {
    JsonNode binding = property.path("binding");
    String type = binding.path("type").asText();
    String label = where + " property " + property.path("label").asText();
    assertThat(FIELD_TYPES).as(label + " binding type").containsKey(type);
    String fieldType = property.path("type").asText("String");
    assertThat(FIELD_TYPES.get(type)).as(label + " type").contains(fieldType);
    switch (type) {
      case "property", "camunda:property", "camunda:inputParameter", "camunda:field" ->
          assertThat(binding.path("name").asText()).as(label + " binding name").isNotBlank();
      case "camunda:outputParameter" ->
          assertThat(binding.path("source").asText()).as(label + " source").isNotBlank();
      case "camunda:executionListener" -> {
        assertThat(binding.path("event").asText()).as(label + " event").isNotBlank();
        // The parse listener allows nothing else: no classes, scripts or expressions.
        assertThat(binding.path("implementationType").asText())
            .as(label)
            .isEqualTo("delegateExpression");
      }
      default -> {}
    }
    if (fieldType.equals("Dropdown")) {
      assertThat(texts(property.path("choices").findValues("value")))
          .as(label + " default among the choices")
          .contains(property.path("value").asText());
    }
    if (type.equals("property")
            && binding.path("name").asText().equals("camunda:delegateExpression")
        || type.equals("camunda:executionListener")) {
      assertThat(property.path("value").asText()).as(label).matches(BEAN);
      assertThat(property.path("editable").asBoolean(true) && !fieldType.equals("Hidden"))
          .as(label + ": the bean name is fixed")
          .isFalse();
    }
  }

  @Test
  void everyBeanTheModelsNameHasATemplate() {
    Set<String> inModels = new TreeSet<>();
    for (Model model : models) {
      for (Element element : elements(model.document().getDocumentElement())) {
        String value = camundaOrPlain(element, "delegateExpression");
        if (value != null) {
          inModels.add(bean(value));
        }
      }
    }
    Set<String> templated = new TreeSet<>();
    templates.values().forEach(t -> templated.addAll(beans(t)));
    assertThat(inModels).hasSizeGreaterThan(40);
    assertThat(templated).containsAll(inModels);
  }

  @Test
  void everyTemplateNamesAnAllowedBeanOfTheApplication() {
    Set<String> allowed = governance.stepBeans();
    templates.forEach(
        (id, t) -> {
          assertThat(beans(t)).as(id + " names a bean").isNotEmpty();
          for (String bean : beans(t)) {
            assertThat(context.containsBean(bean)).as(id + ": bean " + bean).isTrue();
            assertThat(allowed).as(id + ": " + bean + " in the models' allow-list").contains(bean);
          }
          if (t.path("metadata").has("bean")) {
            assertThat(beans(t)).as(id).contains(t.path("metadata").path("bean").asText());
          }
        });
  }

  @Test
  void everyServiceAndUserTaskCarriesAndMatchesItsTemplate() {
    int checked = 0;
    for (Model model : models) {
      for (Element task : elements(model.document().getDocumentElement())) {
        String kind = task.getLocalName();
        if (!BPMN.equals(task.getNamespaceURI())
            || !kind.equals("serviceTask") && !kind.equals("userTask")) {
          continue;
        }
        String where = model.file() + "#" + task.getAttribute("id");
        String id = task.getAttributeNS(CAMUNDA, "modelerTemplate");
        assertThat(templates).as(where + " camunda:modelerTemplate").containsKey(id);
        JsonNode template = templates.get(id);
        assertThat(task.getAttributeNS(CAMUNDA, "modelerTemplateVersion"))
            .as(where + " template version")
            .isEqualTo(template.path("version").asText());
        assertThat(texts(template.path("appliesTo")))
            .as(where)
            .contains("bpmn:" + Character.toUpperCase(kind.charAt(0)) + kind.substring(1));
        assertMatches(where, task, template);
        if (kind.equals("userTask")) {
          String formRef = task.getAttributeNS(CAMUNDA, "formRef");
          assertThat(formRef).as(where + " formRef").isNotBlank();
          assertThat(template.path("metadata").path("formRef").asText())
              .as(where + " template of its form")
              .isEqualTo(formRef);
          assertThat(Path.of("forms", formRef + ".form")).as(where).exists();
        }
        assertThat(new ArrayList<>(texts(template.path("metadata").path("gatewayReads"))))
            .as(where + ": what the gateways after it read, as documented")
            .isEqualTo(new ArrayList<>(gatewayReads(model.document(), task)));
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(40);
  }

  @Test
  void everyElementATemplateListsHasWhatTheTemplateSets() {
    Map<String, Element> byRef = new HashMap<>();
    for (Model model : models) {
      for (Element element : elements(model.document().getDocumentElement())) {
        if (element.hasAttribute("id")) {
          byRef.put(model.file() + "#" + element.getAttribute("id"), element);
        }
      }
    }
    templates.forEach(
        (id, t) -> {
          assertThat(t.path("metadata").path("models").isEmpty()).as(id + " models").isFalse();
          for (JsonNode ref : t.path("metadata").path("models")) {
            Element element = byRef.get(ref.asText());
            assertThat(element).as(id + ": " + ref.asText()).isNotNull();
            assertThat(texts(t.path("appliesTo")))
                .as(id + ": " + ref.asText())
                .contains(
                    "bpmn:"
                        + Character.toUpperCase(element.getLocalName().charAt(0))
                        + element.getLocalName().substring(1));
            assertMatches(id + " on " + ref.asText(), element, t);
          }
        });
  }

  @Test
  void theContractNamesOnlyErrorsTheModelsCatchAndVariablesSomeStepWrites() {
    Set<String> errorCodes = new TreeSet<>();
    for (Model model : models) {
      NodeList errors = model.document().getElementsByTagNameNS(BPMN, "error");
      for (int i = 0; i < errors.getLength(); i++) {
        errorCodes.add(((Element) errors.item(i)).getAttribute("errorCode"));
      }
    }
    Set<String> written = new TreeSet<>();
    templates.values().forEach(t -> written.addAll(texts(t.path("metadata").path("writes"))));
    templates.forEach(
        (id, t) -> {
          assertThat(errorCodes)
              .as(id + ": its BPMN errors are declared in the models")
              .containsAll(texts(t.path("metadata").path("bpmnErrors")));
          assertThat(written)
              .as(id + ": what the gateways after it read is written by a step")
              .containsAll(texts(t.path("metadata").path("gatewayReads")));
        });
  }

  /** What the element must have for the template to describe it, and nothing it leaves out. */
  private static void assertMatches(String where, Element element, JsonNode template) {
    Set<String> attributesSet = new TreeSet<>();
    List<String> listenersSet = new ArrayList<>();
    for (JsonNode property : template.path("properties")) {
      JsonNode binding = property.path("binding");
      String name = binding.path("name").asText();
      String value = property.path("value").asText();
      switch (binding.path("type").asText()) {
        case "property" -> {
          String local = name.substring(name.indexOf(':') + 1);
          String actual =
              name.startsWith("camunda:")
                  ? element.getAttributeNS(CAMUNDA, local)
                  : element.getAttribute(name);
          assertThat(actual).as(where + " " + name).isEqualTo(value);
          attributesSet.add(local);
        }
        case "camunda:property" -> {
          Map<String, String> properties = named(element, "property", "value");
          if (property.path("type").asText().equals("Dropdown")) {
            assertThat(texts(property.path("choices").findValues("value")))
                .as(where + " property " + name)
                .contains(properties.get(name));
          } else {
            assertThat(properties).as(where + " properties").containsEntry(name, value);
          }
        }
        case "camunda:executionListener" -> {
          String listener = binding.path("event").asText() + " " + value;
          assertThat(listeners(element, "executionListener")).as(where).contains(listener);
          listenersSet.add(listener);
        }
        case "camunda:inputParameter" ->
            assertThat(named(element, "inputParameter", null)).as(where).containsKey(name);
        case "camunda:outputParameter" ->
            assertThat(named(element, "outputParameter", null))
                .as(where + " output " + value)
                .containsEntry(value, binding.path("source").asText());
        default -> throw new AssertionError(where + ": unchecked binding " + binding);
      }
    }
    for (String attribute :
        List.of("delegateExpression", "asyncBefore", "asyncAfter", "formRef", "candidateGroups")) {
      if (element.hasAttributeNS(CAMUNDA, attribute)) {
        assertThat(attributesSet)
            .as(where + ": the template sets " + attribute)
            .contains(attribute);
      }
    }
    assertThat(listenersSet)
        .as(where + ": the template sets every execution listener of the element")
        .containsExactlyInAnyOrderElementsOf(listeners(element, "executionListener"));
    JsonNode meta = template.path("metadata");
    List<String> taskListeners = new ArrayList<>();
    meta.path("taskListeners")
        .forEach(
            l ->
                taskListeners.add(
                    l.path("event").asText() + " " + l.path("delegateExpression").asText()));
    assertThat(listeners(element, "taskListener"))
        .as(where + ": task listeners as the template says")
        .containsExactlyInAnyOrderElementsOf(taskListeners);
    List<String> retry = new ArrayList<>();
    for (Element child : extensions(element)) {
      if (child.getLocalName().equals("failedJobRetryTimeCycle")) {
        retry.add(child.getTextContent().trim());
      }
    }
    assertThat(retry)
        .as(where + ": retry cycle as the template says")
        .isEqualTo(
            meta.has("failedJobRetryTimeCycle")
                ? List.of(meta.path("failedJobRetryTimeCycle").asText())
                : List.of());
  }

  /** The beans a template puts into a model: its delegate, its listeners, its task listeners. */
  private static Set<String> beans(JsonNode template) {
    Set<String> beans = new TreeSet<>();
    for (JsonNode property : template.path("properties")) {
      JsonNode binding = property.path("binding");
      if (binding.path("type").asText().equals("camunda:executionListener")
          || binding.path("name").asText().equals("camunda:delegateExpression")) {
        beans.add(bean(property.path("value").asText()));
      }
    }
    template
        .path("metadata")
        .path("taskListeners")
        .forEach(l -> beans.add(bean(l.path("delegateExpression").asText())));
    return beans;
  }

  private static String bean(String expression) {
    Matcher matcher = BEAN.matcher(expression.trim());
    assertThat(matcher.matches()).as(expression + " is ${beanName}").isTrue();
    return matcher.group(1);
  }

  /** The variables the conditions of the gateways right after the element read, in order. */
  private static Set<String> gatewayReads(Document model, Element element) {
    Map<String, Element> byId = new HashMap<>();
    List<Element> flows = new ArrayList<>();
    for (Element e : elements(model.getDocumentElement())) {
      if (e.hasAttribute("id")) {
        byId.put(e.getAttribute("id"), e);
      }
      if (BPMN.equals(e.getNamespaceURI()) && e.getLocalName().equals("sequenceFlow")) {
        flows.add(e);
      }
    }
    Set<String> reads = new LinkedHashSet<>();
    for (Element flow : flows) {
      if (!flow.getAttribute("sourceRef").equals(element.getAttribute("id"))) {
        continue;
      }
      Element target = byId.get(flow.getAttribute("targetRef"));
      if (target == null
          || !target.getLocalName().equals("exclusiveGateway")
              && !target.getLocalName().equals("inclusiveGateway")) {
        continue;
      }
      for (Element out : flows) {
        if (!out.getAttribute("sourceRef").equals(target.getAttribute("id"))) {
          continue;
        }
        NodeList conditions = out.getElementsByTagNameNS(BPMN, "conditionExpression");
        for (int i = 0; i < conditions.getLength(); i++) {
          Matcher expression = EXPRESSION.matcher(conditions.item(i).getTextContent());
          while (expression.find()) {
            Matcher word =
                IDENTIFIER.matcher(expression.group(1).replaceAll("'[^']*'|\"[^\"]*\"", ""));
            while (word.find()) {
              if (!EL_WORDS.contains(word.group().split("\\.")[0])) {
                reads.add(word.group());
              }
            }
          }
        }
      }
    }
    return reads;
  }

  private static List<Element> extensions(Element element) {
    List<Element> result = new ArrayList<>();
    for (Element child : children(element)) {
      if (child.getLocalName().equals("extensionElements")) {
        result.addAll(children(child));
      }
    }
    return result;
  }

  private static List<String> listeners(Element element, String kind) {
    List<String> result = new ArrayList<>();
    for (Element child : extensions(element)) {
      if (CAMUNDA.equals(child.getNamespaceURI()) && child.getLocalName().equals(kind)) {
        result.add(child.getAttribute("event") + " " + child.getAttribute("delegateExpression"));
      }
    }
    return result;
  }

  /** camunda:property (name → value) or input/output parameters (name → text) of the element. */
  private static Map<String, String> named(Element element, String kind, String valueAttribute) {
    Map<String, String> result = new LinkedHashMap<>();
    for (Element extension : extensions(element)) {
      for (Element e : elements(extension)) {
        if (CAMUNDA.equals(e.getNamespaceURI()) && e.getLocalName().equals(kind)) {
          result.put(
              e.getAttribute("name"),
              valueAttribute == null ? e.getTextContent().trim() : e.getAttribute(valueAttribute));
        }
      }
    }
    return result;
  }

  private static String camundaOrPlain(Element element, String name) {
    if (element.hasAttributeNS(CAMUNDA, name)) {
      return element.getAttributeNS(CAMUNDA, name);
    }
    // Listeners carry it unqualified on the camunda element.
    if (CAMUNDA.equals(element.getNamespaceURI()) && element.hasAttribute(name)) {
      return element.getAttribute(name);
    }
    return null;
  }

  private static List<Element> children(Element element) {
    List<Element> result = new ArrayList<>();
    for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element e) {
        result.add(e);
      }
    }
    return result;
  }

  /** The element and everything under it. */
  private static List<Element> elements(Element root) {
    List<Element> result = new ArrayList<>();
    result.add(root);
    for (Element child : children(root)) {
      result.addAll(elements(child));
    }
    return result;
  }

  private static List<String> texts(JsonNode array) {
    List<String> result = new ArrayList<>();
    array.forEach(node -> result.add(node.asText()));
    return result;
  }

  private static List<String> texts(List<JsonNode> nodes) {
    return nodes.stream().map(JsonNode::asText).toList();
  }
}
