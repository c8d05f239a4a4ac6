package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.countersign.ApiAppSupport;
import io.countersign.HttpSupport;
import io.countersign.TestIdentityProvider;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.test.web.server.LocalServerPort;

/**
 * The CI templates in examples/ci run as written: their {@code countersign.jar cli} command lines,
 * read from the workflow's run steps and the GitLab job's script, are run in order through the
 * in-process CLI against the app (release.yaml and the variables substituted), with the bearer
 * token the templates expect in COUNTERSIGN_TOKEN, while the demo approvers sign.
 */
@ApiAppSupport
class CiTemplatesTest {
  private static final YAMLMapper YAML = new YAMLMapper();
  private static final Pattern CLI = Pattern.compile("countersign\\.jar cli (.+)$");
  private static final Pattern VARIABLE =
      Pattern.compile("\\$\\{\\{[^}]*}}|\\$\\{?[A-Za-z_][A-Za-z0-9_]*}?");

  @LocalServerPort int port;
  @TempDir Path dir;

  @Test
  void theGithubWorkflowBuildsSubmitsWaitsAndVerifies() throws Exception {
    JsonNode workflow = YAML.readTree(Path.of("examples/ci/github-actions.yml").toFile());
    JsonNode jobs = workflow.path("jobs");
    assertThat(jobs.path("build").path("steps").toString()).contains("./mvnw -B verify");
    JsonNode release = jobs.path("release");
    assertThat(release.path("needs").asText()).isEqualTo("build");
    assertThat(release.path("env").path("COUNTERSIGN_URL").asText())
        .isEqualTo("${{ secrets.COUNTERSIGN_URL }}");
    assertThat(release.path("env").path("COUNTERSIGN_TOKEN").asText())
        .isEqualTo("${{ secrets.COUNTERSIGN_TOKEN }}");
    List<String> runs = new ArrayList<>();
    for (JsonNode step : release.path("steps")) {
      if (step.has("run")) {
        runs.add(step.path("run").asText());
      }
      if (step.path("run").asText().contains(" cli wait ")) {
        // The id reaches the later steps through the submit step's output.
        assertThat(step.path("env").path("RELEASE_ID").asText())
            .isEqualTo("${{ steps.submit.outputs.id }}");
      }
    }
    assertThat(String.join("\n", runs)).contains("echo \"id=$RELEASE_ID\" >> \"$GITHUB_OUTPUT\"");

    runTheCommands(runs);
  }

  @Test
  void theGitlabJobBuildsSubmitsWaitsAndVerifies() throws Exception {
    JsonNode pipeline = YAML.readTree(Path.of("examples/ci/gitlab-ci.yml").toFile());
    assertThat(pipeline.path("build").path("script").toString()).contains("./mvnw -B verify");
    JsonNode release = pipeline.path("release");
    assertThat(release.path("needs").toString()).isEqualTo("[\"build\"]");
    List<String> script = new ArrayList<>();
    release.path("script").forEach(line -> script.add(line.asText()));

    runTheCommands(script);
  }

