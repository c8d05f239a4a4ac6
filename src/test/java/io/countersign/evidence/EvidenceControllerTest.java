package io.countersign.evidence;

import static org.hamcrest.Matchers.matchesPattern;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import com.fasterxml.jackson.databind.SerializationFeature;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.http.converter.json.Jackson2ObjectMapperBuilder;
import org.springframework.http.converter.json.MappingJackson2HttpMessageConverter;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;

class EvidenceControllerTest {
  private static final UsernamePasswordAuthenticationToken ALICE =
      UsernamePasswordAuthenticationToken.authenticated("alice", null, List.of());
  private EvidenceDatabase db;
  private EvidenceLog log;
  private MockMvc mvc;

  @BeforeEach
  void setUp() {
    db = new EvidenceDatabase();
    log = new EvidenceLog(db.jdbc);
    // As the application configures Jackson (spring.jackson.serialization.write-dates-as-timestamps: false).
    var converter = new MappingJackson2HttpMessageConverter(
        Jackson2ObjectMapperBuilder.json().featuresToDisable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS).build());
    mvc = MockMvcBuilders.standaloneSetup(new EvidenceController(log, new EvidenceSigner("", "", "target/test-keys/evidence-controller.key"), db.jdbc)).setMessageConverters(converter).build();
    db.jdbc.update("""
        INSERT INTO cs_release (id, application, version, environment, change_reference, status, requester,
          manifest_sha256, active, created_at, updated_at)
        VALUES ('rel-1', 'medication-tracker', '2.4.0', 'staging', 'CHG-1', 'RUNNING', 'alice', ?, TRUE,
          CURRENT_TIMESTAMP, CURRENT_TIMESTAMP)""", "a".repeat(64));
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
        .andExpect(jsonPath("$.entries[0].recordedAt").value(matchesPattern("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d{1,3})?Z")))
        .andExpect(jsonPath("$.verification.valid").value(true));
  }

  @Test
  void verifiesTheChain() throws Exception {
    log.record("rel-1", "release-requested", "alice", Map.of());
    db.jdbc.update("UPDATE cs_evidence SET actor = 'mallory'");

    mvc.perform(get("/api/releases/rel-1/evidence/verify").principal(ALICE))
        .andExpect(status().isOk())
        .andExpect(jsonPath("$.valid").value(false))
        .andExpect(jsonPath("$.entries").value(1))
        .andExpect(jsonPath("$.problems[0]").value("seq 1: hash mismatch (the entry was altered or moved)"));
  }

  @Test
  void unknownReleaseIsProblem404() throws Exception {
    for (String path : new String[] {"/api/releases/rel-404/evidence", "/api/releases/rel-404/evidence/verify"}) {
      mvc.perform(get(path).principal(ALICE).accept(MediaType.APPLICATION_JSON))
          .andExpect(status().isNotFound())
          .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
          .andExpect(jsonPath("$.status").value(404))
          .andExpect(jsonPath("$.title").value("Release not found"))
          .andExpect(jsonPath("$.detail").value("No release with id 'rel-404'"));
    }
  }
}
