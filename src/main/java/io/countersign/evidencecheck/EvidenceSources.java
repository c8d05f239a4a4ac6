package io.countersign.evidencecheck;

import io.countersign.aws.AwsClients;
import io.countersign.process.TargetMode;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

@Configuration
class EvidenceSources {

  /**
   * Refuses to start rather than fall back: evidence must never be taken as checked in a mode
   * nobody chose. Credentials come from the default chain unless the context has an {@link
   * AwsCredentialsProvider} bean (tests).
   */
  @Bean
  EvidenceChecker evidenceChecker(
      EvidenceSourceProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    EvidenceSource source =
        TargetMode.of(EvidenceSourceProperties.PREFIX + ".mode", properties.mode())
            .choose(
                () -> {
                  List<String> problems = properties.problems();
                  if (!problems.isEmpty()) {
                    throw new IllegalStateException(
                        "live evidence source misconfigured: " + String.join("; ", problems));
                  }
                  return LiveEvidenceSource.of(
                      properties,
                      new AwsClients(
                          credentials.getIfAvailable(
                              () -> DefaultCredentialsProvider.builder().build())));
                },
                DryRunEvidenceSource::new);
    return new EvidenceChecker(source, properties.maxBytes().toBytes());
  }
}
