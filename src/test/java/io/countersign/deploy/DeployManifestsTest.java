package io.countersign.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodSecurityContext;
import io.fabric8.kubernetes.api.model.PodSpec;
import io.fabric8.kubernetes.api.model.SecurityContext;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceAccount;
import io.fabric8.kubernetes.api.model.Volume;
import io.fabric8.kubernetes.api.model.VolumeMount;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.networking.v1.Ingress;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicyPort;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The Kubernetes manifests of Countersign itself (deploy/countersign): every object file parses
 * into fabric8's typed model with no unknown field, every kustomization names files that exist, and
 * each overlay, rendered the simple way (KustomizeLite, not kustomize), runs as README "Running on
 * Kubernetes" promises.
 */
class DeployManifestsTest {
  private static final Path ROOT = Path.of("deploy", "countersign");
  private static final Pattern SECRET_NAME =
      Pattern.compile("(?i).*(PASSWORD|SECRET|PRIVATE_KEY|TOKEN|CREDENTIAL|ACCESS_KEY).*");
  private static final int APP_PORT = 8080;

  @Test
  void everyObjectFileParsesIntoTheTypedModelWithoutUnknownFields() throws IOException {
    List<Path> files = yamlFiles();
    assertThat(files).as("files under " + ROOT).hasSizeGreaterThan(10);
    int objects = 0;
    for (Path file : files) {
      if (file.getFileName().toString().equals(KustomizeLite.FILE)) {
        continue;
      }
      List<Map<String, Object>> documents = KustomizeLite.documents(file);
      assertThat(documents).as(file.toString()).isNotEmpty();
      for (Map<String, Object> document : documents) {
        assertThat(StrictModel.parse(document, file.toString()).getMetadata().getName())
            .as(file + " names its object")
            .isNotBlank();
        objects++;
      }
    }
    assertThat(objects).isGreaterThanOrEqualTo(10);
  }

  @Test
  void aMisspeltFieldFails() {
    Map<String, Object> deployment = rendered("production", Deployment.class.getSimpleName());
    @SuppressWarnings("unchecked")
    Map<String, Object> spec = (Map<String, Object>) deployment.get("spec");
    spec.put("replica", 2);
    assertThatThrownBy(() -> StrictModel.parse(deployment, "misspelt"))
        .hasMessageContaining("Deployment.spec.replica");
  }

  @Test
  void aMisspeltNestedFieldAndAnUnknownKindFail() {
    Map<String, Object> deployment = rendered("production", "Deployment");
    container(deployment).put("readOnlyRootFileSystem", true);
    assertThatThrownBy(() -> StrictModel.parse(deployment, "nested"))
        .hasMessageContaining("containers[0].readOnlyRootFileSystem");
    Map<String, Object> unknownKind = new LinkedHashMap<>();
    unknownKind.put("apiVersion", "apps/v1");
    unknownKind.put("kind", "Deploymnet");
    unknownKind.put("metadata", Map.of("name", "x"));
    assertThatThrownBy(() -> StrictModel.parse(unknownKind, "kind"))
        .hasMessageContaining("unknown apiVersion/kind");
  }

