package io.countersign.release;

import static io.countersign.manifest.ManifestReaderFixtures.changed;
import static io.countersign.manifest.ManifestReaderFixtures.reader;
import static org.hamcrest.Matchers.contains;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.startsWith;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestReader;
import io.countersign.manifest.ManifestReaderFixtures;
import io.countersign.manifest.ReleaseManifest;
import jakarta.validation.Valid;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.Positive;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MockMvc;
import org.springframework.test.web.servlet.setup.MockMvcBuilders;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestHeader;
import org.springframework.web.bind.annotation.RestController;

/**
 * The problem responses as a client sees them, through Spring MVC without an application context.
 */
class ProblemResponsesTest {
  private final MockMvc mvc =
      MockMvcBuilders.standaloneSetup(new TestController(reader()))
          .setControllerAdvice(new ProblemResponses())
          .build();

  @Test
  void anInvalidManifestListsEveryFieldAsAProblem() throws Exception {
    byte[] body =
        changed(
            "release-staging.yaml",
            m -> {
              m.put("environment", "qa");
              m.remove("changeReference");
            });

    mvc.perform(post("/manifests").contentType(MediaType.APPLICATION_JSON).content(body))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/invalid-manifest"))
        .andExpect(jsonPath("$.title").value("Invalid release manifest"))
        .andExpect(jsonPath("$.status").value(400))
        .andExpect(jsonPath("$.detail").value("2 fields are invalid"))
        .andExpect(
            jsonPath("$.errors[*].path").value(contains("$.changeReference", "$.environment")))
        .andExpect(jsonPath("$.errors[1].message").value(startsWith("unknown environment 'qa'")));
  }

  @Test
  void anUnsupportedContentTypeIs415() throws Exception {
    mvc.perform(post("/manifests").contentType(MediaType.TEXT_PLAIN).content("application: x"))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(
            jsonPath("$.type").value("https://countersign.io/problems/unsupported-media-type"))
        .andExpect(
            header()
                .string(
                    "Accept", "application/json, application/yaml, application/x-yaml, text/yaml"))
        .andExpect(
            jsonPath("$.supported")
                .value(
                    contains(
                        "application/json",
                        "application/yaml",
                        "application/x-yaml",
                        "text/yaml")));
  }

  @Test
  void aBodyOverTheLimitIs413() throws Exception {
    mvc.perform(
            post("/manifests")
                .contentType(ManifestReaderFixtures.YAML)
                .content(new byte[ManifestReader.MAX_BYTES + 1]))
        .andExpect(status().isPayloadTooLarge())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/payload-too-large"))
        .andExpect(jsonPath("$.limitBytes").value(ManifestReader.MAX_BYTES));
  }

  @Test
  void anotherBodyCanBeRefusedFieldByField() throws Exception {
    mvc.perform(
            post("/overrides")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"kind\": \"quick\"}"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/invalid-request"))
        .andExpect(jsonPath("$.title").value("Invalid request"))
        .andExpect(jsonPath("$.detail").value("1 field is invalid"))
        .andExpect(jsonPath("$.errors[0].path").value("$.incident"))
        .andExpect(jsonPath("$.errors[0].message").value("is needed for a quick override"));
  }

  @Test
  void beanValidationOfARequestBodyNamesTheFields() throws Exception {
    mvc.perform(
            post("/cancellations")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"reason\": \" \", \"minutes\": -1}"))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.type").value("https://countersign.io/problems/invalid-request"))
        .andExpect(jsonPath("$.errors", hasSize(2)))
        .andExpect(jsonPath("$.errors[*].path").value(contains("$.minutes", "$.reason")));
  }

  @Test
  void aWronglyTypedFieldIsNamed() throws Exception {
    mvc.perform(
            post("/cancellations")
                .contentType(MediaType.APPLICATION_JSON)
                .content("{\"reason\": \"late\", \"minutes\": \"ten\"}"))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].path").value("$.minutes"))
        .andExpect(jsonPath("$.errors[0].message").value("must be a whole number"));
  }

  @Test
  void malformedJsonIsReportedAtTheRoot() throws Exception {
    mvc.perform(
            post("/cancellations").contentType(MediaType.APPLICATION_JSON).content("{\"reason\": "))
        .andExpect(status().isBadRequest())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(jsonPath("$.errors[0].path").value("$"))
        .andExpect(jsonPath("$.errors[0].message").value(startsWith("invalid JSON at line 1")));
  }

  @Test
  void aMissingBodyIsReportedAtTheRoot() throws Exception {
    mvc.perform(post("/cancellations").contentType(MediaType.APPLICATION_JSON))
        .andExpect(status().isBadRequest())
        .andExpect(jsonPath("$.errors[0].path").value("$"))
        .andExpect(jsonPath("$.errors[0].message").value("a request body is required"));
  }

  @Test
  void springsOwnUnsupportedMediaTypeUsesTheSameProblemType() throws Exception {
    mvc.perform(post("/cancellations").contentType(MediaType.TEXT_PLAIN).content("late"))
        .andExpect(status().isUnsupportedMediaType())
        .andExpect(content().contentType(MediaType.APPLICATION_PROBLEM_JSON))
        .andExpect(
            jsonPath("$.type").value("https://countersign.io/problems/unsupported-media-type"));
  }

  @Test
  void aValidManifestPassesThrough() throws Exception {
    mvc.perform(
            post("/manifests")
                .contentType(ManifestReaderFixtures.YAML)
                .content(ManifestReaderFixtures.resource("release-production.yaml")))
        .andExpect(status().isOk())
        .andExpect(content().string("medication-tracker 2.4.0"));
  }

  record Cancellation(@NotBlank String reason, @Positive int minutes) {}

  record Override(String kind, String incident) {}

  @RestController
  static class TestController {
    private final ManifestReader reader;

    TestController(ManifestReader reader) {
      this.reader = reader;
    }

    @PostMapping("/manifests")
    String submit(
        InputStream body, @RequestHeader(value = "Content-Type", required = false) MediaType type)
        throws IOException {
      ReleaseManifest manifest = reader.read(ManifestReader.readBody(body), type);
      return manifest.application() + " " + manifest.version();
    }

    @PostMapping("/overrides")
    String override(@RequestBody Override request) {
      if ("quick".equals(request.kind()) && request.incident() == null) {
        throw InvalidManifestException.ofRequest("$.incident", "is needed for a quick override");
      }
      return "ok";
    }

    @PostMapping(value = "/cancellations", consumes = MediaType.APPLICATION_JSON_VALUE)
    String cancel(@Valid @RequestBody Cancellation request) {
      return request.reason();
    }
  }
}
