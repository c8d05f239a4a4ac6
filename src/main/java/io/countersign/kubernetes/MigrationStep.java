package io.countersign.kubernetes;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.kubernetes.KubernetesSteps.MigrationSpec;
import io.countersign.process.StepOutcome;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * A migration with the team's own tool (Alembic, Django, Liquibase…): a read-only Job prints the
 * revision now applied, which is kept in the evidence; then the upgrade Job; on rollback the
 * downgrade Job back to the kept revision.
 */
@Component
class MigrationStep implements StepType {
  static final String UPGRADE = "upgrade";
  static final String UNKNOWN = "unknown (dry-run)";

  /** What a revision may look like: Alembic's hex ids, numbered versions, names. */
  private static final Pattern REVISION = Pattern.compile("[A-Za-z0-9_.+-]{1,128}");

  /** A log line's level is not a revision: a pod's log mixes the tool's stderr into stdout. */
  private static final Pattern LOG_LEVEL =
      Pattern.compile("(?i)trace|debug|info|warn|warning|error|critical|fatal");

  private final StepJournal journal;

  MigrationStep(StepJournal journal) {
    this.journal = journal;
  }

  @Override
  public String type() {
    return "migration";
  }

  @Override
  public String plan(StepRun run) {
    MigrationSpec migration = run.spec.migration();
    return "Migrate with "
        + migration.image()
        + ": keep the revision of '"
        + String.join(" ", migration.current())
        + "', run '"
        + String.join(" ", migration.upgrade())
        + "'; on rollback: '"
        + String.join(" ", migration.downgrade())
        + "'";
  }

  @Override
  public Map<String, Object> start(StepRun run) {
    MigrationSpec migration = run.spec.migration();
    ClusterSteps.JobRun current =
        run.job(
            "current",
            migration.image(),
            migration.current(),
            migration.env(),
            migration.envFrom());
    run.cluster().startJob(run.target(), run.namespace(), current);
    return Map.of("job", current.name());
  }

  @Override
  public StepOutcome check(StepRun run, JsonNode started) {
    MigrationSpec migration = run.spec.migration();
    Optional<JsonNode> upgrading =
        journal.latest(run.releaseId, StepJournal.PROGRESS, run.spec.name());
    if (upgrading.isPresent()) {
      return JobLook.look(run, upgrading.get().path("job").asText());
    }
    StepOutcome current = JobLook.look(run, started.path("job").asText());
    if (current.status() != StepOutcome.Status.DONE) {
      return current;
    }
    String revision;
    if (run.cluster().dryRun()) {
      revision = UNKNOWN;
    } else {
      revision = revision((String) run.findings.get("log"));
      if (revision == null) {
        return StepOutcome.failed(
            "'"
                + String.join(" ", migration.current())
                + "' printed no revision on its last line, so a rollback could not go back to it;"
                + " nothing was migrated");
      }
    }
    ClusterSteps.JobRun upgrade =
        run.job(
            UPGRADE, migration.image(), migration.upgrade(), migration.env(), migration.envFrom());
    // Kept before the upgrade starts: a crash in between starts the same Job name again, which the
    // adapter finds and leaves.
    journal.record(
        run.releaseId,
        StepJournal.PROGRESS,
        run.spec.name(),
        "phase",
        UPGRADE,
        "previousRevision",
        revision,
        "job",
        upgrade.name(),
        "currentLog",
        run.findings.get("log"));
    run.cluster().startJob(run.target(), run.namespace(), upgrade);
    run.findings.clear();
    return StepOutcome.running(CheckKubernetesStepDelegate.POLL);
  }

  @Override
  public UndoJob undoJob(StepRun run, JsonNode started) {
    Optional<JsonNode> upgrading =
        journal.latest(run.releaseId, StepJournal.PROGRESS, run.spec.name());
    if (upgrading.isEmpty()) {
      return null; // never upgraded: nothing to go back from
    }
    MigrationSpec migration = run.spec.migration();
    String previous = upgrading.get().path("previousRevision").asText();
    List<String> command = new ArrayList<>();
    migration
        .downgrade()
        .forEach(part -> command.add(part.replace(MigrationSpec.PREVIOUS, previous)));
    return new UndoJob(
        run.job("downgrade", migration.image(), command, migration.env(), migration.envFrom()),
        List.of(upgrading.get().path("job").asText()));
  }

  /** The first word of the last line that has one: "ae1027a6acf (head)" gives "ae1027a6acf". */
  static String revision(String log) {
    if (log == null) {
      return null;
    }
    String[] lines = log.strip().split("\\R");
    String last = lines[lines.length - 1].strip();
    if (last.isEmpty()) {
      return null;
    }
    String word = last.split("\\s+")[0];
    return REVISION.matcher(word).matches() && !LOG_LEVEL.matcher(word).matches() ? word : null;
  }
}
