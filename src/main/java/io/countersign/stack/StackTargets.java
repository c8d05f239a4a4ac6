package io.countersign.stack;

import io.countersign.aws.AwsClients;
import io.countersign.process.TargetMode;
import java.util.List;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;

@Configuration
class StackTargets {

  /**
   * Refuses to start rather than fall back: a release must never run in a mode nobody chose, nor
   * live against a target configured wrongly. Credentials come from the default chain unless the
   * context has an {@link AwsCredentialsProvider} bean (tests).
   */
  @Bean
  StackTarget stackTarget(
      StackProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    TargetMode mode = properties.targetMode();
    List<String> problems = properties.problems(mode == TargetMode.LIVE);
    if (!problems.isEmpty()) {
      throw new IllegalStateException(
          "stack targets misconfigured: " + String.join("; ", problems));
    }
    return mode.choose(
        () ->
            new LiveStackTarget(
                properties,
                new AwsClients(
                    credentials.getIfAvailable(
                        () -> DefaultCredentialsProvider.builder().build()))),
        DryRunStackTarget::new);
  }
}
