package io.countersign.models;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.camunda.bpm.engine.RepositoryService;
import org.camunda.bpm.engine.repository.DecisionDefinition;
import org.camunda.bpm.engine.repository.ProcessDefinition;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Component;

/**
 * Pins the model versions a release runs: at submission the latest version of each of Countersign's
 * processes and policy decisions is recorded for the release, and the release then calls and
 * evaluates exactly those versions, so a model deployed later applies to later releases only. The
 * evidence names each pinned model with the SHA-256 of the resource it came from.
 */
@Component
public class ModelVersions {
  public static final String RELEASE = "release";
  public static final String SIGN_OFF = "sign-off";
  public static final String DEPLOY = "deploy";
  static final List<String> PROCESSES = List.of(RELEASE, SIGN_OFF, DEPLOY);

  /** The decisions of release-policy.dmn, each pinned per release. */
  public static final List<String> DECISIONS =
      List.of(
          "requiredSignOffRoles",
          "requiredEvidence",
          "signOffDeadlines",
          "evidenceChecks",
          "promotion",
          "changeWindows");

  private final RepositoryService repository;
  private final JdbcTemplate jdbc;
  private final Map<String, String> resourceDigests = new ConcurrentHashMap<>();

  ModelVersions(RepositoryService repository, JdbcTemplate jdbc) {
    this.repository = repository;
    this.jdbc = jdbc;
  }

  public record Pinned(
      String key,
      String kind,
      String definitionId,
      int version,
      String deploymentId,
      String resourceName,
      String resourceSha256) {}

  /** Pins the latest versions for the release and returns them. */
  public List<Pinned> pin(String releaseId) {
    List<Pinned> pinned = new ArrayList<>();
    for (String key : PROCESSES) {
      ProcessDefinition d =
          repository
              .createProcessDefinitionQuery()
              .processDefinitionKey(key)
              .latestVersion()
              .singleResult();
      if (d == null) {
        throw new IllegalStateException("process model '" + key + "' is not deployed");
      }
      pinned.add(
          new Pinned(
              key,
              "bpmn",
              d.getId(),
              d.getVersion(),
              d.getDeploymentId(),
              d.getResourceName(),
              digest(d.getDeploymentId(), d.getResourceName())));
    }
    for (String key : DECISIONS) {
      DecisionDefinition d =
          repository
              .createDecisionDefinitionQuery()
              .decisionDefinitionKey(key)
              .latestVersion()
              .singleResult();
      if (d == null) {
        throw new IllegalStateException("decision '" + key + "' is not deployed");
      }
      pinned.add(
          new Pinned(
              key,
              "dmn",
              d.getId(),
              d.getVersion(),
              d.getDeploymentId(),
              d.getResourceName(),
              digest(d.getDeploymentId(), d.getResourceName())));
    }
    for (Pinned p : pinned) {
      jdbc.update(
          "INSERT INTO cs_release_model (release_id, model_key, kind, definition_id, version, deployment_id, "
              + "resource_name, resource_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
          releaseId,
          p.key(),
          p.kind(),
          p.definitionId(),
          p.version(),
          p.deploymentId(),
          p.resourceName(),
          p.resourceSha256());
    }
    return pinned;
  }

  /** The version of a model the release was submitted with. */
  public int version(String releaseId, String key) {
    List<Integer> versions =
        jdbc.queryForList(
            "SELECT version FROM cs_release_model WHERE release_id = ? AND model_key = ?",
            Integer.class,
            releaseId,
            key);
    if (versions.isEmpty()) {
      throw new IllegalStateException(
          "release " + releaseId + " has no pinned version of '" + key + "'");
    }
    return versions.get(0);
  }

  /** The definition id of a pinned model (to start or evaluate exactly that version). */
  public String definitionId(List<Pinned> pinned, String key) {
    return pinned.stream()
        .filter(p -> p.key().equals(key))
        .findFirst()
        .map(Pinned::definitionId)
        .orElseThrow();
  }

  // A deployed resource never changes, so its digest is computed once per deployment and resource.
  private String digest(String deploymentId, String resourceName) {
    return resourceDigests.computeIfAbsent(
        deploymentId + "/" + resourceName,
        k -> {
          try (InputStream in = repository.getResourceAsStream(deploymentId, resourceName)) {
            return HexFormat.of()
                .formatHex(MessageDigest.getInstance("SHA-256").digest(in.readAllBytes()));
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
          }
        });
  }
}
