package io.countersign.evidence;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.stereotype.Component;

/**
 * Archives the bundles of ended releases that have none after their last status change: an archive
 * that failed (S3 or the disk unavailable), a node stopped between the closing commit and the
 * archive, releases that ended before archiving existed. Once the node is up and then every {@code
 * countersign.evidence.archive.sweep-interval} (default 15 minutes), in the background, so neither
 * start-up nor a release waits. Nodes sweeping at once write nothing twice: an archive never
 * replaces a bundle.
 */
@Component
class ArchiveSweep implements DisposableBean {
  private static final Logger LOG = LoggerFactory.getLogger(ArchiveSweep.class);
  private final EvidenceArchive archive;
  private final Duration interval;
  private ScheduledExecutorService timer;

  ArchiveSweep(
      EvidenceArchive archive,
      @Value("${countersign.evidence.archive.sweep-interval:PT15M}") Duration interval) {
    if (interval.isNegative() || interval.isZero()) {
      throw new IllegalStateException(
          "countersign.evidence.archive.sweep-interval must be positive, not " + interval);
    }
    this.archive = archive;
    this.interval = interval;
  }

  @EventListener(ApplicationReadyEvent.class)
  synchronized void start() {
    if (timer != null) {
      return;
    }
    timer =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "evidence-archive-sweep");
              t.setDaemon(true);
              return t;
            });
    timer.scheduleWithFixedDelay(this::sweep, 0, interval.toMillis(), TimeUnit.MILLISECONDS);
  }

  void sweep() {
    try {
      var releases = archive.unarchived();
      if (!releases.isEmpty()) {
        LOG.info("Archiving the evidence bundles of {} ended releases", releases.size());
        releases.forEach(archive::archive);
      }
    } catch (RuntimeException failure) {
      // The next sweep tries again; a scheduled task that throws would never run again.
      LOG.error("Evidence archive sweep failed: {}", failure.toString());
    }
  }

  @Override
  public synchronized void destroy() {
    if (timer != null) {
      timer.shutdownNow();
    }
  }
}
