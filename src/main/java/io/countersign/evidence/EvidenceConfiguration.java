package io.countersign.evidence;

import io.countersign.aws.AwsClients;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.jdbc.core.JdbcTemplate;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.ObjectLockMode;

/**
 * Where evidence checkpoints and ended releases' bundles go. Refuses to start rather than run with
 * checkpoints or archives nobody can trust.
 */
@Configuration
class EvidenceConfiguration implements DisposableBean {
  private static final String PREFIX = "countersign.evidence.checkpoints";
  private final List<AwsClients> clients = new ArrayList<>();

  /**
   * Credentials come from the default chain unless the context has an {@link
   * AwsCredentialsProvider} bean (tests).
   */
  @Bean
  Checkpoints checkpoints(
      CheckpointProperties properties,
      EvidenceSigner signer,
      ObjectProvider<AwsCredentialsProvider> credentials) {
    List<String> problems = problems(properties);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "evidence checkpoints misconfigured: " + String.join("; ", problems));
    }
    List<CheckpointSink> sinks = new ArrayList<>();
    if (properties.fileOrDefault() != null) {
      sinks.add(new FileCheckpointSink(Path.of(properties.fileOrDefault()), signer.publicKey()));
    }
    if (properties.s3Enabled()) {
      CheckpointProperties.S3 s3 = properties.s3();
      S3CheckpointSink sink =
          new S3CheckpointSink(
              s3Client(s3, credentials),
              s3.bucket(),
              s3.prefixOrDefault(),
              ObjectLockMode.fromValue(s3.retentionModeOrDefault()),
              s3.retention(),
              signer.publicKey());
      sink.requireObjectLock();
      sinks.add(sink);
    }
    return new Checkpoints(signer, properties.intervalOrDefault(), sinks);
  }

  /**
   * Where ended releases' signed bundles are archived: the directory (by default beside the
   * checkpoints file) and, where configured, an S3 bucket with Object Lock. Refuses to start with
   * neither, or with a bucket that cannot lock.
   */
  @Bean
  EvidenceArchive evidenceArchive(
      ArchiveProperties properties,
      CheckpointProperties checkpoints,
      EvidenceLog evidence,
      EvidenceSigner signer,
      JdbcTemplate jdbc,
      ObjectProvider<AwsCredentialsProvider> credentials) {
    List<String> problems = new ArrayList<>();
    Path directory = properties.directoryOrDefault(checkpoints.fileOrDefault());
    if (directory == null && !properties.s3Enabled()) {
      problems.add(
          ArchiveProperties.PREFIX
              + ": configure directory or s3.bucket (ended releases' bundles must go somewhere)");
    }
    if (properties.s3Enabled()) {
      problems.addAll(s3Problems(ArchiveProperties.PREFIX + ".s3", properties.s3()));
    }
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "evidence archive misconfigured: " + String.join("; ", problems));
    }
    List<BundleArchive> archives = new ArrayList<>();
    if (directory != null) {
      archives.add(new DirectoryBundleArchive(directory));
    }
    if (properties.s3Enabled()) {
      CheckpointProperties.S3 s3 = properties.s3();
      S3Client client = s3Client(s3, credentials);
      S3CheckpointSink.requireObjectLock(client, s3.bucket());
      archives.add(
          new S3BundleArchive(
              client,
              s3.bucket(),
              s3.prefix() == null ? ArchiveProperties.DEFAULT_S3_PREFIX : s3.prefix(),
              ObjectLockMode.fromValue(s3.retentionModeOrDefault()),
              s3.retention(),
              Clock.systemUTC()));
    }
    return new EvidenceArchive(evidence, signer, archives, jdbc);
  }

  /** A client for a bucket with Object Lock, closed with the context. */
  private S3Client s3Client(
      CheckpointProperties.S3 s3, ObjectProvider<AwsCredentialsProvider> credentials) {
    AwsClients aws =
        new AwsClients(
            credentials.getIfAvailable(() -> DefaultCredentialsProvider.builder().build()));
    clients.add(aws);
    return aws.s3(s3.aws());
  }

  static List<String> problems(CheckpointProperties properties) {
    List<String> problems = new ArrayList<>();
    if (properties.intervalOrDefault() < 1) {
      problems.add(PREFIX + ".interval must be at least 1");
    }
    if (properties.fileOrDefault() == null && !properties.s3Enabled()) {
      problems.add(
          PREFIX
              + ": with the file turned off, configure s3.bucket (checkpoints must go somewhere)");
    }
    if (properties.s3Enabled()) {
      problems.addAll(s3Problems(PREFIX + ".s3", properties.s3()));
    }
    return problems;
  }

  /** What an S3 bucket with Object Lock (checkpoints, archived bundles) must not start with. */
  static List<String> s3Problems(String where, CheckpointProperties.S3 s3) {
    List<String> problems = new ArrayList<>();
    problems.addAll(s3.aws().problems(where));
    if (!s3.bucket().matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
      problems.add(where + ".bucket must be an S3 bucket name, not '" + s3.bucket() + "'");
    }
    if (!List.of("COMPLIANCE", "GOVERNANCE").contains(s3.retentionModeOrDefault())) {
      problems.add(
          where
              + ".retention-mode must be COMPLIANCE or GOVERNANCE, not '"
              + s3.retentionMode()
              + "'");
    }
    if (s3.retention() == null || s3.retention().isNegative() || s3.retention().isZero()) {
      problems.add(
          where
              + ".retention must be a positive period such as P6Y (how long each object is locked)");
    }
    if (!s3.prefixOrDefault().matches("[A-Za-z0-9._/-]*")) {
      problems.add(where + ".prefix may hold only letters, digits, '.', '_', '-' and '/'");
    }
    return problems;
  }

  @Override
  public void destroy() {
    clients.forEach(AwsClients::close);
  }
}
