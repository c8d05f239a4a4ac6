package io.countersign.kubernetes;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.FakeApiSupport;
import io.countersign.aws.S3MockServer;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.KubernetesSteps.ManifestSet;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.archivers.tar.TarConstants;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.services.s3.S3Client;

/**
 * Manifest sets: inline objects, and YAML files and tarballs read from S3Mock (a real S3-protocol
 * server, as a child process), through one reading and one set of rules at submission ({@code
 * check}) and at deploy ({@code objects}).
 */
class ManifestSetsTest {
  private static final String BUCKET = "manifest-sets-test";
  private static final String APPLY = "$.kubernetesSteps.steps[2].apply";

  /** Secret and Namespace are allowed here on purpose: they stay refused whatever the list says. */
  private static final List<String> CLINIC_KINDS =
      List.of(
          "ServiceAccount",
          "ConfigMap",
          "PersistentVolumeClaim",
          "Service",
          "Deployment",
          "StatefulSet",
          "DaemonSet",
          "HorizontalPodAutoscaler",
          "PodDisruptionBudget",
          "Ingress",
          "NetworkPolicy",
          "Secret",
          "Namespace");

  private static AwsClients uploads;
  private static S3Client s3;
  private static AwsSettings store;

  private AwsClients clients;
  private ManifestSets sets;
  private String prefix;

  @BeforeAll
  static void startS3() {
    store = settings(S3MockServer.endpoint());
    uploads = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    s3 = uploads.s3(store);
    if (s3.listBuckets().buckets().stream().noneMatch(b -> b.name().equals(BUCKET))) {
      s3.createBucket(r -> r.bucket(BUCKET));
    }
  }

  @AfterAll
  static void closeUploads() {
    uploads.close();
  }

  @BeforeEach
  void sets() {
    clients = new AwsClients(FakeApiSupport.TEST_CREDENTIALS);
    sets = new ManifestSets(properties("live", store), clients);
    prefix = "sets/" + UUID.randomUUID() + "/";
  }

  @AfterEach
  void close() {
    sets.close();
  }

  @Test
  void inlineObjectsComeInApplyOrderStableWithinAKindEachWithANamespace() {
    ManifestSet set =
        inline(
            object("networking.k8s.io/v1", "NetworkPolicy", "deny-all"),
            object("networking.k8s.io/v1", "Ingress", "web"),
            object("apps/v1", "Deployment", "api"),
            object("v1", "ConfigMap", "settings"),
            object("policy/v1", "PodDisruptionBudget", "api"),
            object("v1", "Service", "api"),
            inNamespace(object("v1", "ConfigMap", "job-settings"), "hospital-jobs"),
            object("autoscaling/v2", "HorizontalPodAutoscaler", "api"),
            object("apps/v1", "DaemonSet", "log-shipper"),
            object("apps/v1", "StatefulSet", "cache"),
            object("v1", "PersistentVolumeClaim", "uploads"),
            object("v1", "ServiceAccount", "api"),
            object("v1", "ConfigMap", "features"));

    assertThat(keys(sets.objects("clinic", "hospital", set)))
        .containsExactly(
            "ServiceAccount hospital/api",
            "ConfigMap hospital/settings",
            "ConfigMap hospital-jobs/job-settings",
            "ConfigMap hospital/features",
            "PersistentVolumeClaim hospital/uploads",
            "Service hospital/api",
            "Deployment hospital/api",
            "StatefulSet hospital/cache",
            "DaemonSet hospital/log-shipper",
            "HorizontalPodAutoscaler hospital/api",
            "PodDisruptionBudget hospital/api",
            "Ingress hospital/web",
            "NetworkPolicy hospital/deny-all");
    assertThat(check("clinic", set)).isEmpty();
  }

  @Test
  void theObjectsKeepWhatWasWrittenBeyondTheRules() {
    Map<String, Object> config = object("v1", "ConfigMap", "settings");
    config.put("data", Map.of("FEATURE_X", "on"));

    GenericKubernetesResource taken = sets.objects("clinic", "hospital", inline(config)).get(0);

    assertThat(taken.getApiVersion()).isEqualTo("v1");
    assertThat(taken.getAdditionalProperties()).containsEntry("data", Map.of("FEATURE_X", "on"));
    assertThat(config).doesNotContainKey("namespace"); // the manifest itself is left as written
  }

