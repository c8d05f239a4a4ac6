package io.countersign.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.manifest.CanonicalJson;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestReaderFixtures;
import io.countersign.manifest.ManifestSection;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.TargetCapability.Phase;
import io.countersign.process.TargetCapability.Step;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.dmn.engine.DmnDecision;
import org.camunda.bpm.dmn.engine.DmnEngineConfiguration;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.variable.Variables;
import org.camunda.bpm.model.bpmn.Bpmn;
import org.camunda.bpm.model.bpmn.BpmnModelInstance;
import org.camunda.bpm.model.bpmn.instance.Activity;
import org.camunda.bpm.model.bpmn.instance.Association;
import org.camunda.bpm.model.bpmn.instance.BoundaryEvent;
import org.camunda.bpm.model.bpmn.instance.CompensateEventDefinition;
import org.camunda.bpm.model.bpmn.instance.FlowNode;
import org.camunda.bpm.model.bpmn.instance.IntermediateThrowEvent;
import org.camunda.bpm.model.bpmn.instance.SequenceFlow;
import org.camunda.bpm.model.bpmn.instance.ServiceTask;
import org.camunda.bpm.model.bpmn.instance.StartEvent;
import org.camunda.bpm.model.bpmn.instance.SubProcess;
import org.camunda.bpm.model.bpmn.instance.Task;
import org.camunda.bpm.model.bpmn.instance.UserTask;
import org.camunda.bpm.model.dmn.Dmn;
import org.camunda.bpm.model.dmn.DmnModelInstance;
import org.camunda.bpm.model.dmn.instance.InputExpression;
import org.camunda.bpm.model.xml.instance.ModelElementInstance;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.context.ApplicationContext;
import org.springframework.http.MediaType;

/**
 * The contract every target capability signs: its steps are tasks of deploy.bpmn, named after beans
 * that exist, in the order the model runs them; its section is read and validated by the manifest
 * reader; its facts are what release-policy.dmn reads. The five capabilities from before the
 * registry produce exactly the lists that were kept by hand, and existing manifests keep their
 * canonical form and digest.
 */
class TargetRegistryTest extends ProcessTestSupport {
  /** Tasks of deploy.bpmn that belong to the release itself rather than to a target. */
  private static final Set<String> RELEASE_TASKS =
      Set.of("checkDeployment", "checkPostDeployment", "markReleased", "startRollback");

  private static final Set<String> BEFORE_THE_REGISTRY =
      Set.of("database", "lambda", "frontend", "kubernetes", "verification");
  private static final ObjectMapper JSON = new ObjectMapper();

  @Autowired TargetRegistry registry;
  @Autowired ApplicationContext context;

  @Test
  void everyStepIsATaskOfTheDeployModelNamedAfterABeanOfItsCapability() {
    BpmnModelInstance model = deployModel();
    for (TargetCapability capability : registry.capabilities()) {
      for (Step step : capability.steps()) {
        Task task = model.getModelElementById(step.id());
        assertThat(task).as(step.id() + " is a task of deploy.bpmn").isNotNull();
        // An undo step is a compensation handler, or a task of the rollback that undoes its
        // capability's steps from their signed evidence (compensation would skip a step that
        // failed half-way).
        assertThat(
                ((Activity) task).isForCompensation()
                    || step.phase() == Phase.UNDO && insideRollback(task))
            .as(step.id() + " compensates")
            .isEqualTo(step.phase() == Phase.UNDO);
        if (task instanceof ServiceTask service) {
          assertThat(service.getCamundaDelegateExpression()).isEqualTo("${" + step.id() + "}");
          assertThat(context.getBean(step.id())).isInstanceOf(JavaDelegate.class);
          // The bean lives in the capability's package (a step of another target would be a wrong
          // claim).
          assertThat(context.getType(step.id()).getPackage())
              .isEqualTo(capability.getClass().getPackage());
        } else {
          assertThat(task).as(step.id()).isInstanceOf(UserTask.class);
        }
      }
    }
  }

  private static boolean insideRollback(ModelElementInstance element) {
    for (ModelElementInstance parent = element.getParentElement();
        parent != null;
        parent = parent.getParentElement()) {
      if (parent instanceof SubProcess subProcess && "rollBack".equals(subProcess.getId())) {
        return true;
      }
    }
    return false;
  }

