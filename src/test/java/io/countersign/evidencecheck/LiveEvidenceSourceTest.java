package io.countersign.evidencecheck;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.anyUrl;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.getRequestedFor;
import static com.github.tomakehurst.wiremock.client.WireMock.urlEqualTo;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowable;

import com.github.tomakehurst.wiremock.WireMockServer;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.S3MockServer;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * The live source against real peers: S3Mock over the S3 protocol, WireMock over server. Each way a
 * file can be wrong or out of reach ends in a refusal that says why, and says whether asking again
 * could help; nothing is fetched from a host that is not allowed, and no redirect is followed.
 */
class LiveEvidenceSourceTest {
  private static final String STORE_PASSWORD = "test-only";
  private static WireMockServer server;
  private static HttpClient client;
  @TempDir static Path keys;
  private static final long LIMIT = 1024;

  private static AwsClients clients;
  private static S3Client s3;
  private String bucket;
  private LiveEvidenceSource source;

  /**
   * WireMock serves server with a certificate for localhost made here by the JDK's keytool, and the
   * client trusts exactly that certificate: TLS with host name verification, as in production.
   */
  @BeforeAll
  static void servers() throws Exception {
    Path store = keys.resolve("localhost.p12");
    Process keytool =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "keytool").toString(),
                "-genkeypair",
                "-alias",
                "localhost",
                "-keyalg",
                "EC",
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=dns:localhost,ip:127.0.0.1",
                "-validity",
                "2",
                "-storetype",
                "PKCS12",
                "-keystore",
                store.toString(),
                "-storepass",
                STORE_PASSWORD)
            .redirectErrorStream(true)
            .start();
    String output = new String(keytool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(keytool.waitFor()).as(output).isZero();
    server =
        new WireMockServer(
            options()
                .dynamicPort()
                .dynamicHttpsPort()
                .keystorePath(store.toString())
                .keystoreType("PKCS12")
                .keystorePassword(STORE_PASSWORD)
                .keyManagerPassword(STORE_PASSWORD));
    server.start();
    KeyStore trusted = KeyStore.getInstance("PKCS12");
    try (var in = Files.newInputStream(store)) {
      trusted.load(in, STORE_PASSWORD.toCharArray());
    }
    TrustManagerFactory trust =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    trust.init(trusted);
    SSLContext tls = SSLContext.getInstance("TLS");
    tls.init(null, trust.getTrustManagers(), new SecureRandom());
    client =
        HttpClient.newBuilder().sslContext(tls).followRedirects(HttpClient.Redirect.NEVER).build();
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    s3 = clients.s3(settings());
  }

  @AfterAll
  static void stop() {
    server.stop();
    clients.close();
  }

  private static AwsSettings settings() {
    return new AwsSettings(
        "eu-west-1", null, null, Map.of("s3", S3MockServer.endpoint()), null, null);
  }

  @BeforeEach
  void fresh() throws Exception {
    server.resetAll();
    bucket = "evidence-" + UUID.randomUUID().toString().substring(0, 8);
    s3.createBucket(r -> r.bucket(bucket));
    source = new LiveEvidenceSource(client, Duration.ofSeconds(5), Set.of("localhost"), s3);
  }

  private String https(String path) {
    return "https://localhost:" + server.httpsPort() + path;
  }

  private void put(String key, byte[] content) {
    s3.putObject(r -> r.bucket(bucket).key(key), RequestBody.fromBytes(content));
  }

  @Test
  void readsAnS3ObjectThroughTheSdk() throws Exception {
    byte[] content = "<testsuite tests=\"1\"/>".getBytes(StandardCharsets.UTF_8);
    put("evidence/2.4.0/integration-tests.xml", content);

    assertThat(source.fetch("s3://" + bucket + "/evidence/2.4.0/integration-tests.xml", LIMIT))
        .contains(content);
  }

  @Test
  void aMissingS3ObjectIsAFinalAnswer() {
    assertThatThrownBy(() -> source.fetch("s3://" + bucket + "/evidence/none.xml", LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage()).isEqualTo("S3 answered 404 NoSuchKey");
              assertThat(u.transientFailure()).isFalse();
            });
  }

  @Test
  void anS3ObjectOverTheLimitIsRefusedWithoutReadingItAll() throws Exception {
    put("evidence/big.json", new byte[(int) LIMIT + 1]);
    put("evidence/just.json", new byte[(int) LIMIT]);

    assertThatThrownBy(() -> source.fetch("s3://" + bucket + "/evidence/big.json", LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage()).isEqualTo("larger than the limit of 1024 bytes");
              assertThat(u.transientFailure()).isFalse();
            });
    assertThat(source.fetch("s3://" + bucket + "/evidence/just.json", LIMIT).orElseThrow())
        .hasSize((int) LIMIT);
  }

  @Test
  void withoutS3AccessS3ItemsAreRefusedSayingWhatIsMissing() throws Exception {
    LiveEvidenceSource httpsOnly =
        new LiveEvidenceSource(client, Duration.ofSeconds(5), Set.of("localhost"), null);

    assertThatThrownBy(() -> httpsOnly.fetch("s3://" + bucket + "/evidence/a.xml", LIMIT))
        .hasMessage("no S3 access is configured (countersign.targets.evidence.s3)");
  }

  @Test
  void anUnreachableS3IsWorthAskingAgain() throws Exception {
    S3Client nowhere =
        clients.s3(
            new AwsSettings(
                "eu-west-1",
                null,
                null,
                Map.of("s3", URI.create("http://127.0.0.1:" + closedPort())),
                Duration.ofSeconds(2),
                1));
    LiveEvidenceSource down =
        new LiveEvidenceSource(client, Duration.ofSeconds(5), Set.of(), nowhere);

    assertThatThrownBy(() -> down.fetch("s3://" + bucket + "/evidence/a.xml", LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class, u -> assertThat(u.transientFailure()).isTrue());
  }

  @Test
  void readsOverHttpsFromAnAllowedHost() throws Exception {
    server.stubFor(
        get("/builds/812/junit.xml").willReturn(aResponse().withStatus(200).withBody("<x/>")));

    assertThat(source.fetch(https("/builds/812/junit.xml"), LIMIT))
        .hasValueSatisfying(
            b -> assertThat(new String(b, StandardCharsets.UTF_8)).isEqualTo("<x/>"));
  }

  /**
   * A host's credentials (a CI artifact store's token) go to that host only: not to another allowed
   * host, and never into a message.
   */
  @Test
  void aHostsCredentialsGoToThatHostOnly() throws Exception {
    String token = "Bearer ci-token-" + System.nanoTime();
    LiveEvidenceSource withToken =
        new LiveEvidenceSource(
            client,
            Duration.ofSeconds(5),
            Set.of("localhost", "127.0.0.1"),
            Map.of("localhost", Map.of("Authorization", token)),
            s3);
    server.stubFor(
        get("/builds/812/junit.xml")
            .withHeader("Authorization", equalTo(token))
            .willReturn(aResponse().withStatus(200).withBody("<x/>")));
    server.stubFor(get("/denied.xml").willReturn(aResponse().withStatus(403)));

    assertThat(withToken.fetch(https("/builds/812/junit.xml"), LIMIT)).isPresent();
    assertThatThrownBy(() -> withToken.fetch(https("/denied.xml"), LIMIT))
        .hasMessage("answered 403")
        .satisfies(refused -> assertThat(refused.getMessage()).doesNotContain(token));
    server.verify(
        getRequestedFor(urlEqualTo("/builds/812/junit.xml"))
            .withHeader("Authorization", equalTo(token)));

    // The same server under another allowed name gets no credentials (and, without them, no file).
    server.resetRequests();
    assertThat(
            catchThrowable(
                () ->
                    withToken.fetch(
                        "https://127.0.0.1:" + server.httpsPort() + "/builds/812/junit.xml",
                        LIMIT)))
        .hasMessage("answered 404");
    assertThat(server.findAll(anyRequestedFor(anyUrl())))
        .singleElement()
        .satisfies(r -> assertThat(r.containsHeader("Authorization")).isFalse());
  }

  @Test
  void credentialsAreRefusedForAHostNotAllowedAndTheirValueIsNeverEchoed() {
    EvidenceSourceProperties properties =
        new EvidenceSourceProperties(
            "live",
            null,
            null,
            List.of("ci.medication.example"),
            List.of(
                new EvidenceSourceProperties.Credential(
                    "evil.example", "Authorization", "Bearer s3cr3t"),
                new EvidenceSourceProperties.Credential("ci.medication.example", "Bad Header", "")),
            null);

    assertThat(properties.problems())
        .containsExactly(
            "countersign.targets.evidence.https-credentials[0].host must be one of https-hosts,"
                + " not 'evil.example'",
            "countersign.targets.evidence.https-credentials[1].header must be a header name such"
                + " as Authorization",
            "countersign.targets.evidence.https-credentials[1].value is empty");
    assertThat(String.join(" ", properties.problems())).doesNotContain("s3cr3t");
  }

  @Test
  void aHostNotAllowedIsNeverAsked() throws Exception {
    LiveEvidenceSource strict =
        new LiveEvidenceSource(client, Duration.ofSeconds(5), Set.of("ci.medication.example"), s3);
    server.stubFor(get(anyUrl()).willReturn(aResponse().withStatus(200).withBody("<x/>")));

    assertThatThrownBy(() -> strict.fetch(https("/builds/812/junit.xml"), LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage())
                  .isEqualTo("host localhost is not in countersign.targets.evidence.https-hosts");
              assertThat(u.transientFailure()).isFalse();
            });
    server.verify(0, anyRequestedFor(anyUrl()));
  }

  @Test
  void aRedirectIsNotFollowed() {
    server.stubFor(
        get("/builds/812/junit.xml")
            .willReturn(
                aResponse().withStatus(302).withHeader("Location", "https://evil.example/x.xml")));

    assertThatThrownBy(() -> source.fetch(https("/builds/812/junit.xml"), LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage()).startsWith("answered 302 (a redirect)");
              assertThat(u.transientFailure()).isFalse();
            });
    server.verify(1, getRequestedFor(urlEqualTo("/builds/812/junit.xml")));
  }

  @Test
  void notFoundIsFinalAndAServerErrorIsWorthAskingAgain() {
    server.stubFor(get("/gone.xml").willReturn(aResponse().withStatus(404)));
    server.stubFor(get("/busy.xml").willReturn(aResponse().withStatus(503)));

    assertThatThrownBy(() -> source.fetch(https("/gone.xml"), LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage()).isEqualTo("answered 404");
              assertThat(u.transientFailure()).isFalse();
            });
    assertThatThrownBy(() -> source.fetch(https("/busy.xml"), LIMIT))
        .isInstanceOfSatisfying(
            EvidenceSource.Unavailable.class,
            u -> {
              assertThat(u.getMessage()).isEqualTo("answered 503");
              assertThat(u.transientFailure()).isTrue();
            });
  }

  @Test
  void anHttpsAnswerOverTheLimitIsRefused() {
    server.stubFor(get("/big.json").willReturn(aResponse().withBody(new byte[(int) LIMIT * 3])));

    assertThatThrownBy(() -> source.fetch(https("/big.json"), LIMIT))
        .hasMessage("larger than the limit of 1024 bytes");
  }

  @Test
  void plainHttpIsNotRead() {
    assertThatThrownBy(() -> source.fetch("http://localhost:" + server.port() + "/x.xml", LIMIT))
        .hasMessage("only s3:// and https:// locations are read");
    server.verify(0, anyRequestedFor(anyUrl()));
  }

  private static int closedPort() throws Exception {
    try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
