package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.post;
import static com.github.tomakehurst.wiremock.client.WireMock.postRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.lambda.LambdaClient;

/**
 * The client configuration every live adapter shares: assumed role, endpoint override, timeouts,
 * retries.
 */
class AwsClientsTest {
  private WireMockServer sts;
  private FakeLambdaApi lambda;
  private AwsClients clients;

  @BeforeEach
  void servers() {
    sts = new WireMockServer(options().dynamicPort());
    sts.start();
    lambda = FakeLambdaApi.startServer();
    lambda.function("api_handler", "live", 7, "sha-7");
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
  }

  @AfterEach
  void stop() {
    clients.close();
    sts.stop();
    lambda.stop();
  }

  @Test
  void anAssumedRoleSignsTheCallsWithTheCredentialsStsHandsOut() {
    sts.stubFor(
        post(urlPathEqualTo("/"))
            .willReturn(
                aResponse()
                    .withHeader("Content-Type", "text/xml")
                    .withBody(
                        """
        <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
          <AssumeRoleResult>
            <Credentials>
              <AccessKeyId>ASIATESTASSUMED</AccessKeyId>
              <SecretAccessKey>assumed-secret</SecretAccessKey>
              <SessionToken>session-token-1</SessionToken>
              <Expiration>2099-01-01T00:00:00Z</Expiration>
            </Credentials>
            <AssumedRoleUser>
              <Arn>arn:aws:sts::123456789012:assumed-role/countersign-deployer/countersign</Arn>
              <AssumedRoleId>AROATESTONLY:countersign</AssumedRoleId>
            </AssumedRoleUser>
          </AssumeRoleResult>
          <ResponseMetadata><RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId></ResponseMetadata>
        </AssumeRoleResponse>""")));
    AwsSettings settings =
        new AwsSettings(
            "eu-west-1",
            "arn:aws:iam::123456789012:role/countersign-deployer",
            "medication-tracker",
            Map.of(
                "lambda", lambda.endpoint(), "sts", URI.create("http://localhost:" + sts.port())),
            null,
            null);

    clients.lambda(settings).getAlias(r -> r.functionName("api_handler").name("live"));
    clients.lambda(settings).getAlias(r -> r.functionName("api_handler").name("live"));

    List<LoggedRequest> assumed = sts.findAll(postRequestedFor(urlPathEqualTo("/")));
    assertThat(assumed).hasSize(1); // cached until it nears expiry
    assertThat(assumed.get(0).getBodyAsString())
        .contains(
            "Action=AssumeRole",
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fcountersign-deployer",
            "RoleSessionName=countersign",
            "ExternalId=medication-tracker",
            "DurationSeconds=900");
    assertThat(assumed.get(0).getHeader("Authorization")).contains("Credential=AKIDTESTONLY/");
    List<ServeEvent> calls = lambda.server().getAllServeEvents();
    assertThat(calls)
        .hasSize(2)
        .allSatisfy(
            call -> {
              assertThat(call.getRequest().getHeader("Authorization"))
                  .contains("Credential=ASIATESTASSUMED/");
              assertThat(call.getRequest().getHeader("X-Amz-Security-Token"))
                  .isEqualTo("session-token-1");
            });
    assertThat(clients.lambda(settings)).isSameAs(clients.lambda(settings));
  }

  @Test
  void aServiceThatDoesNotAnswerIsCutOffByTheCallTimeout() {
    sts.stubFor(
        get(urlPathMatching("/2015-03-31/.*"))
            .willReturn(aResponse().withFixedDelay(15_000).withBody("{}")));
    LambdaClient slow =
        clients.lambda(
            new AwsSettings(
                "eu-west-1",
                null,
                null,
                Map.of("lambda", URI.create("http://localhost:" + sts.port())),
                Duration.ofMillis(300),
                2));

    long started = System.nanoTime();
    assertThatThrownBy(
            () -> call(() -> slow.getAlias(r -> r.functionName("api_handler").name("live"))))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageStartingWith("Lambda GetAlias failed: ");
    // Two 300 ms attempts against an answer after 15 s: a bound far from both, so a busy machine
    // cannot break it.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(Duration.ofSeconds(10));
  }

  @Test
  void serverErrorsAreRetriedByTheStandardStrategyUpToMaxAttempts() {
    lambda.fail("GET", "/aliases/live", 2, 503, "ServiceException", "try again");
    AwsSettings settings =
        new AwsSettings("eu-west-1", null, null, Map.of("lambda", lambda.endpoint()), null, 3);

    assertThat(
            clients
                .lambda(settings)
                .getAlias(r -> r.functionName("api_handler").name("live"))
                .functionVersion())
        .isEqualTo("7");
    assertThat(lambda.callLines()).hasSize(3);
  }

  private static void call(Runnable call) {
    try {
      call.run();
    } catch (SdkException e) {
      throw AwsFailures.translate("Lambda GetAlias", e);
    }
  }
}
