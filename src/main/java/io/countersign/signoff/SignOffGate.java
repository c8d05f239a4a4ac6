package io.countersign.signoff;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.evidence.ChainVerification;
import io.countersign.evidence.EvidenceEntry;
import io.countersign.evidence.EvidenceLog;
import io.countersign.manifest.ReleaseManifest;
import io.countersign.process.IntegrityViolation;
import io.countersign.process.ManifestStore;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.camunda.bpm.engine.impl.util.ClockUtil;
import org.springframework.stereotype.Component;

/**
 * Decides, from the release's evidence chain and its stored manifest alone, whether deployment may
 * start: every role the policy required approved the stored digest, each by a different person who
 * is not the requester, with the evidence the policy required attached; or an emergency override of
 * that digest was approved by someone other than the requester, and its window has not passed.
 * Evidence entries are what Countersign itself recorded when each decision was taken, so rows added
 * to its tables behind its back, or variables changed on the way, do not count.
 */
@Component
public class SignOffGate {
  private final EvidenceLog evidence;

  SignOffGate(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  /** The gate passed: how, and which override request carried it (null for sign-offs). */
  public record Passed(String gate, String overrideRequestId, List<String> approvers) {}

  /** The gate did not pass for a reason the process models (the override's window passed). */
  public static final class Refused extends RuntimeException {
    Refused(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * @throws Refused when an approved override lapsed before deployment started
   * @throws IntegrityViolation when the records do not support deployment at all, although the
   *     process got here
   */
  public Passed check(ManifestStore.Signed signed) {
    String releaseId = signed.releaseId();
    List<EvidenceEntry> entries = verifiedEntries(releaseId);
    EvidenceEntry requested = first(entries, "release-requested", releaseId);
    if (!signed.sha256().equals(requested.payload().path("manifestSha256").asText())) {
      throw new IntegrityViolation(
          releaseId,
          "the release was requested with manifest "
              + requested.payload().path("manifestSha256").asText()
              + " but the stored manifest is "
              + signed.sha256());
    }
    String requester = requested.actor();
    JsonNode policy = first(entries, "policy-applied", releaseId).payload();

    List<String> problems = new ArrayList<>();
    List<String> approvers = signedOffBy(entries, policy, requester, signed.sha256(), problems);
    List<String> missing = missingEvidence(signed.manifest(), policy);
    if (!missing.isEmpty()) {
      problems.add("evidence required by the policy is missing: " + String.join(", ", missing));
    }
    // Its verdicts and the promotion, as signed: a release held there deploys only by an override.
    JsonNode checkpoint = null;
    for (EvidenceEntry e : entries) {
      if (e.type().equals("checkpoint-pre-deployment")) {
        checkpoint = e.payload();
      }
    }
    if (checkpoint != null
        && checkpoint.path("passed").isBoolean()
        && !checkpoint.path("passed").booleanValue()) {
      problems.add("the pre-deployment checkpoint did not pass");
    }
    if (problems.isEmpty()) {
      return new Passed("sign-off", null, approvers);
    }
    String overrideId = approvedOverride(entries, requester, signed.sha256(), problems);
    if (overrideId != null) {
      return new Passed("emergency-override", overrideId, List.of());
    }
    throw new IntegrityViolation(
        releaseId,
        "deployment was reached but its evidence does not support it: "
            + String.join("; ", problems));
  }

  /**
   * The request id of an emergency override that is in force for this digest (approved by someone
   * other than the requester, its window not passed), read from the verified evidence chain as the
   * gate reads it; empty when there is none. For checks that an override lifts (change windows).
   */
  public Optional<String> activeOverride(ManifestStore.Signed signed) {
    List<EvidenceEntry> entries = verifiedEntries(signed.releaseId());
    String requester = first(entries, "release-requested", signed.releaseId()).actor();
    try {
      return Optional.ofNullable(
          approvedOverride(entries, requester, signed.sha256(), new ArrayList<>()));
    } catch (Refused lapsed) {
      return Optional.empty();
    }
  }

  private List<EvidenceEntry> verifiedEntries(String releaseId) {
    ChainVerification chain = evidence.verify(releaseId);
    if (!chain.valid()) {
      throw new IntegrityViolation(
          releaseId, "its evidence does not verify: " + String.join("; ", chain.problems()));
    }
    return evidence.entries(releaseId);
  }

  private static List<String> signedOffBy(
      List<EvidenceEntry> entries,
      JsonNode policy,
      String requester,
      String digest,
      List<String> problems) {
    Map<String, EvidenceEntry> byRole = new HashMap<>();
    for (EvidenceEntry e : entries) {
      if (e.type().equals("sign-off")) {
        byRole.putIfAbsent(e.payload().path("role").asText(), e);
      }
    }
    List<String> approvers = new ArrayList<>();
    Set<String> people = new HashSet<>();
    for (JsonNode roleNode : policy.path("requiredRoles")) {
      String role = roleNode.asText();
      EvidenceEntry signOff = byRole.get(role);
      if (signOff == null || !"approve".equals(signOff.payload().path("decision").asText())) {
        problems.add("no approval for " + role);
      } else if (!digest.equals(signOff.payload().path("manifestSha256").asText())) {
        problems.add(
            role
                + " approved manifest "
                + signOff.payload().path("manifestSha256").asText()
                + ", not the stored "
                + digest);
      } else if (signOff.actor().equals(requester)) {
        problems.add(role + " was approved by the requester " + requester);
      } else if (!people.add(signOff.actor())) {
        problems.add(signOff.actor() + " approved more than one role");
      } else {
        approvers.add(signOff.actor());
      }
    }
    return approvers;
  }

  static List<String> missingEvidence(ReleaseManifest manifest, JsonNode policy) {
    Set<String> attached = new HashSet<>();
    manifest.evidence().stream()
        .filter(item -> item.sha256() != null)
        .forEach(item -> attached.add(item.type()));
    List<String> missing = new ArrayList<>();
    policy
        .path("requiredEvidence")
        .forEach(
            type -> {
              if (!attached.contains(type.asText())) {
                missing.add(type.asText());
              }
            });
    return missing;
  }

  /**
   * The id of the latest override request, if it was approved on this digest and is still in its
   * window.
   */
  private static String approvedOverride(
      List<EvidenceEntry> entries, String requester, String digest, List<String> problems) {
    EvidenceEntry request = null;
    EvidenceEntry decision = null;
    boolean lapsed = false;
    for (EvidenceEntry e : entries) {
      switch (e.type()) {
        case "override-requested" -> {
          request = e;
          decision = null;
          lapsed = false;
        }
        case "override-decision" -> {
          if (request != null
              && request
                  .payload()
                  .path("requestId")
                  .asText()
                  .equals(e.payload().path("requestId").asText())) {
            decision = e;
          }
        }
        case "override-lapsed" -> lapsed = request != null;
        default -> {}
      }
    }
    if (request == null
        || decision == null
        || !"approve".equals(decision.payload().path("decision").asText())) {
      return null;
    }
    String decider = decision.actor();
    if (decider.equals(requester) || decider.equals(request.actor())) {
      problems.add(
          "the override was approved by "
              + decider
              + ", who requested the release or the override");
      return null;
    }
    if (!digest.equals(decision.payload().path("manifestSha256").asText())) {
      problems.add(
          "the override was approved for manifest "
              + decision.payload().path("manifestSha256").asText());
      return null;
    }
    Duration window =
        "quick".equals(request.payload().path("kind").asText())
            ? Duration.ofMinutes(5)
            : Duration.ofHours(24);
    Instant now = ClockUtil.getCurrentTime().toInstant();
    if (lapsed || now.isAfter(decision.recordedAt().plus(window))) {
      throw new Refused(
          "The emergency override lapsed before deployment started; the release needs its evidence and "
              + "sign-offs");
    }
    return request.payload().path("requestId").asText();
  }

  private static EvidenceEntry first(List<EvidenceEntry> entries, String type, String releaseId) {
    return entries.stream()
        .filter(e -> e.type().equals(type))
        .findFirst()
        .orElseThrow(
            () -> new IntegrityViolation(releaseId, "its evidence has no '" + type + "' entry"));
  }
}