  @Test
  void everyServiceTaskOfTheDeployModelBelongsToACapabilityOrToTheRelease() {
    Set<String> claimed = new HashSet<>(registry.steps());
    claimed.addAll(RELEASE_TASKS);

    assertThat(deployModel().getModelElementsByType(ServiceTask.class))
        .extracting(ServiceTask::getId)
        .allSatisfy(id -> assertThat(claimed).as("a capability declares step " + id).contains(id));
  }

  @Test
  void theRegistryListsTheStepsInTheOrderTheModelRunsThem() {
    BpmnModelInstance model = deployModel();
    List<String> deploy = order(model.getModelElementById("deploymentStarted"));
    List<String> rollback =
        order(model.getModelElementById("rollbackNeeded")).stream()
            .map(id -> handlerOf(model, id))
            .toList();
    List<String> registered = registry.steps();
    List<String> rollbackSteps =
        registered.subList(registry.deploySteps().size(), registered.size());

    assertThat(deploy.stream().filter(registry.deploySteps()::contains).toList())
        .containsExactlyElementsOf(registry.deploySteps());
    assertThat(rollback.stream().filter(rollbackSteps::contains).toList())
        .containsExactlyElementsOf(rollbackSteps);
  }

  @Test
  void everySectionIsReadAndValidatedByTheManifestReader() {
    for (TargetCapability capability : registry.capabilities()) {
      ManifestSection<?> section = capability.section();
      ObjectNode manifest = example("staging");
      manifest.putObject(section.name());
      List<FieldErrors.FieldError> errors = errors(manifest);

      // An empty section is either valid or wrong inside itself; never an unknown field or a
      // failure to read.
      assertThat(errors)
          .as(section.name())
          .allSatisfy(
              error -> {
                assertThat(error.path()).startsWith("$." + section.name() + ".");
                assertThat(error.message()).doesNotStartWith("unknown field");
              });
      assertThat(registry.sections()).contains(section);
    }
  }

  @Test
  void aDrillMayNameTheMainStepsOfEveryCapability() {
    assertThat(registry.drillSteps()).containsAll(ManifestReaderFixtures.DRILL_STEPS);
    ObjectNode manifest = example("staging");
    manifest.putObject("drill").put("failAt", "markReleased");

    assertThat(errors(manifest))
        .containsExactly(
            new FieldErrors.FieldError(
                "$.drill.failAt", "must be one of " + String.join(", ", registry.drillSteps())));
  }

  @Test
  void theFactsAreWhatThePolicyReads() throws IOException {
    DmnModelInstance policy;
    try (InputStream in = getClass().getResourceAsStream("/bpmn/release-policy.dmn")) {
      policy = Dmn.readModelFromStream(in);
    }
    Set<String> inputs = new HashSet<>();
    policy
        .getModelElementsByType(InputExpression.class)
        .forEach(e -> inputs.add(e.getText().getTextContent().trim()));
    var dmn = DmnEngineConfiguration.createDefaultDmnEngineConfiguration().buildEngine();
    List<DmnDecision> decisions = dmn.parseDecisions(policy);
    for (String environment : List.of("staging", "production")) {
      ReleaseManifest manifest = read(example(environment));
      Map<String, Object> facts =
          new LinkedHashMap<>(Map.of(io.countersign.process.Variables.ENVIRONMENT, environment));
      facts.put(io.countersign.process.Variables.PRODUCTION, environment.equals("production"));
      facts.put(
          io.countersign.process.Variables.PROMOTES_FROM,
          environment.equals("production") ? "staging" : null);
      facts.putAll(registry.policyFacts(manifest));
      // evidenceChecks is asked once per evidence item, with the item's type beside these facts.
      facts.put("evidenceType", manifest.evidence().get(0).type());

      assertThat(facts.keySet())
          .as("every input of release-policy.dmn is a fact")
          .containsAll(inputs);
      // Every decision evaluates with these facts alone (a missing variable would fail here, as in
      // the process).
      decisions.forEach(
          d ->
              assertThat(dmn.evaluateDecision(d, Variables.fromMap(facts)))
                  .as(d.getKey())
                  .isNotNull());
    }
  }

