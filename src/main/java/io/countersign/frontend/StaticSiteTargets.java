package io.countersign.frontend;

import io.countersign.aws.AwsClients;
import io.countersign.process.TargetMode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

@Configuration
class StaticSiteTargets {
  private static final String PREFIX = "countersign.targets.frontend";

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose, nor
   * live against a site configured wrongly. Credentials come from the default chain unless the
   * context has an {@link AwsCredentialsProvider} bean (tests).
   */
  @Bean
  StaticSiteTarget staticSiteTarget(
      FrontendProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    return TargetMode.of(PREFIX + ".mode", properties.mode())
        .choose(
            () -> {
              List<String> problems = problems(properties);
              if (!problems.isEmpty()) {
                throw new IllegalStateException(
                    "live front-end target misconfigured: " + String.join("; ", problems));
              }
              return new LiveStaticSiteTarget(
                  properties,
                  new AwsClients(
                      credentials.getIfAvailable(
                          () -> DefaultCredentialsProvider.builder().build())));
            },
            DryRunStaticSiteTarget::new);
  }

  @Bean
  SitePublisher sitePublisher(StaticSiteTarget staticSiteTarget, FrontendProperties properties) {
    return new SitePublisher(staticSiteTarget, properties);
  }

  static List<String> problems(FrontendProperties properties) {
    List<String> problems = new ArrayList<>();
    if (properties.targets().isEmpty()) {
      problems.add(PREFIX + ".targets: live mode needs at least one target");
    }
    for (Map.Entry<String, FrontendProperties.Target> e :
        new TreeMap<>(properties.targets()).entrySet()) {
      String where = PREFIX + ".targets." + e.getKey();
      FrontendProperties.Target site = e.getValue();
      problems.addAll(site.aws().problems(where));
      if (site.bucket() == null || !site.bucket().matches("[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")) {
        problems.add(where + ".bucket must be an S3 bucket name, not '" + site.bucket() + "'");
      }
      if (site.distributionId() == null || !site.distributionId().matches("[A-Z0-9]{8,32}")) {
        problems.add(
            where
                + ".distribution-id must be a CloudFront distribution id (e.g. E2QWRUHAPOMQZL), not '"
                + site.distributionId()
                + "'");
      }
      if (site.artifactBuckets().isEmpty()) {
        problems.add(where + ".artifact-buckets: name the buckets site builds may come from");
      }
      if (site.maxArchiveSize() != null && site.maxArchiveSize() < 1) {
        problems.add(where + ".max-archive-size must be positive");
      }
      if (site.transferTimeout() != null && site.transferTimeout().toSeconds() < 1) {
        problems.add(where + ".transfer-timeout must be at least PT1S");
      }
    }
    return problems;
  }
}