  @Test
  void everyRuleOfAnInlineObjectIsReportedAtItsField() {
    Map<String, Object> noApiVersion = object("v1", "ConfigMap", "a");
    noApiVersion.remove("apiVersion");
    Map<String, Object> noKind = object("v1", "ConfigMap", "b");
    noKind.remove("kind");
    Map<String, Object> noName = object("v1", "ConfigMap", "c");
    noName.put("metadata", new LinkedHashMap<>());
    Map<String, Object> reserved = object("v1", "ConfigMap", "marked");
    metadata(reserved)
        .putAll(
            Map.of(
                "labels",
                Map.of("app", "api", "countersign.io/release", "rel-1"),
                "annotations",
                Map.of("countersign.io/step", "db")));
    ManifestSet set =
        inline(
            noApiVersion,
            noKind,
            noName,
            object("batch/v1", "CronJob", "nightly"),
            object("v1", "Secret", "db"),
            object("v1", "Namespace", "hospital"),
            object("rbac.authorization.k8s.io/v1", "ClusterRole", "reader"),
            inNamespace(object("v1", "ConfigMap", "d"), "kube-system"),
            object("v1", "ConfigMap", "e"),
            object("v1", "ConfigMap", "e"),
            inNamespace(object("v1", "ConfigMap", "e"), "hospital-jobs"),
            reserved);

    assertThat(check("clinic", set))
        .containsExactly(
            new FieldError(APPLY + ".objects[0].apiVersion", "apiVersion is required"),
            new FieldError(APPLY + ".objects[1].kind", "kind is required"),
            new FieldError(APPLY + ".objects[2].metadata.name", "metadata.name is required"),
            new FieldError(
                APPLY + ".objects[3].kind",
                "kind 'CronJob' is not allowed on target 'clinic' (allowed: "
                    + String.join(", ", CLINIC_KINDS)
                    + ")"),
            new FieldError(
                APPLY + ".objects[4].kind",
                "Secrets are referenced by Jobs, never shipped in a release"),
            new FieldError(
                APPLY + ".objects[5].kind",
                "Namespace is cluster-scoped: a release changes objects in its target's namespaces"
                    + " only"),
            new FieldError(
                APPLY + ".objects[6].kind",
                "ClusterRole is cluster-scoped: a release changes objects in its target's"
                    + " namespaces only"),
            new FieldError(
                APPLY + ".objects[7].metadata.namespace",
                "namespace 'kube-system' is not allowed on target 'clinic' (allowed: hospital,"
                    + " hospital-jobs)"),
            new FieldError(
                APPLY + ".objects[9].metadata.name",
                "duplicate of objects[8] (same kind, API group, namespace and name)"),
            new FieldError(
                APPLY + ".objects[11].metadata.labels['countersign.io/release']",
                "label countersign.io/release: keys under countersign.io/ are Countersign's own"
                    + " (it finds what a release applied by them)"),
            new FieldError(
                APPLY + ".objects[11].metadata.annotations['countersign.io/step']",
                "annotation countersign.io/step: keys under countersign.io/ are Countersign's own"
                    + " (it finds what a release applied by them)"));
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "manifest set (inline) refused: objects[0] (ConfigMap a): apiVersion is required; ")
        .hasMessageContaining(
            "; objects[4] (Secret db): Secrets are referenced by Jobs, never shipped in a release;")
        .hasMessageContaining("; objects[9] (ConfigMap e): duplicate of objects[8]")
        .hasMessageContaining("; objects[11] (ConfigMap marked): label countersign.io/release: ");
  }

  @Test
  void theSectionsNamespaceIsCheckedWhereTheObjectNamesNone() {
    ManifestSet set = inline(object("v1", "ConfigMap", "settings"));

    assertThat(errors("clinic", "kube-system", set))
        .containsExactly(
            new FieldError(
                APPLY + ".objects[0].metadata.namespace",
                "namespace 'kube-system' (the section's, as the object names none) is not allowed"
                    + " on target 'clinic' (allowed: hospital, hospital-jobs)"));
    assertThatThrownBy(() -> sets.objects("clinic", "kube-system", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("namespace 'kube-system'");
  }

  @Test
  void theDefaultKindsApplyWhereATargetListsNone() {
    assertThat(check("plain", inline(object("v1", "ServiceAccount", "api"))))
        .containsExactly(
            new FieldError(
                APPLY + ".objects[0].kind",
                "kind 'ServiceAccount' is not allowed on target 'plain' (allowed: ConfigMap,"
                    + " Service, Deployment, StatefulSet, Ingress)"));
  }

  @Test
  void aRuleTightenedInConfigurationSinceSubmissionHoldsAtDeploy() {
    ManifestSet set = inline(object("v1", "ServiceAccount", "api"));
    assertThat(check("clinic", set)).isEmpty();
    KubernetesProperties tightened =
        new KubernetesProperties(
            "live",
            null,
            Map.of(
                "clinic",
                new KubernetesProperties.Target(
                    null, null, null, List.of("hospital"), null, store)));

    assertThatThrownBy(
            () -> new ManifestSets(tightened, clients).objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("kind 'ServiceAccount' is not allowed on target 'clinic'");
  }

  @Test
  void aSetGivesExactlyOneOfObjectsOrArtifact() {
    ManifestSet both =
        new ManifestSet(
            List.of(object("v1", "ConfigMap", "a")),
            new Artifact(BUCKET, "a.yaml", sha256("")),
            null);
    ManifestSet neither = new ManifestSet(null, null, true);

    for (ManifestSet set : List.of(both, neither)) {
      assertThat(check("clinic", set))
          .containsExactly(new FieldError(APPLY, ManifestSets.EXACTLY_ONE));
      assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
          .isInstanceOf(TargetRefusedException.class)
          .hasMessageEndingWith(ManifestSets.EXACTLY_ONE);
    }
  }

  @Test
  void anArtifactMustBePinnedByItsDigest() {
    put("app.yaml", yaml("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: a\n"));
    ManifestSet unpinned = new ManifestSet(null, new Artifact(BUCKET, prefix + "app.yaml"), null);

    assertThat(check("clinic", unpinned))
        .containsExactly(new FieldError(APPLY + ".artifact.sha256", ManifestSets.UNPINNED));
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", unpinned))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "manifest set s3://"
                + BUCKET
                + "/"
                + prefix
                + "app.yaml refused: "
                + ManifestSets.UNPINNED);
  }

  @Test
  void anUnknownTargetIsLeftToTheSectionsCheckButNeverApplied() {
    ManifestSet set = inline(object("v1", "ConfigMap", "a"));

    assertThat(check("elsewhere", set)).isEmpty();
    assertThatThrownBy(() -> sets.objects("elsewhere", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage("unknown Kubernetes target 'elsewhere'");
  }

  @Test
  void dryRunWithoutAnArtifactsStoreReadsInlineSetsAndSaysAnS3SetCannotBeRead() {
    ManifestSets dryRun = new ManifestSets(properties("dry-run", null), clients);
    ManifestSet s3Set = new ManifestSet(null, new Artifact(BUCKET, "app.yaml", sha256("")), null);
    String noStore =
        "target clinic has no artifacts store configured"
            + " (countersign.targets.kubernetes.targets.clinic.artifacts)";

    assertThat(keys(dryRun.objects("clinic", "hospital", inline(object("v1", "Service", "api")))))
        .containsExactly("Service hospital/api");
    FieldErrors errors = new FieldErrors();
    dryRun.check(APPLY, "clinic", "hospital", s3Set, errors);
    assertThat(errors.list()).containsExactly(new FieldError(APPLY + ".artifact", noStore));
    assertThatThrownBy(() -> dryRun.objects("clinic", "hospital", s3Set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage("manifest set s3://" + BUCKET + "/app.yaml refused: " + noStore);
  }

  @Test
  void aStoreConfiguredWronglyStopsTheStart() {
    AwsSettings wrong = new AwsSettings("nowhere", null, null, null, null, null);

    assertThatThrownBy(() -> new ManifestSets(properties("live", wrong), clients))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("countersign.targets.kubernetes.targets.clinic.artifacts.region");
  }

  @Test
  void yamlDocumentsAndListItemsAreObjectsEmptyDocumentsAreNot() {
    ManifestSet set =
        put(
            "app.yaml",
            yaml(
                """
                # the release's objects
                apiVersion: apps/v1
                kind: Deployment
                metadata:
                  name: api
                  annotations:
                    built: 2024-05-01
                ---
                ---
                # nothing here
                ---
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: Service
                    metadata:
                      name: api
                  - apiVersion: v1
                    kind: ConfigMap
                    metadata:
                      name: settings
                      namespace: hospital-jobs
                """));

    List<GenericKubernetesResource> objects = sets.objects("clinic", "hospital", set);

    assertThat(keys(objects))
        .containsExactly(
            "ConfigMap hospital-jobs/settings", "Service hospital/api", "Deployment hospital/api");
    // A date stays the text written, as Kubernetes reads it.
    assertThat(objects.get(2).getMetadata().getAnnotations()).containsEntry("built", "2024-05-01");
    assertThat(check("clinic", set)).isEmpty();
  }

  @Test
  void problemsInAnArtifactNameTheDocument() {
    ManifestSet set =
        put(
            "app.yml",
            yaml(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                ---
                apiVersion: v1
                kind: List
                items:
                  - apiVersion: v1
                    kind: Secret
                    metadata:
                      name: db
                ---
                just text
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: settings
                """));

    assertThat(check("clinic", set))
        .containsExactly(
            new FieldError(
                APPLY + ".artifact",
                "document 2 item 1 (Secret db): Secrets are referenced by Jobs, never shipped in a"
                    + " release"),
            new FieldError(
                APPLY + ".artifact",
                "document 3: is not a Kubernetes object (a mapping with apiVersion, kind and"
                    + " metadata)"),
            new FieldError(
                APPLY + ".artifact",
                "document 4 (ConfigMap settings): duplicate of document 1 (same kind, API group,"
                    + " namespace and name)"));
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageStartingWith(
            "manifest set s3://" + BUCKET + "/" + prefix + "app.yml refused: document 2 item 1");
  }

  @Test
  void yamlThatDoesNotParseIsRefusedNamingTheDocumentAndLine() {
    ManifestSet set =
        put(
            "app.yaml",
            yaml(
                """
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: a
                ---
                apiVersion: v1
                kind: ConfigMap
                metadata:
                  name: b
                  name: c
                """));
    String source = "s3://" + BUCKET + "/" + prefix + "app.yaml";

    assertThat(check("clinic", set))
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.path()).isEqualTo(APPLY + ".artifact");
              assertThat(error.message())
                  .startsWith(source + ": document 2 is not valid YAML: found duplicate key name")
                  .endsWith("at line 10");
            });
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("document 2 is not valid YAML");
  }

  @Test
  void aTarballIsReadYamlFileByYamlFileInNameOrder() {
    ManifestSet set =
        put(
            "release.tar.gz",
            tarball(
                directory("manifests/"),
                file("manifests/b.yaml", configMap("b") + "---\n" + deployment("api")),
                directory("manifests/nested/deep/"),
                file("manifests/nested/deep/c.yml", configMap("c")),
                file("README.md", "not: [yaml"),
                file("manifests/a.yaml", configMap("a")),
                file("manifests/._a.yaml", "\0\u0005\u0016\u0007 Mac OS X resource fork"),
                file("scripts/check.sh", "#!/bin/sh\nexit 0\n"),
                file("./manifests/z.yaml", configMap("z"))));

    assertThat(keys(sets.objects("clinic", "hospital", set)))
        .containsExactly(
            "ConfigMap hospital/a",
            "ConfigMap hospital/b",
            "ConfigMap hospital/c",
            "ConfigMap hospital/z",
            "Deployment hospital/api");
    assertThat(check("clinic", set)).isEmpty();
  }

  @Test
  void problemsInATarballNameTheFileAndDocument() {
    ManifestSet set =
        put(
            "release.tgz",
            tarball(
                file("manifests/a.yaml", configMap("a")),
                file(
                    "manifests/nested/b.yaml",
                    configMap("b")
                        + "---\napiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n")));

    assertThat(check("clinic", set))
        .containsExactly(
            new FieldError(
                APPLY + ".artifact",
                "manifests/nested/b.yaml document 2 (Secret db): Secrets are referenced by Jobs,"
                    + " never shipped in a release"));
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("manifests/nested/b.yaml document 2 (Secret db)");
  }

  @ParameterizedTest(name = "{0}")
  @ValueSource(strings = {"../x.yaml", "manifests/../../x.yaml", "/etc/x.yaml"})
  void aTarballEntryOutsideItsFolderIsRefused(String name) {
    ManifestSet set =
        put(
            "evil.tar.gz",
            tarball(file("manifests/a.yaml", configMap("a")), file(name, configMap("x"))));
    String refusal =
        "s3://"
            + BUCKET
            + "/"
            + prefix
            + "evil.tar.gz has an entry outside its folder: '"
            + name
            + "'";

    assertRefused(set, refusal);
  }

  @Test
  void aTarballWithASymlinkIsRefused() {
    assertRefused(
        put(
            "evil.tar.gz",
            tarball(link("manifests/a.yaml", TarConstants.LF_SYMLINK, "/etc/passwd"))),
        "s3://"
            + BUCKET
            + "/"
            + prefix
            + "evil.tar.gz has a link: 'manifests/a.yaml' -> '/etc/passwd'");
  }

  @Test
  void aTarballWithAHardLinkIsRefused() {
    assertRefused(
        put(
            "evil.tgz",
            tarball(
                file("manifests/a.yaml", configMap("a")),
                link("manifests/b.yaml", TarConstants.LF_LINK, "manifests/a.yaml"))),
        "s3://"
            + BUCKET
            + "/"
            + prefix
            + "evil.tgz has a link: 'manifests/b.yaml' -> 'manifests/a.yaml'");
  }

  @Test
  void aKeyNamedLikeATarballMustBeOne() {
    ManifestSet set = put("release.tar.gz", yaml(configMap("a")));

    FieldError error = check("clinic", set).get(0);
    assertThat(error.path()).isEqualTo(APPLY + ".artifact");
    assertThat(error.message())
        .startsWith(
            "s3://" + BUCKET + "/" + prefix + "release.tar.gz is not a gzip-compressed tar");
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("is not a gzip-compressed tar");
  }

  @Test
  void aSetChangedInS3AfterItWasSignedIsRefusedByItsDigest() {
    ManifestSet signed = put("app.yaml", yaml(configMap("settings")));
    assertThat(check("clinic", signed)).isEmpty();
    byte[] changed = yaml(configMap("settings") + "data:\n  DEBUG: \"true\"\n");
    s3.putObject(r -> r.bucket(BUCKET).key(prefix + "app.yaml"), RequestBody.fromBytes(changed));
    String refusal =
        "s3://"
            + BUCKET
            + "/"
            + prefix
            + "app.yaml has SHA-256 "
            + sha256(changed)
            + ", the manifest signs "
            + signed.artifact().sha256();

    assertThatThrownBy(() -> sets.objects("clinic", "hospital", signed))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage("manifest set s3://" + BUCKET + "/" + prefix + "app.yaml refused: " + refusal);
    assertThat(check("clinic", signed))
        .containsExactly(new FieldError(APPLY + ".artifact.sha256", refusal));
  }

  @Test
  void anArtifactOverTheSizeLimitIsRefused() {
    byte[] big = new byte[ManifestSets.MAX_BYTES + 1];
    Arrays.fill(big, (byte) '#');

    assertRefused(
        put("big.yaml", big),
        "s3://"
            + BUCKET
            + "/"
            + prefix
            + "big.yaml is larger than the 5242880 bytes a manifest set may be");
  }

  @Test
  void aMissingArtifactIsRefusedNotRetried() {
    ManifestSet missing =
        new ManifestSet(null, new Artifact(BUCKET, prefix + "gone.yaml", sha256("")), null);

    assertThatThrownBy(() -> sets.objects("clinic", "hospital", missing))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessageContaining("S3 GetObject s3://" + BUCKET + "/" + prefix + "gone.yaml failed")
        .hasMessageContaining("HTTP 404");
    assertThat(check("clinic", missing))
        .singleElement()
        .satisfies(error -> assertThat(error.path()).isEqualTo(APPLY + ".artifact"));
  }

  @Test
  void anUnreachableStoreIsRetriedAtDeployAndNoPassAtSubmission() throws IOException {
    URI closed;
    try (ServerSocket socket = new ServerSocket(0)) {
      closed = URI.create("http://127.0.0.1:" + socket.getLocalPort());
    }
    ManifestSets unreachable = new ManifestSets(properties("live", settings(closed)), clients);
    ManifestSet set = new ManifestSet(null, new Artifact(BUCKET, "app.yaml", sha256("")), null);

    assertThatThrownBy(() -> unreachable.objects("clinic", "hospital", set))
        .isInstanceOf(AwsUnavailableException.class)
        .hasMessageContaining("the step is retried");
    FieldErrors errors = new FieldErrors();
    unreachable.check(APPLY, "clinic", "hospital", set, errors);
    assertThat(errors.list())
        .singleElement()
        .satisfies(
            error -> {
              assertThat(error.path()).isEqualTo(APPLY + ".artifact");
              assertThat(error.message())
                  .startsWith("could not be read from S3 now, submit the manifest again (");
            });
  }

  private void assertRefused(ManifestSet set, String refusal) {
    assertThat(check("clinic", set)).containsExactly(new FieldError(APPLY + ".artifact", refusal));
    assertThatThrownBy(() -> sets.objects("clinic", "hospital", set))
        .isInstanceOf(TargetRefusedException.class)
        .hasMessage(
            "manifest set s3://" + BUCKET + "/" + set.artifact().key() + " refused: " + refusal);
  }

  private List<FieldError> check(String target, ManifestSet set) {
    return errors(target, "hospital", set);
  }

  private List<FieldError> errors(String target, String namespace, ManifestSet set) {
    FieldErrors errors = new FieldErrors();
    sets.check(APPLY, target, namespace, set, errors);
    return errors.list();
  }

  /** Stores {@code bytes} under this test's prefix; the set is pinned by their digest. */
  private ManifestSet put(String name, byte[] bytes) {
    s3.putObject(r -> r.bucket(BUCKET).key(prefix + name), RequestBody.fromBytes(bytes));
    return new ManifestSet(null, new Artifact(BUCKET, prefix + name, sha256(bytes)), null);
  }

  private static KubernetesProperties properties(String mode, AwsSettings artifacts) {
    return new KubernetesProperties(
        mode,
        null,
        Map.of(
            "clinic",
            new KubernetesProperties.Target(
                null, null, null, List.of("hospital", "hospital-jobs"), CLINIC_KINDS, artifacts),
            "plain",
            new KubernetesProperties.Target(null, null, null, List.of("hospital"), null, null)));
  }

  private static AwsSettings settings(URI endpoint) {
    return new AwsSettings(
        "eu-west-1", null, null, Map.of("s3", endpoint), Duration.ofSeconds(5), 1);
  }

  @SafeVarargs
  private static ManifestSet inline(Map<String, Object>... objects) {
    return new ManifestSet(List.of(objects), null, null);
  }

  private static Map<String, Object> object(String apiVersion, String kind, String name) {
    Map<String, Object> metadata = new LinkedHashMap<>();
    metadata.put("name", name);
    Map<String, Object> object = new LinkedHashMap<>();
    object.put("apiVersion", apiVersion);
    object.put("kind", kind);
    object.put("metadata", metadata);
    return object;
  }

  private static Map<String, Object> inNamespace(Map<String, Object> object, String namespace) {
    metadata(object).put("namespace", namespace);
    return object;
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> metadata(Map<String, Object> object) {
    return (Map<String, Object>) object.get("metadata");
  }

  private static List<String> keys(List<GenericKubernetesResource> objects) {
    return objects.stream()
        .map(
            o ->
                o.getKind()
                    + " "
                    + o.getMetadata().getNamespace()
                    + "/"
                    + o.getMetadata().getName())
        .toList();
  }

  private static String configMap(String name) {
    return "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: " + name + "\n";
  }

  private static String deployment(String name) {
    return "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: " + name + "\n";
  }

  private static byte[] yaml(String text) {
    return text.getBytes(StandardCharsets.UTF_8);
  }

  /** A tarball entry and what follows its header. */
  private record Member(TarArchiveEntry entry, byte[] content) {}

  private static Member directory(String name) {
    return new Member(new TarArchiveEntry(name), new byte[0]);
  }

  private static Member file(String name, String content) {
    // true: keep a leading '/' (commons-compress strips it otherwise), to build the evil ones.
    TarArchiveEntry entry = new TarArchiveEntry(name, true);
    byte[] bytes = yaml(content);
    entry.setSize(bytes.length);
    return new Member(entry, bytes);
  }

  private static Member link(String name, byte type, String target) {
    TarArchiveEntry entry = new TarArchiveEntry(name, type);
    entry.setLinkName(target);
    return new Member(entry, new byte[0]);
  }

  /** Built here with commons-compress, as a release pipeline's tar would be. */
  private static byte[] tarball(Member... members) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (TarArchiveOutputStream tar =
        new TarArchiveOutputStream(new GzipCompressorOutputStream(bytes))) {
      for (Member member : members) {
        tar.putArchiveEntry(member.entry());
        tar.write(member.content());
        tar.closeArchiveEntry();
      }
    } catch (IOException failed) {
      throw new UncheckedIOException(failed);
    }
    return bytes.toByteArray();
  }

  private static String sha256(String text) {
    return sha256(yaml(text));
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }
}
