package io.countersign.webhook;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.manifest.Patterns;
import io.countersign.process.Variables;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.http.MediaType;
import org.springframework.security.authentication.UsernamePasswordAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.ResultActions;
import org.springframework.test.web.servlet.result.MockMvcResultMatchers;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.context.WebApplicationContext;

/**
 * The {@code webhooks} section as a requester meets it at {@code POST /api/releases}: RFC 7807
 * problems with one entry per invalid field and its path. And what it must never allow: a manifest
 * choosing where the server posts (a URL, an endpoint the server does not configure, a URL or
 * secret beside the names). Nothing is posted then.
 */
class WebhookManifestTest extends WebhookTestSupport {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final UsernamePasswordAuthenticationToken REQUESTER =
      UsernamePasswordAuthenticationToken.authenticated(
          "requester", null, List.of(new SimpleGrantedAuthority("release-requesters")));

  @Autowired WebApplicationContext context;
  private MockMvc mvc;

  @BeforeEach
  void api() {
    // The controller, reader, checks and problem responses as deployed; authentication is tested by
    // the API tests.
    mvc = MockMvcBuilders.webAppContextSetup(context).build();
  }

  @Test
  void aManifestCannotNameAUrlForTheServerToPostTo() throws Exception {
    refused(webhooks(w -> w.putArray("endpoints").add("http://169.254.169.254/latest/meta-data")))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.endpoints[0]"))
        .andExpect(jsonPath("$.errors[0].message").value(Patterns.NAME_MESSAGE));
    assertThat(received()).isEmpty();
  }

  @Test
  void aManifestCannotNameAnEndpointTheServerDoesNotConfigure() throws Exception {
    refused(webhooks(w -> w.putArray("endpoints").add("change-board").add("attacker-hook")))
        .andExpect(jsonPath("$.errors.length()").value(1))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.endpoints[1]"))
        .andExpect(
            jsonPath("$.errors[0].message")
                .value(
                    "unknown webhook endpoint 'attacker-hook'; configured: change-board, ops-chat"));
    assertThat(received()).isEmpty();
  }

  @Test
  void aManifestCannotCarryAUrlOrASecretBesideTheNames() throws Exception {
    refused(
            webhooks(
                w -> {
                  w.putArray("endpoints").add("change-board");
                  w.put("url", "http://attacker.example/collect");
                  w.put("secret", "whsec_attacker");
                }))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.secret"))
        .andExpect(
            jsonPath("$.errors[0].message").value("unknown field; expected one of endpoints"))
        .andExpect(jsonPath("$.errors[1].path").value("$.webhooks.url"));
    assertThat(received()).isEmpty();
  }

  @Test
  void everyMistakeInTheSectionIsAFieldErrorAtItsPath() throws Exception {
    refused(
            webhooks(
                w ->
                    w.putArray("endpoints")
                        .add("change-board")
                        .add("ops-chat")
                        .add("change-board")))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.endpoints[2]"))
        .andExpect(jsonPath("$.errors[0].message").value("endpoint 'change-board' is named twice"));
    refused(webhooks(w -> w.putArray("endpoints")))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.endpoints"))
        .andExpect(jsonPath("$.errors[0].message").value("size must be between 1 and 5"));
    refused(webhooks(w -> w.putArray("endpoints").add(7)))
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks.endpoints[0]"));
    ObjectNode notAnObject = example("staging");
    notAnObject.putArray("webhooks").add("change-board");
    refused(notAnObject)
        .andExpect(jsonPath("$.errors[0].path").value("$.webhooks"))
        .andExpect(jsonPath("$.errors[0].message").value("must be an object"));
  }

  @Test
  void aValidSectionIsAcceptedAndShownInThePlanApproversRead() throws Exception {
    ObjectNode manifest = example("staging");
    manifest.putObject("webhooks").putArray("endpoints").add("change-board").add("ops-chat");

    String body =
        mvc.perform(
                post("/api/releases")
                    .principal(REQUESTER)
                    .contentType(MediaType.APPLICATION_JSON)
                    .content(JSON.writeValueAsBytes(manifest)))
            .andExpect(MockMvcResultMatchers.status().isCreated())
            .andReturn()
            .getResponse()
            .getContentAsString();
    String id = JSON.readTree(body).path("id").asText();

    assertThat(
            runtime
                .getVariable(instance("release", id).getId(), Variables.PLANNED_STEPS)
                .toString())
        .contains("Post a deployment notice to webhook change-board, ops-chat");
    assertThat(received()).isEmpty(); // nothing is posted before sign-off and deployment
    // Ended, so no sign-off task of it is left in the database the process test classes share.
    mvc.perform(
            post("/api/releases/" + id + "/cancel")
                .principal(REQUESTER)
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"reason\":\"only submitted to see the plan\"}"))
        .andExpect(MockMvcResultMatchers.status().isAccepted());
  }

  private ObjectNode webhooks(Consumer<ObjectNode> section) {
    ObjectNode manifest = example("staging");
    section.accept(manifest.putObject("webhooks"));
    return manifest;
  }

  private ResultActions refused(ObjectNode manifest) throws Exception {
    return mvc.perform(
            post("/api/releases")
                .principal(REQUESTER)
                .contentType(MediaType.APPLICATION_JSON)
                .content(JSON.writeValueAsBytes(manifest)))
        .andExpect(MockMvcResultMatchers.status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/invalid-manifest"));
  }
}
