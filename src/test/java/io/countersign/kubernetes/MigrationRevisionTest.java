package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** What a migration keeps as the revision to go back to, from the current command's log. */
class MigrationRevisionTest {

  @Test
  void theFirstWordOfTheLastLineIsTheRevision() {
    assertThat(
            MigrationStep.revision(
                "INFO  [alembic.runtime.migration] Context impl\n4c1d2e9a7b10 (head)\n"))
        .isEqualTo("4c1d2e9a7b10");
    assertThat(MigrationStep.revision("0042_add_feed_batches\n\n"))
        .isEqualTo("0042_add_feed_batches");
  }

  @Test
  void nothingThatLooksLikeALogLineOrIsMissingIsARevision() {
    assertThat(MigrationStep.revision(null)).isNull();
    assertThat(MigrationStep.revision("  \n")).isNull();
    assertThat(
            MigrationStep.revision("4c1d2e9a7b10\nINFO  [alembic] Will assume transactional DDL."))
        .isNull();
    assertThat(MigrationStep.revision("ERROR: could not connect")).isNull();
    assertThat(MigrationStep.revision("warning something")).isNull();
    assertThat(MigrationStep.revision("$(rm -rf /)")).isNull();
  }
}
