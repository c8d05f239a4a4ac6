package io.countersign.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Dockerfile and its build context: the final stage runs as a numeric non-root user (the one
 * the Kubernetes manifests name), exposes 8080 and copies the layered jar one layer per COPY; the
 * build context leaves out build output, local state and keys.
 */
class ImageBuildTest {
  /** Spring Boot's default layers, in the order the Dockerfile copies them. */
  static final List<String> LAYERS =
      List.of("dependencies", "spring-boot-loader", "snapshot-dependencies", "application");

  private static final Pattern LAYER_COPY =
      Pattern.compile("(?m)^COPY --from=build /extracted/([a-z-]+)/ \\./$");

  @Test
  void theFinalStageRunsAsANumericNonRootUserAndCopiesTheLayers() throws IOException {
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String[] stages = dockerfile.split("(?m)^FROM ");
    String build = stages[stages.length - 2];
    String last = stages[stages.length - 1];
    assertThat(build).contains("-Djarmode=tools").contains("extract --layers --launcher");
    Matcher user = Pattern.compile("(?m)^USER (\\d+)(?::(\\d+))?\\s*$").matcher(last);
    assertThat(user.find()).as("USER <uid>[:<gid>] in the final stage").isTrue();
    long uid = Long.parseLong(user.group(1));
    assertThat(uid).isPositive();
    assertThat(Pattern.compile("(?m)^USER ").matcher(last.substring(user.end())).find())
        .as("no later USER")
        .isFalse();
    assertThat(last).containsPattern("(?m)^EXPOSE 8080$");
    assertThat(last).contains("org.springframework.boot.loader.launch.JarLauncher");
    assertThat(last).as("pg_dump for backups").contains("postgresql-client");
    List<String> copied = new ArrayList<>();
    Matcher copy = LAYER_COPY.matcher(last);
    while (copy.find()) {
      copied.add(copy.group(1));
    }
    assertThat(copied).containsExactlyElementsOf(LAYERS);
    // The layers are copied before USER only as files: the process itself runs as uid.
    String deployment =
        Files.readString(Path.of("deploy", "countersign", "base", "deployment.yaml"));
    assertThat(deployment).contains("runAsUser: " + uid);
  }

  @Test
  void theBuildContextLeavesOutBuildOutputStateAndKeys() throws IOException {
    List<String> ignored =
        Files.readAllLines(Path.of(".dockerignore")).stream()
            .map(String::trim)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();
    assertThat(ignored)
        .contains(
            "target/",
            "var/",
            ".git",
            "node_modules/",
            "e2e/node_modules/",
            "lint/node_modules/",
            "*.key",
            ".env",
            "*.der",
            "*.pem");
    assertThat(ignored)
        .as("nothing the build needs")
        .doesNotContain("src/", "pom.xml", ".mvn", "mvnw");
  }
}
