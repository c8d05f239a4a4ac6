package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.manifest.CanonicalJson;
import io.countersign.process.IntegrityViolation;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.camunda.bpm.engine.runtime.Incident;
import org.camunda.bpm.engine.runtime.Job;
import org.camunda.spin.Spin;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * What deploys is exactly the manifest digest that distinct people signed. Each test changes what a
 * release rests on behind Countersign's back — the process variables (as engine REST could before),
 * the stored manifest or Countersign's tables (as someone with the database's credentials could) —
 * and checks that the release either deploys what was signed or stops before any change, with an
 * incident and evidence.
 */
class SignedReleaseTest extends ProcessTestSupport {
  @Autowired ReleaseActions actions;

  private static final String ORIGINAL_IMAGE =
      "registry.medication.example/medication/backend:2.4.0";

  private String digest(String id) {
    return jdbc.queryForObject(
            "SELECT manifest_sha256 FROM cs_release WHERE id = ?", String.class, id)
        .trim();
  }

  private List<Incident> incidents(String id) {
    return runtime.createIncidentQuery().list().stream()
        .filter(
            i ->
                id.equals(
                    runtime
                        .createProcessInstanceQuery()
                        .processInstanceId(i.getProcessInstanceId())
                        .singleResult()
                        .getBusinessKey()))
        .toList();
  }

  private void assertStoppedBeforeAnyChange(String id, String because) {
    List<Incident> incidents = incidents(id);
    assertThat(incidents).hasSize(1);
    assertThat(incidents.get(0).getIncidentMessage())
        .contains("Integrity violation")
        .contains(because);
    Job job = management.createJobQuery().jobId(incidents.get(0).getConfiguration()).singleResult();
    assertThat(job.getRetries()).as("no retry: the first failure is final").isZero();
    List<String> types = evidenceTypes(id);
    assertThat(types).contains("integrity-violation");
    assertThat(types)
        .doesNotContain(
            "database-backed-up", "database-migrated", "kubernetes-rollout", "lambda-deployed");
    assertThat(targetTables()).as("the target database was not migrated").isEmpty();
  }

  @Test
  void theStoredManifestIsStoredCanonicallyWithTheDigestTheSignOffsName() {
    String id = submit(example("staging"));
    String stored =
        jdbc.queryForObject(
            "SELECT canonical_json FROM cs_manifest WHERE release_id = ?", String.class, id);
    assertThat(CanonicalJson.sha256(stored)).isEqualTo(digest(id));
    assertThat(runtime.getVariable(instance("release", id).getId(), "manifestSha256"))
        .isEqualTo(digest(id));

    approveAll(id);
    assertThat(
            jdbc.queryForList(
                "SELECT manifest_sha256 FROM cs_sign_off WHERE release_id = ?", String.class, id))
        .hasSize(2)
        .allSatisfy(d -> assertThat(d.trim()).isEqualTo(digest(id)));
    List<EvidenceEntry> signOffs =
        evidence.entries(id).stream().filter(e -> e.type().equals("sign-off")).toList();
    assertThat(signOffs)
        .hasSize(2)
        .allSatisfy(
            e -> assertThat(e.payload().path("manifestSha256").asText()).isEqualTo(digest(id)));
    EvidenceEntry started =
        evidence.entries(id).stream()
            .filter(e -> e.type().equals("deployment-started"))
            .findFirst()
            .orElseThrow();
    assertThat(started.payload().path("manifestSha256").asText()).isEqualTo(digest(id));
    assertThat(started.payload().path("approvers").toString()).contains("tech-lead", "qa-lead");
  }

  @Test
  void aChangedManifestVariableDoesNotChangeWhatDeploys() {
    String id = submit(example("staging"));
    String instance = instance("release", id).getId();
    // The variable is a cache for forms; rewrite it (engine REST refuses this now; an internal call
    // cannot be refused).
    ObjectNode changed = example("staging");
    ((ObjectNode) changed.at("/kubernetes/workloads/0/containers/0"))
        .put("image", "registry.example/attacker:latest");
    runtime.setVariable(instance, "manifest", Spin.JSON(changed.toString()));
    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    EvidenceEntry rollout =
        evidence.entries(id).stream()
            .filter(
                e ->
                    e.type().equals("kubernetes-rollout")
                        && e.payload().path("workload").asText().endsWith("backend"))
            .findFirst()
            .orElseThrow();
    assertThat(rollout.payload().path("images").path("api").asText()).isEqualTo(ORIGINAL_IMAGE);
  }

  private void rewriteStoredManifest(String id) {
    // Someone with the database's credentials rewrites the stored manifest, digest columns left
    // alone.
    jdbc.update(
        "UPDATE cs_manifest SET canonical_json = REPLACE(canonical_json, 'backend:2.4.0', 'attacker:1') "
            + "WHERE release_id = ?",
        id);
  }