  @Test
  void everyKustomizationNamesFilesThatExist() throws IOException {
    List<Path> kustomizations =
        yamlFiles().stream()
            .filter(f -> f.getFileName().toString().equals(KustomizeLite.FILE))
            .toList();
    assertThat(kustomizations)
        .extracting(f -> ROOT.relativize(f.getParent()).toString().replace('\\', '/'))
        .containsExactlyInAnyOrder("base", "overlays/staging", "overlays/production");
    for (Path kustomization : kustomizations) {
      for (Path path : KustomizeLite.referencedPaths(kustomization.getParent())) {
        assertThat(path).as("named by " + kustomization).exists();
      }
    }
    // Every object file of the base is one of its resources: nothing lies there unused.
    Path base = ROOT.resolve("base");
    try (Stream<Path> files = Files.list(base)) {
      assertThat(files.filter(f -> !f.getFileName().toString().equals(KustomizeLite.FILE)))
          .allSatisfy(f -> assertThat(KustomizeLite.referencedPaths(base)).contains(f));
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"staging", "production"})
  void theOverlayRunsNonRootReadOnlyWithSecretsFromSecrets(String overlay) {
    Map<String, HasMetadata> objects = renderTyped(overlay);
    Deployment deployment = only(objects, Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    assertThat(deployment.getSpec().getReplicas()).isGreaterThanOrEqualTo(2);
    PodSecurityContext podSecurity = pod.getSecurityContext();
    assertThat(podSecurity.getRunAsNonRoot()).isTrue();
    assertThat(podSecurity.getRunAsUser()).isPositive();
    assertThat(podSecurity.getSeccompProfile().getType()).isEqualTo("RuntimeDefault");
    List<Container> containers = new ArrayList<>(pod.getContainers());
    containers.addAll(pod.getInitContainers());
    for (Container container : containers) {
      SecurityContext security = container.getSecurityContext();
      assertThat(security.getReadOnlyRootFilesystem()).as(container.getName()).isTrue();
      assertThat(security.getAllowPrivilegeEscalation()).isFalse();
      assertThat(security.getRunAsNonRoot()).isNotEqualTo(false);
      assertThat(security.getRunAsUser()).isNotEqualTo(0L);
      assertThat(security.getCapabilities().getDrop()).containsExactly("ALL");
      assertThat(security.getCapabilities().getAdd()).isEmpty();
      for (EnvVar env : container.getEnv()) {
        if (SECRET_NAME.matcher(env.getName()).matches()) {
          assertThat(env.getValue()).as(env.getName() + " has no literal value").isNull();
          assertThat(env.getValueFrom().getSecretKeyRef())
              .as(env.getName() + " from a Secret")
              .isNotNull();
        }
      }
      assertThat(container.getResources().getLimits()).containsKey("memory");
      assertThat(container.getResources().getRequests()).containsKeys("cpu", "memory");
    }
    assertThat(objects.values())
        .as("the Secrets are created per installation, never kept in the repository")
        .noneMatch(o -> o.getKind().equals("Secret"));
    assertThat(yamlText()).doesNotContainIgnoringCase("kind: Secret");
  }

  @ParameterizedTest
  @ValueSource(strings = {"staging", "production"})
  void theAppGetsItsDatabaseKeyAndNodeIdAndWritesOnlyToVolumes(String overlay) {
    Map<String, HasMetadata> objects = renderTyped(overlay);
    Deployment deployment = only(objects, Deployment.class);
    PodSpec pod = deployment.getSpec().getTemplate().getSpec();
    Container app = pod.getContainers().get(0);
    Map<String, EnvVar> env = new HashMap<>();
    app.getEnv().forEach(e -> env.put(e.getName(), e));
    assertThat(env.get("SPRING_PROFILES_ACTIVE").getValue()).isEqualTo("production");
    assertThat(env.get("COUNTERSIGN_NODE_ID").getValueFrom().getFieldRef().getFieldPath())
        .isEqualTo("metadata.name");
    assertThat(env.get("JAVA_TOOL_OPTIONS").getValue()).contains("-XX:MaxRAMPercentage=");
    for (String secret :
        List.of(
            "SPRING_DATASOURCE_USERNAME",
            "SPRING_DATASOURCE_PASSWORD",
            "SPRING_FLYWAY_USER",
            "SPRING_FLYWAY_PASSWORD",
            "COUNTERSIGN_EVIDENCE_SIGNING_PRIVATE_KEY",
            "COUNTERSIGN_EVIDENCE_SIGNING_PUBLIC_KEY")) {
      assertThat(env.get(secret).getValueFrom().getSecretKeyRef().getOptional())
          .as(secret + " is required")
          .isNotEqualTo(true);
    }
    // The URL from the rendered ConfigMap, which has that key.
    ConfigMap config = only(objects, ConfigMap.class);
    var urlRef = env.get("SPRING_DATASOURCE_URL").getValueFrom().getConfigMapKeyRef();
    assertThat(urlRef.getName()).isEqualTo(config.getMetadata().getName());
    assertThat(config.getData().get(urlRef.getKey())).startsWith("jdbc:postgresql://");
    // Every mount has its volume; /tmp is writable; whatever the app writes lies on a mount.
    Map<String, Volume> volumes = new HashMap<>();
    pod.getVolumes().forEach(v -> volumes.put(v.getName(), v));
    for (VolumeMount mount : app.getVolumeMounts()) {
      assertThat(volumes).as(mount.getMountPath()).containsKey(mount.getName());
    }
    assertThat(writableMount(app, volumes, "/tmp/x")).isTrue();
    assertThat(writableMount(app, volumes, "/app/var/evidence-signing.key")).isTrue();
    assertThat(writableMount(app, volumes, env.get("COUNTERSIGN_BACKUPS_DIRECTORY").getValue()))
        .isTrue();
    Map<String, Object> settings = applicationYaml(config);
    String archive = (String) path(settings, "countersign.evidence.archive.directory");
    assertThat(writableMount(app, volumes, archive)).as(archive).isTrue();
    assertThat(path(settings, "countersign.evidence.checkpoints.file"))
        .as("several nodes: no per-node checkpoint file (README Running several nodes)")
        .isEqualTo("");
    assertThat(path(settings, "countersign.evidence.checkpoints.s3.bucket")).isNotNull();
    assertThat(volumes.get("config").getConfigMap().getName())
        .isEqualTo(config.getMetadata().getName());
    assertThat(volumes.get("config").getConfigMap().getItems())
        .singleElement()
        .satisfies(i -> assertThat(i.getPath()).isEqualTo("application.yaml"));
    assertThat(app.getVolumeMounts())
        .anySatisfy(m -> assertThat(m.getMountPath()).isEqualTo("/app/config"));
    assertThat(settingsWithSecretNames(settings, "")).as("no secret in the ConfigMap").isEmpty();
    // The base URL the app writes into links and notices is the Ingress's host.
    Ingress ingress = only(objects, Ingress.class);
    String host = ingress.getSpec().getRules().get(0).getHost();
    assertThat(URI.create((String) path(settings, "countersign.base-url")).getHost())
        .isEqualTo(host);
    assertThat(ingress.getSpec().getTls().get(0).getHosts()).containsExactly(host);
  }

  @ParameterizedTest
  @ValueSource(strings = {"staging", "production"})
  void probesPdbServiceAndNetworkPolicySelectTheAppsPods(String overlay) {
    Map<String, HasMetadata> objects = renderTyped(overlay);
    Deployment deployment = only(objects, Deployment.class);
    Map<String, String> podLabels = deployment.getSpec().getTemplate().getMetadata().getLabels();
    assertThat(podLabels).containsAllEntriesOf(deployment.getSpec().getSelector().getMatchLabels());
    Container app = deployment.getSpec().getTemplate().getSpec().getContainers().get(0);
    assertThat(httpGet(app.getLivenessProbe().getHttpGet(), app))
        .isEqualTo("/actuator/health/liveness");
    assertThat(httpGet(app.getReadinessProbe().getHttpGet(), app))
        .isEqualTo("/actuator/health/readiness");
    assertThat(httpGet(app.getStartupProbe().getHttpGet(), app))
        .isEqualTo("/actuator/health/liveness");
    // Start-up may wait for the cluster-wide start-up lock: 10 minutes by default.
    assertThat(
            app.getStartupProbe().getPeriodSeconds() * app.getStartupProbe().getFailureThreshold())
        .isGreaterThan(600);

    PodDisruptionBudget pdb = only(objects, PodDisruptionBudget.class);
    assertThat(podLabels).containsAllEntriesOf(pdb.getSpec().getSelector().getMatchLabels());
    int minAvailable = pdb.getSpec().getMinAvailable().getIntVal();
    assertThat(minAvailable).isBetween(1, deployment.getSpec().getReplicas() - 1);

    Service service = only(objects, Service.class);
    assertThat(podLabels).containsAllEntriesOf(service.getSpec().getSelector());
    assertThat(
            app.getPorts().stream()
                .filter(
                    p ->
                        p.getName()
                            .equals(
                                service.getSpec().getPorts().get(0).getTargetPort().getStrVal()))
                .findFirst()
                .orElseThrow()
                .getContainerPort())
        .isEqualTo(APP_PORT);

    NetworkPolicy policy = only(objects, NetworkPolicy.class);
    assertThat(podLabels).containsAllEntriesOf(policy.getSpec().getPodSelector().getMatchLabels());
    assertThat(policy.getSpec().getPolicyTypes()).containsExactlyInAnyOrder("Ingress", "Egress");
    assertThat(policy.getSpec().getIngress())
        .allSatisfy(
            rule -> {
              assertThat(rule.getFrom()).as("never from anywhere").isNotEmpty();
              assertThat(rule.getPorts())
                  .extracting(p -> p.getPort().getIntVal())
                  .containsExactly(APP_PORT);
            });
    List<Integer> egressPorts =
        policy.getSpec().getEgress().stream()
            .flatMap(rule -> rule.getPorts().stream())
            .map(NetworkPolicyPort::getPort)
            .map(p -> p.getIntVal())
            .toList();
    assertThat(egressPorts).contains(53, 5432, 443);

    assertThat(
            deployment.getSpec().getTemplate().getSpec().getTopologySpreadConstraints().stream()
                .filter(c -> c.getTopologyKey().equals("kubernetes.io/hostname")))
        .singleElement()
        .satisfies(
            c -> assertThat(podLabels).containsAllEntriesOf(c.getLabelSelector().getMatchLabels()));
  }

  @ParameterizedTest
  @ValueSource(strings = {"staging", "production"})
  void theImagesEnvironmentOverridesNothingTheConfigMapSets(String overlay) throws IOException {
    // Environment variables win over /app/config/application.yaml: a setting the image fixes by ENV
    // would silently undo the installation's file (e.g. turn the per-node checkpoint file back on).
    String dockerfile = Files.readString(Path.of("Dockerfile"));
    String finalStage = dockerfile.substring(dockerfile.lastIndexOf("\nFROM "));
    java.util.regex.Matcher env =
        Pattern.compile("(?m)^(?:ENV\\s+|\\s+)([A-Z][A-Z0-9_]+)=").matcher(finalStage);
    List<String> names = new ArrayList<>();
    while (env.find()) {
      names.add(env.group(1));
    }
    assertThat(names).contains("COUNTERSIGN_BACKUPS_DIRECTORY");
    Map<String, Object> settings = applicationYaml(only(renderTyped(overlay), ConfigMap.class));
    for (String name : names) {
      String property = name.toLowerCase(java.util.Locale.ROOT).replace('_', '.');
      assertThat(path(settings, property)).as(name + " would override " + property).isNull();
    }
    assertThat(names).doesNotContain("COUNTERSIGN_EVIDENCE_CHECKPOINTS_FILE");
  }

  @Test
  void productionHasThreeNodesItsOwnImageTagAndHostAndMatchesTheTargetRbac() {
    Map<String, HasMetadata> production = renderTyped("production");
    Map<String, HasMetadata> staging = renderTyped("staging");
    Deployment deployment = only(production, Deployment.class);
    assertThat(deployment.getSpec().getReplicas()).isEqualTo(3);
    String prodImage =
        deployment.getSpec().getTemplate().getSpec().getContainers().get(0).getImage();
    String stagingImage =
        only(staging, Deployment.class)
            .getSpec()
            .getTemplate()
            .getSpec()
            .getContainers()
            .get(0)
            .getImage();
    assertThat(prodImage).matches("[^:]+/countersign:[0-9][^:]*").doesNotEndWith(":latest");
    assertThat(stagingImage).isNotEqualTo(prodImage);
    assertThat(only(production, Ingress.class).getSpec().getRules().get(0).getHost())
        .isNotEqualTo(only(staging, Ingress.class).getSpec().getRules().get(0).getHost());
    assertThat(production.values())
        .allSatisfy(o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("countersign"));
    assertThat(staging.values())
        .allSatisfy(
            o -> assertThat(o.getMetadata().getNamespace()).isEqualTo("countersign-staging"));
    // The RBAC for target namespaces binds this ServiceAccount in this namespace.
    ServiceAccount account = only(production, ServiceAccount.class);
    assertThat(deployment.getSpec().getTemplate().getSpec().getServiceAccountName())
        .isEqualTo(account.getMetadata().getName());
    ServiceAccount rbacAccount =
        KustomizeLite.documents(Path.of("deploy", "kubernetes", "countersign-rbac.yaml")).stream()
            .filter(d -> "ServiceAccount".equals(d.get("kind")))
            .map(d -> (ServiceAccount) StrictModel.parse(d, "countersign-rbac.yaml"))
            .findFirst()
            .orElseThrow();
    assertThat(rbacAccount.getMetadata().getName()).isEqualTo(account.getMetadata().getName());
    assertThat(rbacAccount.getMetadata().getNamespace())
        .isEqualTo(account.getMetadata().getNamespace());
  }

  @Test
  void theRendererMergesNamedListsAndRefusesWhatItCannotRender() {
    Map<String, Object> target = new LinkedHashMap<>();
    target.put(
        "containers",
        new ArrayList<>(
            List.of(
                new LinkedHashMap<>(Map.of("name", "a", "image", "x", "tty", true)),
                new LinkedHashMap<>(Map.of("name", "b", "image", "y")))));
    target.put("replicas", 2);
    target.put("paused", true);
    Map<String, Object> patch = new LinkedHashMap<>();
    patch.put("containers", List.of(Map.of("name", "b", "image", "z")));
    patch.put("replicas", 3);
    patch.put("paused", null);
    KustomizeLite.merge(target, patch);
    assertThat(target)
        .isEqualTo(
            Map.of(
                "containers",
                List.of(
                    Map.of("name", "a", "image", "x", "tty", true),
                    Map.of("name", "b", "image", "z")),
                "replicas",
                3));
    assertThatThrownBy(() -> KustomizeLite.kustomization(Path.of("src/test/resources/deploy")))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("configMapGenerator");
  }

  // --- helpers

  private static List<Path> yamlFiles() throws IOException {
    try (Stream<Path> files = Files.walk(ROOT)) {
      return files
          .filter(Files::isRegularFile)
          .filter(f -> f.toString().endsWith(".yaml") || f.toString().endsWith(".yml"))
          .sorted()
          .toList();
    }
  }

  private static String yamlText() {
    try {
      StringBuilder text = new StringBuilder();
      for (Path file : yamlFiles()) {
        text.append(Files.readString(file)).append('\n');
      }
      return text.toString();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Map<String, Object> rendered(String overlay, String kind) {
    return KustomizeLite.render(ROOT.resolve("overlays").resolve(overlay)).stream()
        .filter(o -> kind.equals(o.get("kind")))
        .findFirst()
        .orElseThrow();
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> container(Map<String, Object> deployment) {
    Map<String, Object> template =
        (Map<String, Object>) ((Map<String, Object>) deployment.get("spec")).get("template");
    return ((List<Map<String, Object>>)
            ((Map<String, Object>) template.get("spec")).get("containers"))
        .get(0);
  }

  /** The overlay's objects, typed and strict, by kind/name. */
  private static Map<String, HasMetadata> renderTyped(String overlay) {
    Map<String, HasMetadata> objects = new LinkedHashMap<>();
    for (Map<String, Object> object :
        KustomizeLite.render(ROOT.resolve("overlays").resolve(overlay))) {
      HasMetadata typed = StrictModel.parse(object, overlay + " rendered");
      assertThat(objects.put(typed.getKind() + "/" + typed.getMetadata().getName(), typed))
          .as("one " + typed.getKind() + " " + typed.getMetadata().getName())
          .isNull();
    }
    return objects;
  }

  private static <T extends HasMetadata> T only(Map<String, HasMetadata> objects, Class<T> type) {
    List<T> matching = objects.values().stream().filter(type::isInstance).map(type::cast).toList();
    assertThat(matching).as(type.getSimpleName()).hasSize(1);
    return matching.get(0);
  }

  private static String httpGet(HTTPGetAction probe, Container app) {
    String port = probe.getPort().getStrVal();
    assertThat(app.getPorts())
        .anySatisfy(
            p -> {
              assertThat(p.getName()).isEqualTo(port);
              assertThat(p.getContainerPort()).isEqualTo(APP_PORT);
            });
    return probe.getPath();
  }

  /** Whether a path lies under a mount that is writable (not readOnly, not a ConfigMap). */
  private static boolean writableMount(
      Container app, Map<String, Volume> volumes, String location) {
    return app.getVolumeMounts().stream()
        .filter(m -> location.startsWith(m.getMountPath().replaceAll("/?$", "/")))
        .anyMatch(
            m ->
                !Boolean.TRUE.equals(m.getReadOnly())
                    && volumes.get(m.getName()).getConfigMap() == null
                    && volumes.get(m.getName()).getSecret() == null);
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> applicationYaml(ConfigMap config) {
    return (Map<String, Object>)
        new Yaml(new SafeConstructor(new LoaderOptions()))
            .load(config.getData().get("application.yaml"));
  }

  @SuppressWarnings("unchecked")
  private static Object path(Map<String, Object> settings, String dotted) {
    Object current = settings;
    for (String key : dotted.split("\\.")) {
      current = current == null ? null : ((Map<String, Object>) current).get(key);
    }
    return current;
  }

  /** Settings whose key names a secret and whose value is a literal (not a ${...} reference). */
  @SuppressWarnings("unchecked")
  private static List<String> settingsWithSecretNames(Map<String, Object> settings, String prefix) {
    List<String> found = new ArrayList<>();
    settings.forEach(
        (key, value) -> {
          String name = prefix + key;
          if (value instanceof Map) {
            found.addAll(settingsWithSecretNames((Map<String, Object>) value, name + "."));
          } else if (name.toLowerCase().matches(".*(password|secret|private-key|token).*")
              && !Objects.toString(value, "").startsWith("${")) {
            found.add(name);
          }
        });
    return found;
  }
}
