package io.countersign.evidence;

import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.matchesPattern;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.SerializationFeature;
import io.countersign.identity.Groups;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;
import org.springframework.http.converter.json.MappingJackson2HttpMessageConverter;
import org.springframework.http.converter.json.ProblemDetailJacksonMixin;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

class EvidenceControllerTest {
  private static final UsernamePasswordAuthenticationToken ALICE =
      UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of());
  @TempDir Path dir;
  private EvidenceDatabase db;
  private EvidenceLog log;
  private MockMvc mvc;

  static UsernamePasswordAuthenticationToken user(String name, String... groups) {
    return UsernamePasswordAuthenticationToken.authenticated(
        name, null, java.util.Arrays.stream(groups).map(SimpleGrantedAuthority::new).toList());
  }

  /**
   * The controller as the application configures Jackson
   * (spring.jackson.serialization.write-dates-as-timestamps: false; problem properties at the top
   * level, as Spring Boot writes them).
   */
  static MockMvc mvc(EvidenceLog log, EvidenceSigner signer, EvidenceDatabase db) {
    var converter =
        new MappingJackson2HttpMessageConverter(
            Jackson2ObjectMapperBuilder.json()
                .featuresToDisable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
                .mixIn(ProblemDetail.class, ProblemDetailJacksonMixin.class)
                .build());
    return MockMvcBuilders.standaloneSetup(new EvidenceController(log, signer, db.jdbc))
        .setMessageConverters(converter)
        .build();
  }

  static void insertRelease(EvidenceDatabase db, String id, String requester) {
    db.jdbc.update(
        """
        INSERT INTO cs_release (id, application, version, environment, change_reference, status, requester,
          manifest_sha256, active, created_at, updated_at)
        VALUES (?, 'medication-tracker', '2.4.0', 'staging', 'CHG-1', 'RUNNING', ?, ?, FALSE,
          CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)""",
        id,
        requester,
        "a".repeat(64));
  }

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    EvidenceSigner signer = EvidenceDatabase.signer(dir);
    log =
        new EvidenceLog(
            db.jdbc,
            signer,
            new Checkpoints(
                signer,
                10,
                List.of(
                    new FileCheckpointSink(dir.resolve("checkpoints.jsonl"), signer.publicKey()))));
    mvc = mvc(log, signer, db);
    insertRelease(db, "rel-1", "alice");
  }

  @AfterEach
  void tearDown() {
    db.close();
  }

  @Test
  void exportsTheBundle() throws Exception {
    log.record("rel-1", "release-requested", "alice", Map.of("version", "2.4.0"));
    log.record("rel-1", "sign-off-recorded", "bob", Map.of("role", "qa-lead"));

    mvc.perform(get("/api/releases/rel-1/evidence").principal(ALICE))
        .andExpect(status().isOk())
        .andExpect(content().contentTypeCompatibleWith(MediaType.APPLICATION_JSON))
        .andExpect(jsonPath("$.releaseId").value("rel-1"))
        .andExpect(jsonPath("$.entries.length()").value(2))
        .andExpect(jsonPath("$.entries[1].seq").value(2))
        .andExpect(jsonPath("$.entries[1].payload.role").value("qa-lead"))
        .andExpect(jsonPath("$.entries[1].signature").value(matchesPattern("[A-Za-z0-9+/]{86}==")))
        .andExpect(
            jsonPath("$.entries[0].recordedAt")
                .value(matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z")))
        .andExpect(jsonPath("$.verification.valid").value(true))
        .andExpect(jsonPath("$.verification.checkpoint.count").value(1))
        .andExpect(jsonPath("$.signature.algorithm").value("Ed25519"));
  }

  @Test
  void verifiesTheChain() throws Exception {
    log.record("rel-1", "release-requested", "alice", Map.of());
    db.jdbc.update("UPDATE cs_evidence SET actor = 'mallory'");

    mvc.perform(get("/api/releases/rel-1/evidence/verify").principal(ALICE))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.valid").value(false))
        .andExpect(jsonPath("$.entries").value(1))
        .andExpect(
            jsonPath("$.problems[0]")
                .value("seq 1: hash mismatch (the entry was altered or moved)"));
  }

  @Test
  void aChainThatDoesNotVerifyIsNotExportedButReported() throws Exception {
    log.record("rel-1", "release-requested", "alice", Map.of());
    log.record("rel-1", "sign-off", "bob", Map.of("decision", "approve"));
    db.jdbc.update("UPDATE cs_evidence SET actor = 'mallory' WHERE seq = 2");

    mvc.perform(get("/api/releases/rel-1/evidence").principal(ALICE))
        .andExpect(status().isConflict())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.status").value(409))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/evidence-invalid"))
        .andExpect(jsonPath("$.title").value("Evidence does not verify"))
        .andExpect(
            jsonPath(
                "$.problems", contains("seq 2: hash mismatch (the entry was altered or moved)")))
        .andExpect(jsonPath("$.signature").doesNotExist());
  }

  @Test
  void unknownReleaseIsProblem404() throws Exception {
    for (String path :
        new String[] {"/api/releases/rel-404/evidence", "/api/releases/rel-404/evidence/verify"}) {
      mvc.perform(get(path).principal(ALICE).accept(MediaType.APPLICATION_JSON))
          .andExpect(status().isNotFound())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.status").value(404))
          .andExpect(jsonPath("$.title").value("Release not found"))
          .andExpect(jsonPath("$.detail").value("No release with id 'rel-404'"));
    }
  }

  @Test
  void theInstallationCheckIsForAdminsAndComplianceOfficers() throws Exception {
    log.record("rel-1", "release-requested", "alice", Map.of());
    for (var reader :
        List.of(user("admin", Groups.ADMINS), user("carol", Groups.COMPLIANCE_OFFICERS))) {
      mvc.perform(get("/api/evidence/verify").principal(reader))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.valid").value(true))
          // rel-1, and the chain of evidence reads that this very check was recorded in first.
          .andExpect(jsonPath("$.chains").value(2))
          .andExpect(jsonPath("$.problems.evidence-access").doesNotExist());
    }
    for (var other :
        List.of(
            ALICE,
            user("tess", Groups.TECH_LEADS),
            user("paul", Groups.PROCESS_ADMINS),
            user("rita", Groups.RELEASE_MANAGERS))) {
      mvc.perform(get("/api/evidence/verify").principal(other))
          .andExpect(status().isForbidden())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON));
    }
  }

  @Test
  void aReleaseWithoutAnyEvidenceIsReported() throws Exception {
    insertRelease(db, "rel-2", "alice");
    mvc.perform(get("/api/evidence/verify").principal(user("admin", Groups.ADMINS)))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.valid").value(false))
        .andExpect(
            jsonPath("$.problems.rel-2[0]")
                .value(startsWith("no evidence entries, although the release exists")));
  }

  @Test
  void theModelsChainIsReadByAdminsProcessAdminsAndComplianceOfficers() throws Exception {
    log.record(
        EvidenceLog.MODELS_CHAIN, "model-deployed", "paul", Map.of("resource", "release.bpmn"));
    for (var reader :
        List.of(
            user("admin", Groups.ADMINS),
            user("paul", Groups.PROCESS_ADMINS),
            user("carol", Groups.COMPLIANCE_OFFICERS))) {
      mvc.perform(get("/api/evidence/chains/models").principal(reader))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.releaseId").value("models"))
          .andExpect(jsonPath("$.entries[0].type").value("model-deployed"))
          .andExpect(
              jsonPath("$.signature.signedContent")
                  .value(startsWith("countersign-evidence-v1\nmodels\n")));
      mvc.perform(get("/api/evidence/chains/models/verify").principal(reader))
          .andExpect(status().isOk())
          .andExpect(jsonPath("$.valid").value(true))
          .andExpect(jsonPath("$.entries").value(1));
    }
    for (var other :
        List.of(ALICE, user("tess", Groups.TECH_LEADS), user("rita", Groups.RELEASE_MANAGERS))) {
      mvc.perform(get("/api/evidence/chains/models").principal(other))
          .andExpect(status().isForbidden());
      mvc.perform(get("/api/evidence/chains/models/verify").principal(other))
          .andExpect(status().isForbidden());
    }
    // Release chains are not reachable this way (their access rules are the release's).
    mvc.perform(get("/api/evidence/chains/rel-1").principal(user("admin", Groups.ADMINS)))
        .andExpect(status().isNotFound())
        .andExpect(jsonPath("$.title").value("Evidence chain not found"));
    // The installation check includes the models chain (and the evidence reads').
    mvc.perform(get("/api/evidence/verify").principal(user("admin", Groups.ADMINS)))
        .andExpect(jsonPath("$.chains").value(3))
        .andExpect(jsonPath("$.problems.models").doesNotExist())
        .andExpect(jsonPath("$.problems.rel-1[0]").value(startsWith("no evidence entries")));
    // A broken models chain is refused like a release's.
    db.jdbc.update("UPDATE cs_evidence SET actor = 'mallory' WHERE release_id = 'models'");
    mvc.perform(get("/api/evidence/chains/models").principal(user("admin", Groups.ADMINS)))
        .andExpect(status().isConflict())
        .andExpect(jsonPath("$.problems", hasItem(startsWith("seq 1: hash mismatch"))));
  }
}
