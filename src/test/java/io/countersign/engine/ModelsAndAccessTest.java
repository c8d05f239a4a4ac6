package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.countersign.ApiAppSupport;
import io.countersign.CountersignApplication;
import io.countersign.ProcessTestSupport;
import io.countersign.identity.Groups;
import io.countersign.process.EscalationPriority;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.camunda.bpm.engine.FilterService;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.authorization.Resources;
import org.camunda.bpm.engine.delegate.ExecutionListener;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.camunda.bpm.engine.delegate.TaskListener;
import org.camunda.bpm.engine.filter.Filter;
import org.camunda.bpm.engine.impl.TaskQueryImpl;
import org.camunda.bpm.engine.impl.cfg.ProcessEngineConfigurationImpl;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ApplicationContext;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The models, forms and beans fit together; start-up set-up is idempotent; approvers see their
 * filters.
 */
class ModelsAndAccessTest extends ProcessTestSupport {
  private static final String OVERDUE = "Sign-offs past follow-up (escalated)";
  @Autowired ApplicationContext context;
  @Autowired RepositoryService repository;
  @Autowired FilterService filters;

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static List<Path> files(String dir, String ext) throws IOException {
    try (Stream<Path> s = Files.list(Path.of(dir))) {
      return s.filter(p -> p.toString().endsWith(ext)).sorted().toList();
    }
  }

  @Test
  void everyDelegateExpressionNamesABeanOfTheRightKind() throws IOException {
    Pattern delegate =
        Pattern.compile(
            "<camunda:(taskListener|executionListener)?[^>]*?delegateExpression=\"\\$\\{(\\w+)}\"|camunda:delegateExpression=\"\\$\\{(\\w+)}\"");
    int checked = 0;
    for (Path model : files("bpmn", ".bpmn")) {
      Matcher m = delegate.matcher(read(model));
      while (m.find()) {
        String bean = m.group(2) != null ? m.group(2) : m.group(3);
        Class<?> expected =
            "taskListener".equals(m.group(1))
                ? TaskListener.class
                : "executionListener".equals(m.group(1))
                    ? ExecutionListener.class
                    : JavaDelegate.class;
        assertThat(context.getBean(bean))
            .as(model.getFileName() + ": " + bean)
            .isInstanceOf(expected);
        checked++;
      }
    }
    assertThat(checked).isGreaterThan(30);
  }

  @Test
  void everyFormRefHasADeployedFormAndEveryFormIsUsed() throws IOException {
    Pattern formRef = Pattern.compile("camunda:formRef=\"([\\w-]+)\"");
    List<String> refs =
        files("bpmn", ".bpmn").stream()
            .flatMap(p -> formRef.matcher(read(p)).results())
            .map(r -> r.group(1))
            .distinct()
            .sorted()
            .toList();
    List<String> forms =
        files("forms", ".form").stream()
            .map(p -> p.getFileName().toString().replace(".form", ""))
            .sorted()
            .toList();
    assertThat(refs).containsExactlyElementsOf(forms);
    for (Path form : files("forms", ".form")) {
      assertThat(read(form))
          .contains("\"id\": \"" + form.getFileName().toString().replace(".form", "") + "\"");
    }
    List<String> deployed =
        repository.createDeploymentQuery().list().stream()
            .flatMap(d -> repository.getDeploymentResourceNames(d.getId()).stream())
            .toList();
    for (String form : forms) {
      assertThat(deployed).anyMatch(name -> name.endsWith("forms/" + form + ".form"));
    }
  }