  @Test
  void theFactsReachThePolicyOfARelease() {
    ObjectNode manifest = example("staging");
    manifest.remove("database");
    String id = submit(manifest);
    runJobs();

    EvidenceEntry applied =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals("policy-applied"))
            .findFirst()
            .orElseThrow();
    Map<String, Object> facts =
        new LinkedHashMap<>(Map.of("environment", "staging", "production", false));
    facts.put("promotesFrom", null);
    facts.putAll(registry.policyFacts(read(manifest)));
    assertThat(JSON.convertValue(applied.payload().get("facts"), Map.class)).isEqualTo(facts);
    assertThat(facts).containsEntry("hasDatabase", false).containsEntry("hasLambda", true);
    // Run to its end: its open sign-off tasks would show in the filters of tests sharing this
    // database.
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
  }

  /**
   * The lists kept by hand before the registry, as the five capabilities of that time now produce
   * them.
   */
  @Test
  void theCapabilitiesFromBeforeTheRegistryProduceTheListsThatWereKeptByHand() {
    TargetRegistry before =
        new TargetRegistry(
            registry.capabilities().stream()
                .filter(c -> BEFORE_THE_REGISTRY.contains(c.section().name()))
                .toList());
    ReleaseManifest staging = read(example("staging"));
    ObjectNode bare = example("staging");
    List.of("database", "lambda", "frontend", "kubernetes").forEach(bare::remove);

    assertThat(before.steps())
        .containsExactly(
            "backupDatabase",
            "migrateDatabase",
            "deployLambda",
            "checkBeforeTraffic",
            "gateLambdaTraffic",
            "checkAfterTraffic",
            "publishFrontend",
            "awaitFrontend",
            "rolloutKubernetes",
            "awaitRollout",
            "verifyRelease",
            "watchMetrics",
            "undoRollout",
            "restoreFrontend",
            "revertLambda",
            "restoreDatabase",
            "confirmDatabaseRestore",
            "restoreDatabaseBackup",
            "verifyRestoration");
    assertThat(before.drillSteps()).containsExactlyElementsOf(ManifestReaderFixtures.DRILL_STEPS);
    assertThat(before.mainSteps(read(bare)))
        .containsExactly(
            Map.entry(true, List.of("verifyRelease", "watchMetrics")),
            Map.entry(
                false,
                List.of(
                    "backupDatabase",
                    "migrateDatabase",
                    "deployLambda",
                    "publishFrontend",
                    "rolloutKubernetes",
                    "awaitRollout")));
    assertThat(before.recordedVariables())
        .containsExactly(
            "db.versionBefore",
            "db.appliedVersions",
            "lambda.previousVersions",
            "lambda.reverted",
            // Added since (issue 18): the functions whose configuration a release changed.
            "lambda.configured",
            "frontend.previousRelease",
            "frontend.restored",
            "k8s.previousImages",
            "k8s.undone");
    assertThat(before.policyFacts(staging))
        .containsExactly(
            Map.entry("hasDatabase", true),
            Map.entry("hasLambda", true),
            Map.entry("hasFrontend", true),
            Map.entry("hasKubernetes", true));
    Map<String, Object> start = new HashMap<>(before.startVariables(staging));
    assertThat(start)
        .containsOnly(
            Map.entry("hasDatabase", true),
            Map.entry("restoreNeedsBackup", false),
            Map.entry("hasLambda", true),
            Map.entry(
                "lambdaFunctions", List.of("data_ingestion", "alert_generator", "api_handler")),
            Map.entry("hasFrontend", true),
            Map.entry("hasKubernetes", true),
            Map.entry("k8sWorkloads", List.of("Deployment/backend", "Deployment/web")),
            Map.entry("kubernetesTimeout", "PT10M"),
            Map.entry("restorationVerified", false));
    assertThat(before.plannedSteps(staging))
        .containsExactly(
            "Back up and migrate database medication-db from examples/medication-tracker/db/migration",
            "Deploy Lambda data_ingestion (all-at-once) from s3://medication-artifacts/lambda/data_ingestion/2.4.0/function.zip",
            "Deploy Lambda alert_generator (all-at-once) from s3://medication-artifacts/lambda/alert_generator/2.4.0/function.zip",
            "Deploy Lambda api_handler (all-at-once) from s3://medication-artifacts/lambda/api_handler/2.4.0/function.zip",
            "Publish front end to medication-web from s3://medication-artifacts/web/2.4.0/site.zip",
            "Roll out Deployment medication-staging/backend: api=registry.medication.example/medication/backend:2.4.0",
            "Roll out Deployment medication-staging/web: web=registry.medication.example/medication/web:2.4.0",
            "Verify health checks (api-health) and smoke tests (list-medications, web-home); a"
                + " failure rolls the release back",
            "Watch metrics for PT0S every PT30S: error-rate ≤ 0.01, p95-latency ≤ 0.5; a breach"
                + " rolls the release back");
  }

  @Test
  void existingManifestsKeepTheirCanonicalFormAndDigest() throws IOException {
    // Digests of the examples as computed before sections of capabilities existed.
    Map<String, String> digests =
        Map.of(
            "release-staging.yaml",
                "6c5a30abcd10ffda8fd554841170877664e6b077a2680b789e05869eee1fdb7a",
            "release-production.yaml",
                "417fbf544d749f4e38ead30f5c282a2ca058522efd59cf7a949371416d7d207e");
    for (Map.Entry<String, String> example : digests.entrySet()) {
      ReleaseManifest manifest =
          reader.read(
              Files.readAllBytes(Path.of("examples/medication-tracker", example.getKey())),
              ManifestReaderFixtures.YAML);
      assertThat(manifest.sections()).isEmpty();
      assertThat(CanonicalJson.sha256(ManifestStore.canonical(manifest)))
          .as(example.getKey())
          .isEqualTo(example.getValue());
    }
  }

  @Test
  void twoCapabilitiesCannotClaimOneSection() {
    TargetCapability any = registry.capabilities().get(0);

    assertThatThrownBy(() -> new TargetRegistry(List.of(any, any)))
        .hasMessage("two target capabilities declare the manifest section " + any.section().name());
  }

  private ReleaseManifest read(ObjectNode manifest) {
    try {
      return reader.read(JSON.writeValueAsBytes(manifest), MediaType.APPLICATION_JSON);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private List<FieldErrors.FieldError> errors(ObjectNode manifest) {
    InvalidManifestException e =
        catchThrowableOfType(InvalidManifestException.class, () -> read(manifest));
    return e == null ? List.of() : e.errors();
  }

  private static BpmnModelInstance deployModel() {
    try (InputStream in = TargetRegistryTest.class.getResourceAsStream("/bpmn/deploy.bpmn")) {
      return Bpmn.readModelFromStream(in);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The flow nodes from {@code start} in an order the engine can run them in (reverse post-order of
   * the sequence flows: a node comes after everything that leads to it, loops aside); a sub-process
   * is followed by its inside.
   */
  private static List<String> order(FlowNode start) {
    List<FlowNode> postOrder = new ArrayList<>();
    visit(start, new HashSet<>(), postOrder);
    List<String> order = new ArrayList<>();
    for (int i = postOrder.size() - 1; i >= 0; i--) {
      FlowNode node = postOrder.get(i);
      order.add(node.getId());
      if (node instanceof SubProcess sub) {
        sub.getChildElementsByType(StartEvent.class).forEach(inner -> order.addAll(order(inner)));
      }
    }
    return order;
  }

  private static void visit(FlowNode node, Set<String> seen, List<FlowNode> postOrder) {
    if (!seen.add(node.getId())) {
      return;
    }
    for (SequenceFlow flow : node.getOutgoing()) {
      visit(flow.getTarget(), seen, postOrder);
    }
    postOrder.add(node);
  }

  /**
   * For a compensation throw event, the handler of the activity it compensates; otherwise the id
   * itself.
   */
  private static String handlerOf(BpmnModelInstance model, String id) {
    if (!(model.getModelElementById(id) instanceof IntermediateThrowEvent thrown)) {
      return id;
    }
    Collection<CompensateEventDefinition> definitions =
        thrown.getChildElementsByType(CompensateEventDefinition.class);
    if (definitions.isEmpty()) {
      return id;
    }
    String activity = definitions.iterator().next().getActivity().getId();
    String boundary =
        model.getModelElementsByType(BoundaryEvent.class).stream()
            .filter(b -> b.getAttachedTo().getId().equals(activity))
            .filter(b -> !b.getChildElementsByType(CompensateEventDefinition.class).isEmpty())
            .findFirst()
            .orElseThrow()
            .getId();
    return model.getModelElementsByType(Association.class).stream()
        .filter(a -> a.getSource().getId().equals(boundary))
        .findFirst()
        .orElseThrow()
        .getTarget()
        .getId();
  }
}
