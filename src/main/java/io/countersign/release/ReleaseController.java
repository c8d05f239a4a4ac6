package io.countersign.release;

import io.countersign.manifest.CanonicalJson;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestReader;
import io.countersign.manifest.PayloadTooLargeException;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.manifest.ReleaseManifest.EvidenceItem;
import io.countersign.process.ManifestStore;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.io.IOException;
import java.net.URI;
import java.security.Principal;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.camunda.bpm.engine.OptimisticLockingException;
import org.springframework.dao.DuplicateKeyException;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.Authentication;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RequestParam;
import org.springframework.web.bind.annotation.RestController;

/**
 * Countersign's REST API for requesters and pipelines, and the same endpoints for the release
 * console under {@code /console/api} (its own security chain: a session from the login page, CSRF
 * tokens). Approvers sign in Tasklist, not here.
 */
@RestController
@RequestMapping({"/api/releases", "/console/api/releases"})
class ReleaseController {
  /** Tries of a request that met a concurrent change of its release (see retried). */
  private static final int CONCURRENT_ATTEMPTS = 3;

  private final ManifestReader reader;
  private final ReleaseService service;
  private final ReleaseActions actions;
  private final ReleaseViews views;
  private final ManifestStore manifests;
  private final ReleaseRepository releases;
  private final ReleaseDiff diff;
  private final ReleaseDiagrams diagrams;

  ReleaseController(
      ManifestReader reader,
      ReleaseService service,
      ReleaseActions actions,
      ReleaseViews views,
      ManifestStore manifests,
      ReleaseRepository releases,
      ReleaseDiff diff,
      ReleaseDiagrams diagrams) {
    this.reader = reader;
    this.service = service;
    this.actions = actions;
    this.views = views;
    this.manifests = manifests;
    this.releases = releases;
    this.diff = diff;
    this.diagrams = diagrams;
  }

  @PostMapping
  ResponseEntity<?> submit(
      HttpServletRequest request,
      Authentication user,
      @RequestHeader(value = "Idempotency-Key", required = false) String idempotencyKey)
      throws IOException {
    if (!Access.isRequester(user)) {
      return problem(
          HttpStatus.FORBIDDEN,
          "Not a release requester",
          user.getName() + " is not in group release-requesters");
    }
    if (request.getContentLengthLong() > ManifestReader.MAX_BYTES) {
      throw new PayloadTooLargeException(ManifestReader.MAX_BYTES);
    }
    byte[] body = ManifestReader.readBody(request.getInputStream());
    MediaType type =
        request.getContentType() == null ? null : ContentTypeCheck.parse(request.getContentType());
    if (idempotencyKey != null && (idempotencyKey.isBlank() || idempotencyKey.length() > 128)) {
      throw InvalidManifestException.ofRequest(
          "$.headers.Idempotency-Key", "must be 1-128 characters");
    }
    ReleaseManifest manifest = reader.read(body, type);
    ReleaseService.Submitted submitted;
    try {
      submitted = service.submit(manifest, user.getName(), idempotencyKey);
    } catch (DuplicateKeyException raced) {
      // The same release (or idempotency key) was submitted at the same moment: answer with that
      // one.
      submitted =
          service.existing(manifest, user.getName(), idempotencyKey).orElseThrow(() -> raced);
    }
    Map<String, Object> result =
        Map.of(
            "id",
            submitted.release().id(),
            "status",
            submitted.release().status(),
            "created",
            submitted.created());
    URI location = URI.create("/api/releases/" + submitted.release().id());
    return submitted.created()
        ? ResponseEntity.created(location).body(result)
        : ResponseEntity.ok().location(location).body(result);
  }

  @GetMapping("/{id}")
  ResponseEntity<?> get(@PathVariable String id, Authentication user) {
    return readable(
        id,
        user,
        release -> {
          ReleaseViews.Detail detail = views.detail(release);
          return ResponseEntity.ok(
              detail.withActions(
                  ReleaseActions.allowed(
                      detail.requester(), detail.status(), user.getName(), Access.groups(user))));
        });
  }

  /**
   * The manifest exactly as stored and signed: its RFC 8785 canonical text, whose SHA-256 is the
   * digest the sign-offs name ({@code sha256sum} of this body), so a pipeline or an auditor can
   * check it independently.
   */
  @GetMapping("/{id}/manifest")
  ResponseEntity<?> manifest(@PathVariable String id, Authentication user) {
    return readable(
        id,
        user,
        release -> {
          String canonical = manifests.canonicalText(id);
          String digest = CanonicalJson.sha256(canonical);
          return ResponseEntity.ok()
              .contentType(MediaType.APPLICATION_JSON)
              .header(
                  "Repr-Digest",
                  "sha-256=:"
                      + java.util.Base64.getEncoder()
                          .encodeToString(java.util.HexFormat.of().parseHex(digest))
                      + ":")
              .header("X-Manifest-SHA256", digest)
              .body(canonical.getBytes(java.nio.charset.StandardCharsets.UTF_8));
        });
  }

  /**
   * What this release changes against the release that was running in its environment when it was
   * submitted (its signed manifest against that one's).
   */
  @GetMapping("/{id}/diff")
  ResponseEntity<?> diff(@PathVariable String id, Authentication user) {
    return readable(id, user, release -> ResponseEntity.ok(diff.of(release)));
  }

