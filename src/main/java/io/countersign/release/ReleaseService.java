package io.countersign.release;

import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.CanonicalJson;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.models.ModelVersions;
import io.countersign.process.ManifestStore;
import io.countersign.process.TargetRegistry;
import io.countersign.process.Variables;
import java.security.SecureRandom;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.camunda.bpm.engine.RuntimeService;
import org.camunda.bpm.engine.runtime.ProcessInstance;
import org.camunda.spin.Spin;
import org.slf4j.MDC;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * Starts releases and records the request; one transaction with the engine, so nothing half-starts.
 * The manifest is stored once in canonical form with its digest, and the release is pinned to the
 * model versions current at submission; the process is started here and nowhere else (engine REST
 * refuses it).
 */
@Service
public class ReleaseService {
  private static final String ID_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789";
  private final RuntimeService runtime;
  private final ReleaseRepository releases;
  private final EvidenceLog evidence;
  private final ManifestStore manifests;
  private final ModelVersions models;
  private final TargetRegistry targets;
  private final String rollbackWindow;
  private final SecureRandom random = new SecureRandom();

  ReleaseService(
      RuntimeService runtime,
      ReleaseRepository releases,
      EvidenceLog evidence,
      ManifestStore manifests,
      ModelVersions models,
      TargetRegistry targets,
      @Value("${countersign.rollback-window:P7D}") String rollbackWindow) {
    this.runtime = runtime;
    this.targets = targets;
    this.releases = releases;
    this.evidence = evidence;
    this.models = models;
    this.rollbackWindow = rollbackWindow;
    this.manifests = manifests;
  }

  public record Submitted(ReleaseRepository.ReleaseRow release, boolean created) {}

  /**
   * The release this submission repeats: same idempotency key of the requester, or same active
   * release.
   */
  Optional<Submitted> existing(ReleaseManifest manifest, String requester, String idempotencyKey) {
    if (idempotencyKey != null) {
      Optional<ReleaseRepository.ReleaseRow> earlier =
          releases.findByIdempotencyKey(requester, idempotencyKey);
      if (earlier.isPresent()) {
        return Optional.of(new Submitted(earlier.get(), false));
      }
    }
    return releases
        .findActive(manifest.application(), manifest.version(), manifest.environment())
        .map(row -> new Submitted(row, false));
  }

  @Transactional
  public Submitted submit(ReleaseManifest manifest, String requester, String idempotencyKey) {
    Optional<Submitted> repeated = existing(manifest, requester, idempotencyKey);
    if (repeated.isPresent()) {
      return repeated.get();
    }
    String json;
    try {
      json = ManifestStore.canonical(manifest);
    } catch (IllegalArgumentException e) {
      // Only text RFC 8785 cannot write (an unpaired surrogate) gets here; its message starts with
      // the path.
      int colon = e.getMessage().indexOf(':');
      throw new InvalidManifestException(
          List.of(
              new FieldErrors.FieldError(
                  e.getMessage().substring(0, colon), e.getMessage().substring(colon + 1).trim())));
    }
    String sha256 = CanonicalJson.sha256(json);
    String id = newId();
    // The rest of the request logs for this release (ReleaseLogContext removes it at the end).
    MDC.put(ReleaseLogContext.KEY, id);
    Instant now = Instant.now();
    releases.insert(
        new ReleaseRepository.ReleaseRow(
            id,
            manifest.application(),
            manifest.version(),
            manifest.environment(),
            manifest.changeReference(),
            "requested",
            null,
            requester,
            null,
            sha256,
            true,
            now,
            now),
        idempotencyKey);
    manifests.store(id, json, sha256);
    List<ModelVersions.Pinned> pinned = models.pin(id);
    Map<String, Object> request = new LinkedHashMap<>();
    request.put("manifestSha256", sha256);
    request.put("canonicalization", ManifestStore.CANONICALIZATION);
    request.put("manifest", Spin.JSON(json).mapTo(Map.class));
    request.put("idempotencyKey", idempotencyKey);
    request.put("models", pinned);
    evidence.record(id, "release-requested", requester, request);
    Map<String, Object> variables = startVariables(id, manifest, json, requester);
    variables.put(Variables.MANIFEST_SHA256, sha256);
    variables.put(Variables.SIGN_OFF_VERSION, models.version(id, ModelVersions.SIGN_OFF));
    variables.put(Variables.DEPLOY_VERSION, models.version(id, ModelVersions.DEPLOY));
    ProcessInstance instance =
        runtime.startProcessInstanceById(
            models.definitionId(pinned, ModelVersions.RELEASE), id, variables);
    releases.setProcessInstance(id, instance.getProcessInstanceId());
    return new Submitted(releases.find(id).orElseThrow(), true);
  }

  private Map<String, Object> startVariables(
      String id, ReleaseManifest m, String json, String requester) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put(Variables.RELEASE_ID, id);
    v.put(Variables.MANIFEST, Spin.JSON(json));
    v.put(Variables.APPLICATION, m.application());
    v.put(Variables.VERSION, m.version());
    v.put(Variables.ENVIRONMENT, m.environment());
    v.put(Variables.CHANGE_REFERENCE, m.changeReference());
    v.put(Variables.SUMMARY, m.summary() == null ? "" : m.summary());
    v.put(Variables.REQUESTER, requester);
    v.put(
        Variables.RUNNING_VERSION,
        releases
            .lastReleased(m.application(), m.environment())
            .map(r -> r.version() + " (" + r.id() + ")")
            .orElse("none released by Countersign yet"));
    v.put(Variables.PLANNED_STEPS, plannedSteps(m));
    v.put(Variables.ROLLBACK_PLAN, rollbackPlan(m));
    // Each target's flags, multi-instance lists and failure flags.
    v.putAll(targets.startVariables(m));
    v.put(Variables.ROLLBACK_WINDOW, rollbackWindow);
    v.put(Variables.OVERRIDE_ACTIVE, false);
    v.put(Variables.DEPLOYMENT_STARTED, false);
    return v;
  }

  String plannedSteps(ReleaseManifest m) {
    List<String> lines = new ArrayList<>(targets.plannedSteps(m));
    if (m.drill() != null) {
      lines.add("ROLLBACK DRILL: step " + m.drill().failAt() + " will fail on purpose");
    }
    return numbered(lines);
  }

  /** What Countersign undoes, in order, if the release fails or is rolled back. */
  String rollbackPlan(ReleaseManifest m) {
    List<String> lines = targets.rollbackPlan(m);
    return lines.isEmpty() ? "Nothing to undo: the release changes no target" : numbered(lines);
  }

  private static String numbered(List<String> lines) {
    StringBuilder s = new StringBuilder();
    for (int i = 0; i < lines.size(); i++) {
      s.append(i + 1).append(". ").append(lines.get(i)).append('\n');
    }
    return s.toString().trim();
  }

  private String newId() {
    StringBuilder suffix = new StringBuilder();
    for (int i = 0; i < 6; i++) {
      suffix.append(ID_ALPHABET.charAt(random.nextInt(ID_ALPHABET.length())));
    }
    return "rel-"
        + LocalDate.now(ZoneOffset.UTC).format(DateTimeFormatter.BASIC_ISO_DATE)
        + "-"
        + suffix;
  }
}