  @Test
  void aRestartWithUnchangedModelsDeploysNothingAndRepeatsNoSetUp() {
    long deployments = repository.createDeploymentQuery().count();
    long authorizations = engine.getAuthorizationService().createAuthorizationQuery().count();
    long filterCount = filters.createFilterQuery().count();
    // Command-line arguments, not builder properties: those are defaults that application*.yaml
    // overrides (the second node then ran on ./var/countersign-db, port 8080 and
    // ./var/evidence-signing.key).
    try (ConfigurableApplicationContext second =
        new SpringApplicationBuilder(CountersignApplication.class)
            .run(
                "--spring.datasource.url=jdbc:h2:mem:process-tests;DB_CLOSE_DELAY=-1;NON_KEYWORDS=VALUE",
                "--server.port=0",
                // The webapps keep static state for one application per JVM; the shared HTTP test
                // app owns it.
                "--camunda.bpm.webapp.enabled=false",
                "--camunda.bpm.job-execution.enabled=false",
                "--camunda.bpm.process-engine-name=second",
                "--countersign.backups.directory=" + ApiAppSupport.TEST_WORK + "/backups/second",
                "--countersign.evidence.signing.key-file=" + ApiAppSupport.EVIDENCE_KEY_FILE,
                "--countersign.evidence.checkpoints.file="
                    + ApiAppSupport.TEST_WORK
                    + "/evidence/second-${random.uuid}/checkpoints.jsonl",
                "--logging.level.root=WARN")) {
      assertThat(repository.createDeploymentQuery().count()).isEqualTo(deployments);
      assertThat(engine.getAuthorizationService().createAuthorizationQuery().count())
          .isEqualTo(authorizations);
      assertThat(filters.createFilterQuery().count()).isEqualTo(filterCount);
    }
  }

  @Test
  void eachApproverSeesOnlyTheFiltersOfTheirRole() {
    String id = submit(example("staging"));
    asUser(
        "tech-lead",
        () -> {
          List<Filter> visible = filters.createFilterQuery().listPage(0, 50);
          assertThat(visible)
              .extracting(Filter::getName)
              .containsExactlyInAnyOrder("Tech lead sign-offs", OVERDUE);
          visible =
              visible.stream().filter(f -> f.getName().equals("Tech lead sign-offs")).toList();
          assertThat(filters.listPage(visible.get(0).getId(), 0, 50)).hasSize(1);
          // Each row names its release: Tasklist shows these variables in the list.
          assertThat((List<?>) visible.get(0).getProperties().get("variables"))
              .extracting(v -> ((Map<?, ?>) v).get("name") + ":" + ((Map<?, ?>) v).get("label"))
              .containsExactly(
                  "application:Application",
                  "version:Version",
                  "environment:Environment",
                  "requester:Requested by");
        });
    asUser(
        "release-manager",
        () ->
            assertThat(filters.createFilterQuery().listPage(0, 50))
                .extracting(Filter::getName)
                .containsExactlyInAnyOrder("Overrides to decide", "Escalated sign-offs", OVERDUE));
    asUser(
        "ops-lead",
        () ->
            assertThat(filters.createFilterQuery().listPage(0, 50))
                .extracting(Filter::getName)
                .containsExactlyInAnyOrder(
                    "Operations lead sign-offs",
                    "Database restores to confirm",
                    "Inconclusive metrics to decide",
                    OVERDUE));
    asUser("requester", () -> assertThat(filters.createFilterQuery().listPage(0, 50)).isEmpty());
    assertThat(status(id)).isEqualTo("awaiting-sign-off");
  }

  /**
   * Stored queries hold no expressions (a filter cannot say "due before now"), so the filter of
   * overdue sign-offs selects what escalation marks, and its name and description say so. Every
   * role that signs, and release managers, see it; each sees the tasks its grants show.
   */
  @Test
  void theOverdueFilterSaysItListsSignOffsPastTheirFollowUpAndHoldsNoExpression() {
    Filter overdue = filters.createFilterQuery().filterName(OVERDUE).singleResult();
    assertThat(filters.createFilterQuery().filterName("Overdue").count()).isZero();
    assertThat(overdue.getProperties().get("description").toString())
        .contains("follow-up time", "escalation", "priority to " + EscalationPriority.VALUE);
    TaskQueryImpl query = (TaskQueryImpl) overdue.getQuery();
    assertThat(query.getKey()).isEqualTo("approveRelease");
    assertThat(query.getMinPriority()).isEqualTo(EscalationPriority.VALUE);
    assertThat(query.getExpressions()).isEmpty();
    for (String role : Groups.SIGN_OFF_ROLES) {
      assertThat(
              engine
                  .getAuthorizationService()
                  .createAuthorizationQuery()
                  .groupIdIn(role)
                  .resourceType(Resources.FILTER)
                  .resourceId(overdue.getId())
                  .count())
          .as(role)
          .isOne();
    }
    assertThat(
            ((ProcessEngineConfigurationImpl) engine.getProcessEngineConfiguration())
                .isEnableExpressionsInStoredQueries())
        .isFalse();
  }
}