  /** The release's process instances with their models and the state of each element that ran. */
  @GetMapping("/{id}/diagram")
  ResponseEntity<?> diagram(@PathVariable String id, Authentication user) {
    return readable(
        id, user, release -> ResponseEntity.ok(Map.of("processes", diagrams.of(release.id()))));
  }

  private ResponseEntity<?> readable(
      String id,
      Authentication user,
      java.util.function.Function<ReleaseRepository.ReleaseRow, ResponseEntity<?>> view) {
    return releases
        .find(id)
        .<ResponseEntity<?>>map(
            release ->
                Access.readsAll(user) || release.requester().equals(user.getName())
                    ? view.apply(release)
                    : problem(
                        HttpStatus.FORBIDDEN,
                        "Not allowed",
                        user.getName() + " may read only their own releases"))
        .orElseGet(() -> notFound(id));
  }

  private static ResponseEntity<ProblemDetail> notFound(String id) {
    return problem(HttpStatus.NOT_FOUND, "Release not found", "No release with id '" + id + "'");
  }

  @GetMapping
  ReleaseViews.PageView list(
      @RequestParam(required = false) String application,
      @RequestParam(required = false) String environment,
      @RequestParam(required = false) String status,
      @RequestParam(defaultValue = "0") int page,
      @RequestParam(defaultValue = "20") int size,
      Authentication user) {
    if (page < 0 || size < 1 || size > 100) {
      throw InvalidManifestException.ofRequest(
          page < 0 ? "$.query.page" : "$.query.size",
          page < 0 ? "must be 0 or more" : "must be between 1 and 100");
    }
    return views.page(
        application,
        environment,
        status,
        Access.readsAll(user) ? null : user.getName(),
        page,
        size);
  }

  record ReasonRequest(@NotBlank @Size(max = 2000) String reason) {}

  /** Evidence the policy requires once deployed, in the manifest's evidence item shape. */
  record PostedEvidenceRequest(
      @NotNull @Size(min = 1, max = 20) List<@NotNull @Valid EvidenceItem> evidence) {}

  record OverrideRequest(
      @NotNull
          @Pattern(
              regexp = "quick|extended",
              message = "must be quick (5 minutes) or extended (24 hours)")
          String kind,
      @NotBlank @Size(max = 2000) String reason,
      @NotBlank @Size(max = 128) String incidentReference) {}

  @PostMapping("/{id}/cancel")
  ResponseEntity<?> cancel(
      @PathVariable String id, @Valid @RequestBody ReasonRequest body, Authentication user) {
    return outcome(
        retried(() -> actions.cancel(id, body.reason(), user.getName(), Access.groups(user))));
  }

  @PostMapping("/{id}/rollback")
  ResponseEntity<?> rollback(
      @PathVariable String id, @Valid @RequestBody ReasonRequest body, Authentication user) {
    return outcome(
        retried(() -> actions.rollback(id, body.reason(), user.getName(), Access.groups(user))));
  }

  @PostMapping("/{id}/post-deployment-evidence")
  ResponseEntity<?> postDeploymentEvidence(
      @PathVariable String id, @Valid @RequestBody PostedEvidenceRequest body, Principal user) {
    return outcome(
        retried(() -> actions.postDeploymentEvidence(id, body.evidence(), user.getName())));
  }

  @PostMapping("/{id}/override")
  ResponseEntity<?> override(
      @PathVariable String id, @Valid @RequestBody OverrideRequest body, Principal user) {
    return outcome(
        retried(
            () ->
                actions.override(
                    id, body.kind(), body.reason(), body.incidentReference(), user.getName())));
  }

  /**
   * Runs a request on a release again, in a new transaction, when one of the release's own steps
   * changed it at the same moment (a cancel right after the submission meets the evidence check's
   * job): the engine refuses the loser with an optimistic-locking failure and asks for exactly
   * this. Each attempt decides afresh, so a request that no longer applies gets its 409.
   */
  private static ReleaseActions.Outcome retried(Supplier<ReleaseActions.Outcome> request) {
    for (int attempt = 1; ; attempt++) {
      try {
        return request.get();
      } catch (OptimisticLockingException concurrent) {
        if (attempt == CONCURRENT_ATTEMPTS) {
          throw concurrent;
        }
      }
    }
  }

  private ResponseEntity<?> outcome(ReleaseActions.Outcome outcome) {
    return switch (outcome.kind()) {
      case ACCEPTED ->
          ResponseEntity.accepted()
              .body(Map.of("id", outcome.releaseId(), "message", outcome.message()));
      case NOT_FOUND -> problem(HttpStatus.NOT_FOUND, "Release not found", outcome.message());
      case FORBIDDEN -> problem(HttpStatus.FORBIDDEN, "Not allowed", outcome.message());
      case CONFLICT ->
          problem(
              HttpStatus.CONFLICT,
              "Not possible in the release's current state",
              outcome.message());
    };
  }

  @ExceptionHandler(ReleaseActions.ConflictException.class)
  ResponseEntity<ProblemDetail> conflict(ReleaseActions.ConflictException e) {
    return problem(
        HttpStatus.CONFLICT, "Not possible in the release's current state", e.getMessage());
  }

  static ResponseEntity<ProblemDetail> problem(HttpStatus status, String title, String detail) {
    ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
    body.setTitle(title);
    body.setType(
        URI.create(ProblemResponses.TYPES + title.toLowerCase().replaceAll("[^a-z]+", "-")));
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
  }
}
