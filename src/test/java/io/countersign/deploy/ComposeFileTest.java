package io.countersign.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.source.ConfigurationPropertySources;
import org.springframework.core.env.MutablePropertySources;
import org.springframework.core.env.StandardEnvironment;
import org.springframework.core.env.SystemEnvironmentPropertySource;

/**
 * docker-compose.yml, which no Docker engine here can run: read as compose reads it, it keeps what
 * the issue asked for (a bootstrap administrator and secrets from .env, volumes for the evidence
 * and the backups, a health check, TLS in front, no plain HTTP port) and each variable it sets
 * binds to the Spring property it is meant for.
 */
class ComposeFileTest {
  private static final Pattern INTERPOLATION = Pattern.compile("\\$\\{([A-Z0-9_]+)(:?[?-][^}]*)?}");

  @Test
  void countersignGetsItsAdministratorAndSecretsFromTheEnvFileAndBindsThem() throws IOException {
    Map<String, Object> app = service("countersign");
    Map<String, String> env = environment(app);
    for (String required :
        List.of(
            "COUNTERSIGN_EVIDENCE_SIGNING_PRIVATE_KEY",
            "COUNTERSIGN_EVIDENCE_SIGNING_PUBLIC_KEY")) {
      assertThat(env.get(required)).as(required).startsWith("${" + required + ":?");
    }
    // Optional, so that .env can drop them after the first login; with the id set and no password
    // the
    // production profile refuses to start (ProductionGuardTest), so a forgotten one is not silent.
    for (String admin :
        List.of("COUNTERSIGN_BOOTSTRAP_ADMIN_ID", "COUNTERSIGN_BOOTSTRAP_ADMIN_PASSWORD")) {
      assertThat(env.get(admin)).as(admin).isEqualTo("${" + admin + ":-}");
    }
    assertThat(envExample().get("COUNTERSIGN_BOOTSTRAP_ADMIN_ID")).isNotBlank();
    assertThat(env.get("SPRING_PROFILES_ACTIVE")).isEqualTo("production");
    assertThat(env.get("SPRING_DATASOURCE_PASSWORD")).startsWith("${COUNTERSIGN_DB_APP_PASSWORD:?");
    assertThat(env.get("SPRING_FLYWAY_PASSWORD")).startsWith("${COUNTERSIGN_DB_OWNER_PASSWORD:?");
    // The names as Spring's relaxed binding reads them from the environment (each variable carries
    // its own name as value: compose's ${...} would read as a Spring placeholder).
    Map<String, Object> named = new LinkedHashMap<>();
    env.keySet().forEach(name -> named.put(name, "value-of-" + name));
    StandardEnvironment spring = new StandardEnvironment();
    MutablePropertySources sources = spring.getPropertySources();
    sources.remove(StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME);
    sources.remove(StandardEnvironment.SYSTEM_PROPERTIES_PROPERTY_SOURCE_NAME);
    sources.addFirst(
        new SystemEnvironmentPropertySource(
            StandardEnvironment.SYSTEM_ENVIRONMENT_PROPERTY_SOURCE_NAME, named));
    ConfigurationPropertySources.attach(spring);
    Map<String, String> bindings =
        Map.of(
            "countersign.bootstrap-admin.id", "COUNTERSIGN_BOOTSTRAP_ADMIN_ID",
            "countersign.bootstrap-admin.password", "COUNTERSIGN_BOOTSTRAP_ADMIN_PASSWORD",
            "countersign.evidence.signing.private-key", "COUNTERSIGN_EVIDENCE_SIGNING_PRIVATE_KEY",
            "countersign.backups.directory", "COUNTERSIGN_BACKUPS_DIRECTORY",
            "countersign.evidence.checkpoints.file", "COUNTERSIGN_EVIDENCE_CHECKPOINTS_FILE",
            "countersign.base-url", "COUNTERSIGN_BASE_URL",
            "server.forward-headers-strategy", "SERVER_FORWARD_HEADERS_STRATEGY",
            "server.tomcat.remoteip.internal-proxies", "SERVER_TOMCAT_REMOTEIP_INTERNAL_PROXIES");
    bindings.forEach(
        (property, variable) ->
            assertThat(spring.getProperty(property))
                .as(property)
                .isEqualTo("value-of-" + variable));
    // Every variable compose interpolates is documented in .env.example, without a secret value.
    Map<String, String> example = envExample();
    assertThat(example.keySet()).containsAll(interpolated());
    example.forEach(
        (name, value) -> {
          if (name.matches(".*(PASSWORD|PRIVATE_KEY|PUBLIC_KEY)")) {
            assertThat(value).as(name + " is left for the installation to fill in").isEmpty();
          }
        });
    assertThat(Files.readAllLines(Path.of(".gitignore"))).contains(".env");
  }

