package io.countersign.release;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** The field-by-field comparison of two manifests: list elements by their names, not positions. */
class ReleaseDiffTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void listElementsAreKeyedByTheirNamesSoAnInsertionIsOneAddition() throws Exception {
    var before =
        ReleaseDiff.flatten(
            JSON.readTree(
                """
                {"version":"1.0","lambda":{"functions":[
                  {"name":"a","artifact":{"key":"a/1.0.zip"}},
                  {"name":"b","artifact":{"key":"b/1.0.zip"}}]},
                 "tags":["x","y"],"summary":null}"""));
    var after =
        ReleaseDiff.flatten(
            JSON.readTree(
                """
                {"version":"1.1","lambda":{"functions":[
                  {"name":"new","artifact":{"key":"new/1.1.zip"}},
                  {"name":"a","artifact":{"key":"a/1.0.zip"}},
                  {"name":"b","artifact":{"key":"b/1.1.zip"}}]},
                 "tags":["x","y"]}"""));

    assertThat(before)
        .containsEntry("lambda.functions[a].artifact.key", "a/1.0.zip")
        .containsEntry("lambda.functions[a].name", "a")
        .containsEntry("tags[1]", "y")
        .doesNotContainKey("summary");
    assertThat(after)
        .containsEntry("lambda.functions[new].artifact.key", "new/1.1.zip")
        .containsEntry("lambda.functions[a].artifact.key", "a/1.0.zip")
        .containsEntry("lambda.functions[b].artifact.key", "b/1.1.zip")
        .containsEntry("version", "1.1");
  }
}
