package io.countersign.verification;

import io.countersign.process.TargetMode;
import java.time.Clock;
import java.util.List;
import java.util.function.Supplier;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

@Configuration
class VerificationTargets {

  /**
   * AWS credentials come from the default chain unless the context has an {@link
   * AwsCredentialsProvider} bean (tests).
   */
  @Bean
  VerificationTarget verificationTarget(
      VerificationProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    return target(
        properties,
        () -> credentials.getIfAvailable(() -> DefaultCredentialsProvider.builder().build()));
  }

  VerificationTarget verificationTarget(VerificationProperties properties) {
    return target(properties, () -> DefaultCredentialsProvider.builder().build());
  }

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose, nor
   * ask a CloudWatch configured wrongly.
   */
  private static VerificationTarget target(
      VerificationProperties properties, Supplier<AwsCredentialsProvider> credentials) {
    return TargetMode.of("countersign.targets.verification.mode", properties.mode())
        .choose(
            () -> {
              List<String> problems = properties.cloudwatch().problems();
              if (!problems.isEmpty()) {
                throw new IllegalStateException(
                    "live verification target misconfigured: " + String.join("; ", problems));
              }
              return new LiveVerificationTarget(properties, credentials.get(), Clock.systemUTC());
            },
            DryRunVerificationTarget::new);
  }
}