  @Test
  void theEvidenceAndTheBackupsLiveOnVolumes() {
    Map<String, Object> app = service("countersign");
    Map<String, String> env = environment(app);
    @SuppressWarnings("unchecked")
    Map<String, Object> volumes = (Map<String, Object>) compose().get("volumes");
    @SuppressWarnings("unchecked")
    List<String> mounts = (List<String>) app.get("volumes");
    String backups = env.get("COUNTERSIGN_BACKUPS_DIRECTORY");
    String evidence =
        Path.of(env.get("COUNTERSIGN_EVIDENCE_CHECKPOINTS_FILE")).getParent().toString();
    for (String directory : List.of(backups, evidence)) {
      assertThat(mounts)
          .as(directory + " is a named volume")
          .anySatisfy(
              mount -> {
                String[] parts = mount.split(":");
                assertThat(parts[1]).isEqualTo(directory);
                assertThat(volumes).containsKey(parts[0]);
              });
    }
    // The key itself comes from the environment (production refuses a key file), so it survives any
    // container; nothing makes one.
    assertThat(env).doesNotContainKey("COUNTERSIGN_EVIDENCE_SIGNING_KEY_FILE");
  }

  @Test
  void countersignHasAHealthCheckAndIsReachedOverTlsOnly() throws IOException {
    Map<String, Object> app = service("countersign");
    @SuppressWarnings("unchecked")
    Map<String, Object> health = (Map<String, Object>) app.get("healthcheck");
    @SuppressWarnings("unchecked")
    List<String> test = (List<String>) health.get("test");
    assertThat(test.get(0)).isEqualTo("CMD");
    assertThat(test.get(1)).as("installed in the image").isEqualTo("curl");
    assertThat(Files.readString(Path.of("Dockerfile")))
        .containsPattern("apt-get install[^\\n]*curl");
    assertThat(test).contains("http://localhost:8080/actuator/health/readiness");
    assertThat(app)
        .as("no plain HTTP port: the session cookie is secure")
        .doesNotContainKey("ports");

    Map<String, Object> proxy = service("proxy");
    assertThat(proxy.get("ports").toString()).contains("443:443");
    @SuppressWarnings("unchecked")
    Map<String, Object> depends = (Map<String, Object>) proxy.get("depends_on");
    assertThat(depends.get("countersign").toString()).contains("service_healthy");
    String caddyfile = Files.readString(Path.of("deploy", "caddy", "Caddyfile"));
    assertThat(caddyfile)
        .contains("reverse_proxy countersign:8080")
        .doesNotContainPattern("(?m)^\\s*trusted_proxies");
    assertThat(proxy.get("volumes").toString())
        .contains("./deploy/caddy/Caddyfile:/etc/caddy/Caddyfile:ro");

    // Forwarded headers are trusted from the proxy's fixed address and nobody else's.
    Map<String, String> env = environment(app);
    assertThat(env.get("SERVER_FORWARD_HEADERS_STRATEGY")).isEqualTo("native");
    Pattern trusted = Pattern.compile(env.get("SERVER_TOMCAT_REMOTEIP_INTERNAL_PROXIES"));
    @SuppressWarnings("unchecked")
    Map<String, Object> networks = (Map<String, Object>) proxy.get("networks");
    @SuppressWarnings("unchecked")
    String proxyAddress =
        (String) ((Map<String, Object>) networks.get("front")).get("ipv4_address");
    assertThat(trusted.matcher(proxyAddress).matches()).isTrue();
    assertThat(trusted.matcher("172.30.0.11").matches()).isFalse();
    assertThat(trusted.matcher("172.30.0.100").matches()).isFalse();
    assertThat(compose().toString()).contains("172.30.0.0/24");
  }

  // --- helpers

  private static Map<String, Object> compose() {
    return KustomizeLite.documents(Path.of("docker-compose.yml")).get(0);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> service(String name) {
    return (Map<String, Object>) ((Map<String, Object>) compose().get("services")).get(name);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, String> environment(Map<String, Object> service) {
    Map<String, String> env = new LinkedHashMap<>();
    ((Map<String, Object>) service.get("environment"))
        .forEach((k, v) -> env.put(k, String.valueOf(v)));
    return env;
  }

  private static Set<String> interpolated() throws IOException {
    Set<String> names = new TreeSet<>();
    Matcher matcher = INTERPOLATION.matcher(Files.readString(Path.of("docker-compose.yml")));
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    assertThat(names).contains("COUNTERSIGN_BOOTSTRAP_ADMIN_PASSWORD", "POSTGRES_PASSWORD");
    return names;
  }

  private static Map<String, String> envExample() throws IOException {
    Map<String, String> values = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(".env.example"))) {
      if (!line.isBlank() && !line.startsWith("#")) {
        int equals = line.indexOf('=');
        values.put(line.substring(0, equals), line.substring(equals + 1));
      }
    }
    return values;
  }
}
