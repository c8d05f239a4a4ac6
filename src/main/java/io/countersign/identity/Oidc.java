package io.countersign.identity;

import java.util.Collection;
import java.util.List;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.core.DelegatingOAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtClaimValidator;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.stereotype.Component;

/**
 * Optional OIDC: with {@code countersign.security.oidc.jwk-set-uri} and {@code issuer} set, the API
 * and engine REST also accept JWT bearer tokens; the user is the {@code username-claim} and the
 * groups (the same group ids as the engine's: tech-leads, release-managers, ...) come from {@code
 * groups-claim}.
 */
@Component
class Oidc {
  private final String jwkSetUri;
  private final String issuer;
  private final String audience;
  private final String usernameClaim;
  private final String groupsClaim;

  Oidc(
      @Value("${countersign.security.oidc.jwk-set-uri:}") String jwkSetUri,
      @Value("${countersign.security.oidc.issuer:}") String issuer,
      @Value("${countersign.security.oidc.audience:}") String audience,
      @Value("${countersign.security.oidc.username-claim:preferred_username}") String usernameClaim,
      @Value("${countersign.security.oidc.groups-claim:groups}") String groupsClaim) {
    this.jwkSetUri = jwkSetUri;
    this.issuer = issuer;
    this.audience = audience;
    this.usernameClaim = usernameClaim;
    this.groupsClaim = groupsClaim;
    if (enabled() && issuer.isBlank()) {
      throw new IllegalStateException(
          "countersign.security.oidc.issuer is required with a jwk-set-uri");
    }
  }

  boolean enabled() {
    return !jwkSetUri.isBlank();
  }

  JwtDecoder decoder() {
    NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(jwkSetUri).build();
    var issuerAndTime = JwtValidators.createDefaultWithIssuer(issuer);
    decoder.setJwtValidator(
        audience.isBlank()
            ? issuerAndTime
            : new DelegatingOAuth2TokenValidator<>(
                issuerAndTime,
                new JwtClaimValidator<Collection<String>>(
                    "aud", aud -> aud != null && aud.contains(audience))));
    return decoder;
  }

  AbstractAuthenticationToken toAuthentication(Jwt jwt) {
    List<String> groups = jwt.getClaimAsStringList(groupsClaim);
    List<SimpleGrantedAuthority> authorities =
        groups == null ? List.of() : groups.stream().map(SimpleGrantedAuthority::new).toList();
    String user = jwt.getClaimAsString(usernameClaim);
    return new JwtAuthenticationToken(jwt, authorities, user != null ? user : jwt.getSubject());
  }
}
