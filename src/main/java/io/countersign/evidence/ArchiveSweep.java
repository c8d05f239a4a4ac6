package io.countersign.evidence;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Once the node is up, archives the bundles of ended releases that have none after their last
 * status change: an archive that failed, a node stopped between the closing commit and the archive,
 * releases that ended before archiving existed. In the background, so start-up does not wait.
 */
@Component
class ArchiveSweep {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveSweep.class);
  private final EvidenceArchive archive;

  ArchiveSweep(EvidenceArchive archive) {
    this.archive = archive;
  }

  @EventListener(ApplicationReadyEvent.class)
  void sweepInBackground() {
    Thread sweep = new Thread(this::sweep, "evidence-archive-sweep");
    sweep.setDaemon(true);
    sweep.start();
  }

  void sweep() {
    try {
      var releases = archive.unarchived();
      if (!releases.isEmpty()) {
        LOG.info("Archiving the evidence bundles of {} ended releases", releases.size());
        releases.forEach(archive::archive);
      }
    } catch (RuntimeException failure) {
      LOG.error("Evidence archive sweep stopped: {}", failure.toString());
    }
  }
}
