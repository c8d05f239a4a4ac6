package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.http.HttpStatus;

/** The problem types as documented: the code's own URIs, and the README's table is the code's. */
class ApiDocumentationTest {

  @Test
  void releaseProblemTypesAreTheOnesTheControllerSends() {
    assertThat(ApiDocumentation.Problem.NOT_POSSIBLE.type)
        .isEqualTo(
            ReleaseController.problem(
                    HttpStatus.CONFLICT, "Not possible in the release's current state", "x")
                .getBody()
                .getType());
    assertThat(ApiDocumentation.Problem.RELEASE_NOT_FOUND.type)
        .hasToString("https://countersign.io/problems/release-not-found");
    assertThat(ApiDocumentation.Problem.UNAUTHORIZED.type).hasToString("about:blank");
  }

  @Test
  void everyProblemStatusIsAnErrorAndEveryTypeAndTitlePairIsOnce() {
    List<String> pairs =
        Arrays.stream(ApiDocumentation.Problem.values())
            .peek(p -> assertThat(p.status.isError()).as(p.name()).isTrue())
            .map(p -> p.type + " " + p.status + " " + p.title)
            .toList();
    assertThat(pairs).doesNotHaveDuplicates();
  }

  /** The README's section "Problem types" shows this table. */
  @Test
  void theReadmeListsTheProblemTypesAsTheDocumentDoes() {
    String table = ApiDocumentation.problemTable();
    assertThat(read(Path.of("README.md")))
        .as("README.md holds the table ApiDocumentation.problemTable() makes")
        .contains(table);
  }

  private static String read(Path path) {
    try {
      return Files.readString(path);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