  /** Runs the cli lines in order: submit, wait (while the approvers sign), evidence --verify. */
  private void runTheCommands(List<String> steps) throws Exception {
    List<List<String>> commands = new ArrayList<>();
    for (String step : steps) {
      for (String line : step.split("\n")) {
        Matcher cli = CLI.matcher(line.strip());
        if (cli.find()) {
          String args = cli.group(1);
          if (line.contains("$(")) {
            assertThat(line).as("the id is kept in RELEASE_ID").contains("RELEASE_ID=$(");
            args = args.substring(0, args.lastIndexOf(')'));
          }
          commands.add(words(args));
        }
      }
    }
    assertThat(commands).extracting(c -> c.get(0)).containsExactly("submit", "wait", "evidence");

    Path manifest = CliRun.stagingManifest(dir, "ci");
    String run = "run-" + UUID.randomUUID();
    Map<String, String> env =
        Map.of(
            "COUNTERSIGN_URL",
            "http://localhost:" + port,
            "COUNTERSIGN_TOKEN",
            TestIdentityProvider.token(
                TestIdentityProvider.ISSUER,
                "ci-pipeline",
                List.of("release-requesters"),
                Instant.now().plusSeconds(600)));

    String[] submit = substitute(commands.get(0), manifest, null, run);
    assertThat(submit).contains("--idempotency-key");
    CliRun submitted = CliRun.run(env, submit);
    assertThat(submitted.exitCode()).as(submitted.err()).isZero();
    String id = submitted.out().strip();
    assertThat(id).matches("rel-\\d{8}-[a-z2-9]{6}");

    // The templates poll every 5 s (the default); the test polls faster.
    List<String> wait =
        new ArrayList<>(Arrays.asList(substitute(commands.get(1), manifest, id, run)));
    assertThat(wait).contains(id, "--timeout");
    wait.addAll(List.of("--interval", "PT0.2S"));
    ByteArrayOutputStream progress = new ByteArrayOutputStream();
    CompletableFuture<CliRun> waiting =
        CompletableFuture.supplyAsync(() -> CliRun.run(progress, env, wait.toArray(String[]::new)));
    // Sign only once the wait has shown who may sign: signing first raced that line away.
    Awaitility.await()
        .atMost(Duration.ofMinutes(1))
        .until(
            () -> progress.toString(StandardCharsets.UTF_8).contains("waiting for sign-off by:"));
    CliRun.approveAll(new HttpSupport(port), id);
    CliRun waited = waiting.get(2, TimeUnit.MINUTES);
    assertThat(waited.exitCode()).as(waited.err()).isEqualTo(Cli.RELEASED);
    assertThat(waited.err()).contains("waiting for sign-off by:").contains(id + " released");

    CliRun verified = CliRun.run(env, substitute(commands.get(2), manifest, id, run));
    assertThat(verified.exitCode()).as(verified.out() + verified.err()).isZero();
    assertThat(verified.out()).contains(id + ": evidence verifies");
  }

  /** release.yaml → the test's manifest, $RELEASE_ID → the id, any other variable → the run. */
  private static String[] substitute(List<String> words, Path manifest, String id, String run) {
    return words.stream()
        .map(
            w -> {
              if (w.equals("release.yaml")) {
                return manifest.toString();
              }
              String replaced =
                  VARIABLE
                      .matcher(w)
                      .replaceAll(
                          v ->
                              v.group().contains("RELEASE_ID") && id != null
                                  ? Matcher.quoteReplacement(id)
                                  : Matcher.quoteReplacement(run));
              assertThat(replaced).as(w).doesNotContain("$");
              return replaced;
            })
        .toArray(String[]::new);
  }

  /** The shell words of a simple command line: blanks split, quotes group and are removed. */
  static List<String> words(String line) {
    List<String> words = new ArrayList<>();
    StringBuilder word = new StringBuilder();
    boolean inWord = false;
    char quote = 0;
    for (char c : line.toCharArray()) {
      if (quote != 0) {
        if (c == quote) {
          quote = 0;
        } else {
          word.append(c);
        }
      } else if (c == '"' || c == '\'') {
        quote = c;
        inWord = true;
      } else if (Character.isWhitespace(c)) {
        if (inWord) {
          words.add(word.toString());
          word.setLength(0);
          inWord = false;
        }
      } else {
        word.append(c);
        inWord = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unbalanced quote in: " + line);
    }
    if (inWord) {
      words.add(word.toString());
    }
    return words;
  }

  @Test
  void wordsAreSplitAsTheShellDoes() {
    assertThat(words("wait \"$RELEASE_ID\" --timeout PT5H45M"))
        .containsExactly("wait", "$RELEASE_ID", "--timeout", "PT5H45M");
    assertThat(words("submit release.yaml --idempotency-key \"a b\"'c'"))
        .containsExactly("submit", "release.yaml", "--idempotency-key", "a bc");
  }
}