  @Test
  void aManifestRewrittenInTheDatabaseCannotBeSignedOff() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    rewriteStoredManifest(id);
    assertThatThrownBy(() -> approve(id, "qa-leads"))
        .isInstanceOf(IntegrityViolation.class)
        .hasMessageContaining("SHA-256");
    assertThat(openTasks(id, "approveRelease")).hasSize(1);
    assertThat(
            jdbc.queryForObject(
                "SELECT COUNT(*) FROM cs_sign_off WHERE release_id = ?", Integer.class, id))
        .isOne();
  }

  @Test
  void aManifestRewrittenAfterTheSignOffsStopsTheReleaseAtTheGate() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    approve(id, "qa-leads");
    rewriteStoredManifest(id);
    runJobs();

    assertStoppedBeforeAnyChange(id, "SHA-256");
    assertThat(instance("deploy", id)).isNull();
  }

  @Test
  void aManifestRewrittenWithItsDigestsStillDoesNotMatchWhatWasRequestedAndSigned() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    approve(id, "qa-leads");
    String forged =
        jdbc.queryForObject(
                "SELECT canonical_json FROM cs_manifest WHERE release_id = ?", String.class, id)
            .replace("backend:2.4.0", "attacker:1");
    String forgedDigest = CanonicalJson.sha256(forged);
    // Consistent everywhere in the tables: manifest, its digest, the release's digest and the
    // sign-offs'.
    jdbc.update(
        "UPDATE cs_manifest SET canonical_json = ?, sha256 = ? WHERE release_id = ?",
        forged,
        forgedDigest,
        id);
    jdbc.update("UPDATE cs_release SET manifest_sha256 = ? WHERE id = ?", forgedDigest, id);
    jdbc.update(
        "UPDATE cs_sign_off SET manifest_sha256 = ? WHERE release_id = ?", forgedDigest, id);
    runJobs();

    assertStoppedBeforeAnyChange(
        id,
        "requested with manifest "
            + CanonicalJson.sha256(forged.replace("attacker:1", "backend:2.4.0")));
  }

  @Test
  void signOffRowsAddedToTheTablesDoNotOpenTheGate() {
    String id = submit(example("staging"));
    approve(id, "tech-leads");
    jdbc.update(
        "INSERT INTO cs_sign_off (release_id, role, user_id, decision, decided_at, task_id, manifest_sha256) "
            + "VALUES (?, 'qa-leads', 'qa-lead', 'approve', CURRENT_TIMESTAMP, 'forged', ?)",
        id,
        digest(id));
    // Push the release to the gate by an internal modification, as a tampered process could.
    String approval =
        runtime
            .createProcessInstanceQuery()
            .processInstanceBusinessKey(id)
            .processDefinitionKey("release")
            .singleResult()
            .getId();
    runtime
        .createProcessInstanceModification(approval)
        .startBeforeActivity("startDeployment")
        .execute();
    runJobs();

    assertStoppedBeforeAnyChange(id, "no approval for qa-leads");
  }

  @Test
  void aDeploymentStartedWithoutTheGateChangesNothing() {
    String id = submit(example("staging"));
    // An authorization row without the gate's evidence entry, then the deploy process started
    // directly.
    jdbc.update(
        "INSERT INTO cs_deploy_authorization (release_id, manifest_sha256, gate, authorized_at) "
            + "VALUES (?, ?, 'sign-off', CURRENT_TIMESTAMP)",
        id,
        digest(id));
    runtime.startProcessInstanceByKey(
        "deploy",
        id,
        Map.of(
            "releaseId",
            id,
            "manifest",
            Spin.JSON(
                jdbc.queryForObject(
                    "SELECT canonical_json FROM cs_manifest WHERE release_id = ?",
                    String.class,
                    id)),
            "lambdaFunctions",
            List.of(),
            "k8sWorkloads",
            List.of(),
            "kubernetesTimeout",
            "PT10M",
            "rollbackWindow",
            "P7D"));
    runJobs();

    assertStoppedBeforeAnyChange(id, "no deployment authorization");
  }

  @Test
  void rollbackStepsReadTheStoredManifestAndStopWhenItChanged() {
    String id = submit(example("staging"));
    approveAll(id);
    assertThat(status(id)).isEqualTo("released");
    rewriteStoredManifest(id);
    actions.rollback(id, "Drill", "ops-lead", Set.of("operations-leads"));
    runJobs();

    List<Incident> incidents = incidents(id);
    assertThat(incidents).isNotEmpty();
    assertThat(incidents.get(0).getIncidentMessage()).contains("Integrity violation");
    assertThat(evidenceTypes(id))
        .contains("integrity-violation")
        .doesNotContain("kubernetes-undone");
  }
}
