package io.countersign;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.MapPropertySource;

/**
 * An OIDC identity provider for the HTTP tests: WireMock serves its JWKS over real HTTP; tests mint
 * tokens with {@link #token}. One per JVM, wired into the HTTP tests' application context.
 */
public class TestIdentityProvider
    implements ApplicationContextInitializer<ConfigurableApplicationContext> {
  public static final String ISSUER = "https://login.countersign.invalid/realms/health";
  private static final String CERTS = "/realms/health/protocol/openid-connect/certs";
  private static RSAKey key;
  private static WireMockServer server;

  @Override
  public void initialize(ConfigurableApplicationContext context) {
    context
        .getEnvironment()
        .getPropertySources()
        .addFirst(
            new MapPropertySource(
                "test-identity-provider",
                Map.of(
                    "countersign.security.oidc.jwk-set-uri",
                    start() + CERTS,
                    "countersign.security.oidc.issuer",
                    ISSUER)));
  }

  private static synchronized String start() {
    if (server == null) {
      try {
        key = new RSAKeyGenerator(2048).keyID("test-key").generate();
      } catch (JOSEException e) {
        throw new IllegalStateException(e);
      }
      server = new WireMockServer(options().dynamicPort());
      server.start();
      server.stubFor(
          get(CERTS)
              .willReturn(
                  aResponse()
                      .withHeader("Content-Type", "application/json")
                      .withBody(new JWKSet(key.toPublicJWK()).toString())));
      Runtime.getRuntime().addShutdownHook(new Thread(server::stop));
    }
    return server.baseUrl();
  }

  /** A token signed by this provider's key. */
  public static String token(String issuer, String user, List<String> groups, Instant expires) {
    start();
    return sign(key, issuer, user, groups, expires);
  }

  public static String sign(
      RSAKey signer, String issuer, String user, List<String> groups, Instant expires) {
    try {
      SignedJWT jwt =
          new SignedJWT(
              new JWSHeader.Builder(JWSAlgorithm.RS256).keyID(signer.getKeyID()).build(),
              new JWTClaimsSet.Builder()
                  .issuer(issuer)
                  .subject("sub-" + user)
                  .claim("preferred_username", user)
                  .claim("groups", groups)
                  .issueTime(new Date())
                  .expirationTime(Date.from(expires))
                  .build());
      jwt.sign(new RSASSASigner(signer));
      return jwt.serialize();
    } catch (JOSEException e) {
      throw new IllegalStateException(e);
    }
  }
}
