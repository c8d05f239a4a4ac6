package io.countersign.aws;

import java.net.URI;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.awscore.client.builder.AwsClientBuilder;
import software.amazon.awssdk.awscore.retry.AwsRetryStrategy;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.client.config.ClientOverrideConfiguration;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.cloudformation.CloudFormationClient;
import software.amazon.awssdk.services.cloudfront.CloudFrontClient;
import software.amazon.awssdk.services.cloudwatch.CloudWatchClient;
import software.amazon.awssdk.services.lambda.LambdaClient;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.secretsmanager.SecretsManagerClient;
import software.amazon.awssdk.services.ssm.SsmClient;
import software.amazon.awssdk.services.sts.StsClient;
import software.amazon.awssdk.services.sts.auth.StsAssumeRoleCredentialsProvider;
import software.amazon.awssdk.utils.SdkAutoCloseable;

/**
 * Builds (and keeps, one per settings) the SDK clients of the live adapters: the region of the
 * target, the default credential chain or a role assumed through STS, an optional endpoint override
 * (path-style S3 then), a timeout per attempt and for the whole call, and the SDK's standard retry
 * strategy. Clients are thread-safe and costly, so they are shared and closed with the adapter.
 */
public final class AwsClients implements AutoCloseable {
  static final String SESSION_NAME = "countersign";

  private final AwsCredentialsProvider baseCredentials;
  private final Map<AwsSettings, AwsCredentialsProvider> credentials = new ConcurrentHashMap<>();
  private final Map<Object, SdkAutoCloseable> clients = new ConcurrentHashMap<>();
  private final List<SdkAutoCloseable> stsClients = new CopyOnWriteArrayList<>();

  /**
   * @param baseCredentials where credentials come from; the default chain in production
   */
  public AwsClients(AwsCredentialsProvider baseCredentials) {
    this.baseCredentials = baseCredentials;
  }

  public static AwsClients withDefaultCredentials() {
    return new AwsClients(DefaultCredentialsProvider.builder().build());
  }

  public LambdaClient lambda(AwsSettings settings) {
    return (LambdaClient)
        clients.computeIfAbsent(
            key("lambda", settings),
            k ->
                configure(LambdaClient.builder(), settings, "lambda")
                    .region(Region.of(settings.region()))
                    .build());
  }

  public S3Client s3(AwsSettings settings) {
    return (S3Client)
        clients.computeIfAbsent(
            key("s3", settings),
            k -> {
              boolean overridden = settings.endpoint("s3") != null;
              return configure(S3Client.builder(), settings, "s3")
                  .region(Region.of(settings.region()))
                  // S3-compatible stores and test servers answer path-style only; AWS itself
                  // follows the bucket's region.
                  .forcePathStyle(overridden)
                  .crossRegionAccessEnabled(!overridden)
                  // Checksums only where S3 requires them: S3-compatible stores differ in the newer
                  // flexible checksums.
                  .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                  .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED)
                  .build();
            });
  }

  public CloudFrontClient cloudFront(AwsSettings settings) {
    // CloudFront is global: its API lives in us-east-1 whatever the target's region.
    return (CloudFrontClient)
        clients.computeIfAbsent(
            key("cloudfront", settings),
            k ->
                configure(CloudFrontClient.builder(), settings, "cloudfront")
                    .region(Region.AWS_GLOBAL)
                    .build());
  }

  public CloudWatchClient cloudWatch(AwsSettings settings) {
    return (CloudWatchClient)
        clients.computeIfAbsent(
            key("cloudwatch", settings),
            k ->
                configure(CloudWatchClient.builder(), settings, "cloudwatch")
                    .region(Region.of(settings.region()))
                    .build());
  }

  public CloudFormationClient cloudFormation(AwsSettings settings) {
    return (CloudFormationClient)
        clients.computeIfAbsent(
            key("cloudformation", settings),
            k ->
                configure(CloudFormationClient.builder(), settings, "cloudformation")
                    .region(Region.of(settings.region()))
                    .build());
  }

  public SecretsManagerClient secretsManager(AwsSettings settings) {
    return (SecretsManagerClient)
        clients.computeIfAbsent(
            key("secretsmanager", settings),
            k ->
                configure(SecretsManagerClient.builder(), settings, "secretsmanager")
                    .region(Region.of(settings.region()))
                    .build());
  }

  public SsmClient ssm(AwsSettings settings) {
    return (SsmClient)
        clients.computeIfAbsent(
            key("ssm", settings),
            k ->
                configure(SsmClient.builder(), settings, "ssm")
                    .region(Region.of(settings.region()))
                    .build());
  }

  /**
   * The default chain, or the configured role assumed with it (refreshed by the SDK before it
   * expires).
   */
  AwsCredentialsProvider credentials(AwsSettings settings) {
    if (settings.roleArn() == null) {
      return baseCredentials;
    }
    return credentials.computeIfAbsent(
        settings,
        s -> {
          StsClient sts =
              configure(StsClient.builder(), s, "sts").region(Region.of(s.region())).build();
          stsClients.add(sts); // the provider does not close the client it is given
          return StsAssumeRoleCredentialsProvider.builder()
              .stsClient(sts)
              .asyncCredentialUpdateEnabled(false)
              .refreshRequest(
                  r ->
                      r.roleArn(s.roleArn())
                          .roleSessionName(SESSION_NAME)
                          .externalId(s.externalId())
                          .durationSeconds(900))
              .build();
        });
  }

  private <B extends AwsClientBuilder<B, ?>> B configure(
      B builder, AwsSettings settings, String service) {
    URI endpoint = settings.endpoint(service);
    if (endpoint != null) {
      builder.endpointOverride(endpoint);
    }
    return builder
        .credentialsProvider(service.equals("sts") ? baseCredentials : credentials(settings))
        .overrideConfiguration(
            ClientOverrideConfiguration.builder()
                .apiCallAttemptTimeout(settings.callTimeoutOrDefault())
                .apiCallTimeout(
                    settings
                        .callTimeoutOrDefault()
                        .multipliedBy(settings.maxAttemptsOrDefault() + 1L))
                .retryStrategy(
                    AwsRetryStrategy.standardRetryStrategy().toBuilder()
                        .maxAttempts(settings.maxAttemptsOrDefault())
                        .build())
                .build());
  }

  private static Object key(String service, AwsSettings settings) {
    return Map.entry(service, settings);
  }

  @Override
  public void close() {
    credentials
        .values()
        .forEach(
            provider -> {
              if (provider instanceof StsAssumeRoleCredentialsProvider assumed) {
                assumed.close();
              }
            });
    clients.values().forEach(SdkAutoCloseable::close);
    stsClients.forEach(SdkAutoCloseable::close);
    stsClients.clear();
    clients.clear();
    credentials.clear();
  }
}
