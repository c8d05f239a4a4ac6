package io.countersign.models;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.ParseException;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DeploymentBuilder;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Models are governed code: what a deployment may contain, who may deploy, and the evidence each
 * deployment leaves. Deployments go through the real engine (the parse listener and the deployer
 * are installed in it).
 */
class ModelGovernanceTest extends ProcessTestSupport {
  @Autowired RepositoryService repository;

  private static String process(String id, String body) {
    return """
        <?xml version="1.0" encoding="UTF-8"?>
        <bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" \
        xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d_%1$s" targetNamespace="http://countersign.io/test">
          <bpmn:process id="%1$s" isExecutable="true" camunda:historyTimeToLive="P1D">
            <bpmn:startEvent id="start" />
            %2$s
          </bpmn:process>
        </bpmn:definitions>
        """
        .formatted(id, body);
  }

  private List<EvidenceEntry> modelEvidence() {
    return evidence.entries(EvidenceLog.MODELS_CHAIN);
  }

  private DeploymentBuilder deployment(String name, String content) {
    return repository.createDeployment().name("governance-test").addString(name, content);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "script task | <bpmn:scriptTask id='s' scriptFormat='javascript'><bpmn:script>java.lang.System.exit(1)</bpmn:script></bpmn:scriptTask> | scriptTask",
        "Java class | <bpmn:serviceTask id='s' camunda:class='org.example.Evil' /> | class is not allowed",
        "unknown bean | <bpmn:serviceTask id='s' camunda:delegateExpression='${dataSource}' /> | not one of Countersign's delegates",
        "bean method call | <bpmn:serviceTask id='s' camunda:expression='${releaseStatus.set(execution, &quot;released&quot;)}' /> | bean 'releaseStatus'",
        "reflection | <bpmn:serviceTask id='s' camunda:expression='${&quot;&quot;.getClass().forName(&quot;java.lang.Runtime&quot;)}' /> | property access",
        "delegate expression with a call | <bpmn:serviceTask id='s' camunda:delegateExpression='${fourEyes.toString()}' /> | must be ${beanName}",
        "class listener | <bpmn:task id='t'><bpmn:extensionElements><camunda:executionListener class='org.example.Evil' event='start' /></bpmn:extensionElements></bpmn:task> | class is not allowed",
        "expression listener | <bpmn:task id='t'><bpmn:extensionElements><camunda:executionListener expression='${execution.setVariable(&quot;overrideActive&quot;, true)}' event='start' /></bpmn:extensionElements></bpmn:task> | execution",
        "connector | <bpmn:serviceTask id='s'><bpmn:extensionElements><camunda:connector><camunda:connectorId>http-connector</camunda:connectorId></camunda:connector></bpmn:extensionElements></bpmn:serviceTask> | connector",
        "external task | <bpmn:serviceTask id='s' camunda:type='external' camunda:topic='t' /> | external tasks",
        "embedded form | <bpmn:userTask id='u' camunda:formKey='embedded:deployment:evil.html' /> | formKey",
        "generated form | <bpmn:userTask id='u'><bpmn:extensionElements><camunda:formData><camunda:formField id='f' type='string' /></camunda:formData></bpmn:extensionElements></bpmn:userTask> | formData",
        "input script | <bpmn:task id='t'><bpmn:extensionElements><camunda:inputOutput><camunda:inputParameter name='x'><camunda:script scriptFormat='groovy'>1</camunda:script></camunda:inputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:task> | script",
        "bean in a condition | <bpmn:exclusiveGateway id='g' /><bpmn:sequenceFlow id='f' sourceRef='start' targetRef='g'><bpmn:conditionExpression>${dataSource != null}</bpmn:conditionExpression></bpmn:sequenceFlow> | bean 'dataSource'",
        "script condition | <bpmn:exclusiveGateway id='g' /><bpmn:sequenceFlow id='f' sourceRef='start' targetRef='g'><bpmn:conditionExpression language='javascript'>true</bpmn:conditionExpression></bpmn:sequenceFlow> | script expressions",
        "function in a timer | <bpmn:intermediateCatchEvent id='t'><bpmn:timerEventDefinition><bpmn:timeDate>${dateTime().plusDays(1).toDate()}</bpmn:timeDate></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent> | calls",
        "computed call | <bpmn:callActivity id='c' calledElement='${target}' /> | calledElement",
        "property access in candidates | <bpmn:userTask id='u' camunda:candidateGroups='${task.assignee}' /> | task",
        "four-eyes shadowed by a property | <bpmn:task id='t'><bpmn:extensionElements><camunda:properties><camunda:property name='fourEyes' value='off' /></camunda:properties><camunda:executionListener delegateExpression='${setVariables}' event='start' /></bpmn:extensionElements></bpmn:task> | would stand in for the four-eyes listener",
        "four-eyes shadowed by an output | <bpmn:task id='t'><bpmn:extensionElements><camunda:inputOutput><camunda:outputParameter name='fourEyes'>off</camunda:outputParameter></camunda:inputOutput></bpmn:extensionElements></bpmn:task> | would stand in for the four-eyes listener",
        "four-eyes shadowed by a loop variable | <bpmn:task id='t'><bpmn:multiInstanceLoopCharacteristics camunda:collection='${requiredRoles}' camunda:elementVariable='fourEyes' /></bpmn:task> | would stand in for the four-eyes listener"
      })
  void refusesModelsThatCouldRunCodeOfTheirOwn(String what, String element, String problem) {
    int before = modelEvidence().size();
    String xml = process("governanceRefused", element.replace('\'', '"'));
    assertThatThrownBy(() -> deployment("refused.bpmn", xml).deploy())
        .isInstanceOf(ParseException.class)
        .hasMessageContaining("Model refused")
        .hasMessageContaining(problem);
    assertThat(
            repository
                .createProcessDefinitionQuery()
                .processDefinitionKey("governanceRefused")
                .count())
        .isZero();
    assertThat(modelEvidence()).hasSize(before);
  }

  @Test
  void listsEveryProblemOfAModelAtOnce() {
    String xml =
        process(
            "governanceMany",
            """
        <bpmn:serviceTask id="a" camunda:class="org.example.A" />
        <bpmn:serviceTask id="b" camunda:expression="${execution.getProcessEngine()}" />
        """);
    assertThatThrownBy(() -> deployment("many.bpmn", xml).deploy())
        .hasMessageContaining("serviceTask 'a'")
        .hasMessageContaining("serviceTask 'b'");
  }

  @Test
  void acceptsTheSafeSubsetAndRecordsTheDeploymentWithEachResourceDigest() {
    String xml =
        process(
            "governanceAccepted",
            """
        <bpmn:serviceTask id="s" camunda:delegateExpression="${setVariables}" />
        <bpmn:exclusiveGateway id="g" default="other" />
        <bpmn:sequenceFlow id="f" sourceRef="s" targetRef="g" />
        <bpmn:endEvent id="e1" /><bpmn:endEvent id="e2" />
        <bpmn:sequenceFlow id="yes" sourceRef="g" targetRef="e1"><bpmn:conditionExpression>${a == 'x' and not empty b}</bpmn:conditionExpression></bpmn:sequenceFlow>
        <bpmn:sequenceFlow id="other" sourceRef="g" targetRef="e2" />
        """);
    int before = modelEvidence().size();
    asUser("process-admin", () -> deployment("accepted.bpmn", xml).deploy());

    List<EvidenceEntry> entries = modelEvidence();
    assertThat(entries).hasSize(before + 1);
    EvidenceEntry entry = entries.get(entries.size() - 1);
    assertThat(entry.type()).isEqualTo("models-deployed");
    assertThat(entry.actor()).isEqualTo("process-admin");
    assertThat(entry.payload().path("resources").get(0).path("name").asText())
        .isEqualTo("accepted.bpmn");
    assertThat(entry.payload().path("resources").get(0).path("sha256").asText())
        .isEqualTo(CanonicalJson.sha256(xml));
    assertThat(evidence.verify(EvidenceLog.MODELS_CHAIN).valid()).isTrue();
  }

  @Test
  void onlyProcessAdminsDeployAndNobodyRemovesDeployedModels() {
    String xml = process("governanceWho", "<bpmn:endEvent id='e' />".replace('\'', '"'));
    for (String user : List.of("admin", "release-manager", "requester")) {
      assertThatThrownBy(() -> asUser(user, () -> deployment("who.bpmn", xml).deploy()))
          .as(user)
          .isInstanceOf(AuthorizationException.class)
          .hasMessageContaining("process-admins");
    }
    asUser("process-admin", () -> deployment("who.bpmn", xml).deploy());
    String deploymentId =
        repository
            .createProcessDefinitionQuery()
            .processDefinitionKey("governanceWho")
            .singleResult()
            .getDeploymentId();
    assertThatThrownBy(
            () -> asUser("process-admin", () -> repository.deleteDeployment(deploymentId, true)))
        .isInstanceOf(AuthorizationException.class)
        .hasMessageContaining("stay");
    assertThat(repository.createDeploymentQuery().deploymentId(deploymentId).count()).isOne();
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "JUEL input expression | <inputExpression id='ie' typeRef='string' expressionLanguage='juel'><text>${''.getClass()}</text></inputExpression> | expression language 'juel'",
        "plain FEEL is accepted | <inputExpression id='ie' typeRef='string'><text>environment</text></inputExpression> | ",
        "FEEL external function | <inputExpression id='ie' typeRef='string'><text>function(x) external {java: {class: \"java.lang.System\", method signature: \"exit(int)\"}}</text></inputExpression> | external functions"
      })
  void refusesDecisionsThatCouldCallJava(String what, String input, String problem) {
    String dmn =
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" xmlns:camunda="http://camunda.org/schema/1.0/dmn" id="d" name="d" namespace="http://countersign.io/test">
          <decision id="governanceDecision" name="Test" camunda:historyTimeToLive="P1D">
            <decisionTable id="t">
              <input id="i">%s</input>
              <output id="o" name="out" typeRef="string" />
              <rule id="r"><inputEntry id="e"><text>-</text></inputEntry><outputEntry id="oe"><text>"x"</text></outputEntry></rule>
            </decisionTable>
          </decision>
        </definitions>
        """
            .formatted(input.replace('\'', '"'));
    if (problem == null) {
      asUser("process-admin", () -> deployment("ok.dmn", dmn).deploy());
      return;
    }
    assertThatThrownBy(() -> asUser("process-admin", () -> deployment("refused.dmn", dmn).deploy()))
        .isInstanceOf(BadUserRequestException.class)
        .hasMessageContaining(problem);
  }

  @Test
  void refusesResourcesOtherThanModelsAndForms() {
    String xml = process("governanceExtra", "<bpmn:endEvent id=\"e\" />");
    assertThatThrownBy(
            () ->
                asUser(
                    "process-admin",
                    () ->
                        deployment("ok.bpmn", xml)
                            .addString("tasklist-plugin.js", "alert(document.cookie)")
                            .deploy()))
        .isInstanceOf(BadUserRequestException.class)
        .hasMessageContaining("tasklist-plugin.js");
    assertThat(
            repository
                .createProcessDefinitionQuery()
                .processDefinitionKey("governanceExtra")
                .count())
        .isZero();
  }

  @Test
  void aReleaseRunsTheModelVersionsItWasSubmittedWith() throws Exception {
    String before = submit(example("staging"));
    int pinned =
        repository
            .createProcessDefinitionQuery()
            .processDefinitionKey("sign-off")
            .latestVersion()
            .singleResult()
            .getVersion();
    // A process admin deploys new versions of the sign-off and deploy models while the release
    // waits.
    String signOff =
        Files.readString(Path.of("bpmn/sign-off.bpmn"))
            .replace("name=\"Approve release\"", "name=\"Approve release (v2)\"");
    String deploy =
        Files.readString(Path.of("bpmn/deploy.bpmn"))
            .replace("name=\"Verify release\"", "name=\"Verify release (v2)\"");
    asUser(
        "process-admin",
        () ->
            repository
                .createDeployment()
                .name("new versions")
                .addString("sign-off.bpmn", signOff)
                .addString("deploy.bpmn", deploy)
                .deploy());
    String after = submit(example("staging"));
    // Later tests on this engine get the shipped models again (as a newer version still).
    asUser(
        "process-admin",
        () ->
            repository
                .createDeployment()
                .name("shipped versions again")
                .addClasspathResource("bpmn/sign-off.bpmn")
                .addClasspathResource("bpmn/deploy.bpmn")
                .deploy());

    approveAll(before);
    approveAll(after);
    assertThat(status(before)).isEqualTo("released");
    assertThat(status(after)).isEqualTo("released");
    assertThat(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey(before)
                .processDefinitionKey("sign-off")
                .singleResult()
                .getProcessDefinitionVersion())
        .isEqualTo(pinned);
    assertThat(
            history
                .createHistoricProcessInstanceQuery()
                .processInstanceBusinessKey(after)
                .processDefinitionKey("sign-off")
                .singleResult()
                .getProcessDefinitionVersion())
        .isEqualTo(pinned + 1);
    assertThat(status(submit(example("staging")))).isEqualTo("awaiting-sign-off");
    assertThat(
            history
                .createHistoricActivityInstanceQuery()
                .processInstanceId(historicInstance("deploy", before))
                .activityId("verifyRelease")
                .singleResult()
                .getActivityName())
        .isEqualTo("Verify release");
    assertThat(
            history
                .createHistoricActivityInstanceQuery()
                .processInstanceId(historicInstance("deploy", after))
                .activityId("verifyRelease")
                .singleResult()
                .getActivityName())
        .isEqualTo("Verify release (v2)");
    // The evidence of each release names the versions it ran, with the digest of the resource they
    // came from.
    EvidenceEntry requested = evidence.entries(after).get(0);
    assertThat(requested.type()).isEqualTo("release-requested");
    assertThat(requested.payload().path("models").toString())
        .contains("\"key\":\"sign-off\"")
        .contains(CanonicalJson.sha256(signOff));
  }

  @Test
  void theShippedModelsPassTheRules() throws Exception {
    for (String name : List.of("release.bpmn", "sign-off.bpmn", "deploy.bpmn")) {
      String xml = Files.readString(Path.of("bpmn", name), StandardCharsets.UTF_8);
      assertThat(xml).doesNotContain("execution.").doesNotContain("camunda:class");
    }
    // And they deployed at start-up, through the same parse listener.
    assertThat(
            repository
                .createProcessDefinitionQuery()
                .processDefinitionKeyIn("release", "sign-off", "deploy")
                .latestVersion()
                .count())
        .isEqualTo(3);
  }
}
