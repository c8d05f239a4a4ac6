package io.countersign.kubernetes;

import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsFailures;
import io.countersign.aws.AwsSettings;
import io.countersign.aws.AwsUnavailableException;
import io.countersign.aws.TargetRefusedException;
import io.countersign.kubernetes.KubernetesSteps.ManifestSet;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.ReleaseManifest.Artifact;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiConsumer;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorInputStream;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.stereotype.Component;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.Tag;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.core.ResponseInputStream;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.model.GetObjectResponse;

/**
 * The objects of a manifest-set step: written inline, or a YAML file or {@code .tar.gz} of YAML
 * files in S3 pinned by its SHA-256; checked against the target's rules and put in apply order. The
 * manifest check ({@link #check}) and the apply step ({@link #objects}) run the same reading and
 * the same rules, so a set changed in S3 after sign-off is refused by its digest, and rules
 * tightened in configuration since submission hold at deploy time.
 */
@Component
class ManifestSets implements AutoCloseable {
  /** Largest artifact read, packed: a set of manifests, not a build. */
  static final int MAX_BYTES = 5 * 1024 * 1024;

  /** Largest a tarball may unpack to, every entry counted: YAML packs well, a gzip bomb better. */
  static final int MAX_UNPACKED = 20 * 1024 * 1024;

  static final int MAX_ENTRIES = 1000;

  /** What others need first (accounts, configuration, claims, Services) before what uses them. */
  static final List<String> APPLY_ORDER =
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
          "Ingress");

  /**
   * Well-known kinds outside any namespace: a release changes its target's namespaces only,
   * whatever the allow-list says.
   */
  static final Set<String> CLUSTER_SCOPED =
      Set.of(
          "Namespace",
          "ClusterRole",
          "ClusterRoleBinding",
          "CustomResourceDefinition",
          "PersistentVolume",
          "StorageClass",
          "Node",
          "PriorityClass",
          "ValidatingWebhookConfiguration",
          "MutatingWebhookConfiguration",
          "APIService");

  static final String SECRETS = "Secrets are referenced by Jobs, never shipped in a release";
  static final String EXACTLY_ONE =
      "give exactly one of objects (inline) or artifact (a YAML file or .tar.gz of YAML files in S3)";
  static final String UNPINNED =
      "the artifact's sha256 is required: a manifest set in S3 deploys only as signed, pinned by"
          + " the SHA-256 of its bytes";

  /** Labels and annotations under this prefix are how Countersign finds what it applied. */
  private static final String RESERVED = "countersign.io/";

  private static final KubernetesSerialization SERIALIZATION = new KubernetesSerialization();

  private final KubernetesProperties properties;
  private final AwsClients clients;

  /**
   * Credentials come from the default chain unless the context has an {@link
   * AwsCredentialsProvider} bean (tests); nothing is resolved until an artifact is read, so a
   * dry-run server without any artifacts store starts and reads inline sets.
   */
  @Autowired
  ManifestSets(
      KubernetesProperties properties, ObjectProvider<AwsCredentialsProvider> credentials) {
    this(
        properties,
        new AwsClients(
            credentials.getIfAvailable(() -> DefaultCredentialsProvider.builder().build())));
  }

  ManifestSets(KubernetesProperties properties, AwsClients clients) {
    List<String> problems = new ArrayList<>();
    new TreeMap<>(properties.targets())
        .forEach(
            (name, target) -> {
              if (target.artifacts() != null) {
                problems.addAll(
                    target
                        .artifacts()
                        .problems("countersign.targets.kubernetes.targets." + name + ".artifacts"));
              }
            });
    if (!problems.isEmpty()) {
      // Found at start, not at the first release that ships a set from S3.
      throw new IllegalStateException(
          "manifest-set artifacts store misconfigured: " + String.join("; ", problems));
    }
    this.properties = properties;
    this.clients = clients;
  }

  /**
   * The objects to apply, in apply order, each with a namespace (the section's unless it gives its
   * own).
   *
   * @throws TargetRefusedException when the set breaks a rule, is not what was signed, or cannot be
   *     read for a reason a retry will not fix; any other exception when S3 does not answer
   */
  List<GenericKubernetesResource> objects(String target, String namespace, ManifestSet set) {
    KubernetesProperties.Target cluster = properties.targets().get(target);
    if (cluster == null) {
      throw new TargetRefusedException("unknown Kubernetes target '" + target + "'");
    }
    String source = source(set);
    Reading reading = read(target, cluster, set);
    if (reading.refusal() != null) {
      throw new TargetRefusedException("manifest set " + source + " refused: " + reading.refusal());
    }
    List<GenericKubernetesResource> taken = new ArrayList<>();
    List<Problem> problems = takeObjects(target, cluster, namespace, reading.written(), taken);
    if (!problems.isEmpty()) {
      throw new TargetRefusedException(
          "manifest set "
              + source
              + " refused: "
              + String.join(
                  "; ", problems.stream().map(p -> p.described() + ": " + p.message()).toList()));
    }
    taken.sort(Comparator.comparingInt(o -> rank(o.getKind())));
    return taken;
  }

  /**
   * Adds one error per problem of the set, under {@code path} (e.g. {@code
   * $.kubernetesSteps.steps[2].apply}). An unknown target adds nothing: the section's check says
   * so.
   */
  void check(String path, String target, String namespace, ManifestSet set, FieldErrors errors) {
    KubernetesProperties.Target cluster = target == null ? null : properties.targets().get(target);
    if (cluster == null || set == null) {
      return;
    }
    Reading reading;
    try {
      reading = read(target, cluster, set);
    } catch (AwsUnavailableException unavailable) {
      // Approvers must sign a set that was read and checked, so this is no pass.
      Throwable cause = unavailable.getCause() == null ? unavailable : unavailable.getCause();
      errors.add(
          path + ".artifact",
          "could not be read from S3 now, submit the manifest again (" + cause.getMessage() + ")");
      return;
    }
    if (reading.refusal() != null) {
      errors.add(path + reading.path(), reading.refusal());
      return;
    }
    List<Problem> problems =
        takeObjects(target, cluster, namespace, reading.written(), new ArrayList<>());
    for (Problem problem : problems) {
      if (set.objects() != null) {
        errors.add(
            path + "." + problem.object() + (problem.field() == null ? "" : "." + problem.field()),
            problem.message());
      } else {
        errors.add(path + ".artifact", problem.described() + ": " + problem.message());
      }
    }
  }

  @Override
  public void close() {
    clients.close();
  }

  /**
   * The set's objects as written, or why they cannot be taken at all. Throws only when S3 does not
   * answer.
   */
  private Reading read(String target, KubernetesProperties.Target cluster, ManifestSet set) {
    if ((set.objects() == null) == (set.artifact() == null)) {
      return Reading.refused("", EXACTLY_ONE);
    }
    if (set.objects() != null) {
      List<Written> written = new ArrayList<>();
      for (int i = 0; i < set.objects().size(); i++) {
        written.add(new Written("objects[" + i + "]", set.objects().get(i)));
      }
      return new Reading(written, null, null);
    }
    Artifact artifact = set.artifact();
    if (artifact.sha256() == null) {
      return Reading.refused(".artifact.sha256", UNPINNED);
    }
    if (cluster.artifacts() == null) {
      return Reading.refused(
          ".artifact",
          "target "
              + target
              + " has no artifacts store configured (countersign.targets.kubernetes.targets."
              + target
              + ".artifacts)");
    }
    if (artifact.bucket() == null || artifact.key() == null) {
      return Reading.refused(".artifact", "needs a bucket and a key");
    }
    try {
      byte[] bytes = download(cluster.artifacts(), artifact);
      String actual = sha256(bytes);
      if (!actual.equals(artifact.sha256())) {
        // Not what the approvers signed: the key was overwritten since.
        return Reading.refused(
            ".artifact.sha256",
            source(set) + " has SHA-256 " + actual + ", the manifest signs " + artifact.sha256());
      }
      return new Reading(unpack(source(set), artifact.key(), bytes), null, null);
    } catch (TargetRefusedException refused) {
      return Reading.refused(".artifact", refused.getMessage());
    }
  }

  private byte[] download(AwsSettings settings, Artifact artifact) {
    String source = "s3://" + artifact.bucket() + "/" + artifact.key();
    try (ResponseInputStream<GetObjectResponse> in =
        clients.s3(settings).getObject(r -> r.bucket(artifact.bucket()).key(artifact.key()))) {
      byte[] bytes = in.readNBytes(MAX_BYTES + 1);
      if (bytes.length > MAX_BYTES) {
        in.abort(); // the rest is not wanted; closing would read it all
        throw new TargetRefusedException(
            source + " is larger than the " + MAX_BYTES + " bytes a manifest set may be");
      }
      return bytes;
    } catch (SdkException failed) {
      throw AwsFailures.translate("S3 GetObject " + source, failed);
    } catch (IOException failed) {
      throw new AwsUnavailableException(
          "S3 GetObject "
              + source
              + " failed while reading: "
              + failed.getMessage()
              + "; the step is retried, then an incident is opened",
          failed);
    }
  }

  /** The YAML documents of the object, or of the YAML files of a tarball in name order. */
  private static List<Written> unpack(String source, String key, byte[] bytes) {
    if (!key.endsWith(".tar.gz") && !key.endsWith(".tgz")) {
      return documents(source, "", bytes);
    }
    Map<String, byte[]> files = new TreeMap<>();
    long unpacked = 0;
    int entries = 0;
    try (TarArchiveInputStream tar =
        new TarArchiveInputStream(new GzipCompressorInputStream(new ByteArrayInputStream(bytes)))) {
      for (TarArchiveEntry entry = tar.getNextEntry(); entry != null; entry = tar.getNextEntry()) {
        String name = entry.getName();
        if (++entries > MAX_ENTRIES) {
          throw new TargetRefusedException(source + " has more than " + MAX_ENTRIES + " entries");
        }
        // Nothing is written to disk, but a tarball that would escape its folder was not built by
        // a release pipeline.
        if (name.startsWith("/") || List.of(name.split("/")).contains("..")) {
          throw new TargetRefusedException(
              source + " has an entry outside its folder: '" + name + "'");
        }
        if (entry.isSymbolicLink() || entry.isLink()) {
          throw new TargetRefusedException(
              source + " has a link: '" + name + "' -> '" + entry.getLinkName() + "'");
        }
        unpacked += Math.max(entry.getSize(), 0);
        if (unpacked > MAX_UNPACKED) {
          throw new TargetRefusedException(
              source + " unpacks to more than " + MAX_UNPACKED + " bytes");
        }
        String file = name.replaceFirst("^(\\./)+", "");
        if (entry.isFile() && isYaml(file)) {
          if (files.put(file, tar.readAllBytes()) != null) {
            throw new TargetRefusedException(source + " has " + file + " twice");
          }
        }
      }
    } catch (IOException | IllegalArgumentException broken) {
      throw new TargetRefusedException(
          source + " is not a gzip-compressed tar: " + broken.getMessage(), broken);
    }
    List<Written> written = new ArrayList<>();
    files.forEach((file, yaml) -> written.addAll(documents(source, file + " ", yaml)));
    return written;
  }

  /**
   * A YAML file's or a tarball member's name; hidden files are left out: macOS tar adds {@code
   * ._name.yaml} (a resource fork, not YAML) next to each file.
   */
  private static boolean isYaml(String file) {
    String base = file.substring(file.lastIndexOf('/') + 1);
    return !base.startsWith(".") && (base.endsWith(".yaml") || base.endsWith(".yml"));
  }

  /**
   * The documents of one YAML stream, each named "{@code <file> document <n>}"; empty documents are
   * skipped, the items of a {@code kind: List} taken one by one.
   */
  private static List<Written> documents(String source, String file, byte[] yaml) {
    List<Written> written = new ArrayList<>();
    int index = 0;
    try {
      for (Object document : yaml().loadAll(new ByteArrayInputStream(yaml))) {
        index++;
        String name = file + "document " + index;
        if (document == null) {
          continue;
        }
        if (document instanceof Map<?, ?> map && "List".equals(map.get("kind"))) {
          if (!(map.get("items") instanceof List<?> items)) {
            throw new TargetRefusedException(source + ": " + name + " is a List without items");
          }
          for (int i = 0; i < items.size(); i++) {
            written.add(new Written(name + " item " + (i + 1), items.get(i)));
          }
        } else {
          written.add(new Written(name, document));
        }
      }
    } catch (YAMLException invalid) {
      String where =
          invalid instanceof MarkedYAMLException marked && marked.getProblemMark() != null
              ? marked.getProblem() + " at line " + (marked.getProblemMark().getLine() + 1)
              : invalid.getMessage();
      throw new TargetRefusedException(
          source + ": " + file + "document " + (index + 1) + " is not valid YAML: " + where);
    }
    return written;
  }

  /**
   * SnakeYAML as {@code kubectl} reads (YAML 1.1: {@code yes} is true), but timestamps stay the
   * text written, as Kubernetes keeps them; only standard tags; aliases and size bounded.
   */
  private static Yaml yaml() {
    LoaderOptions options = new LoaderOptions();
    options.setAllowDuplicateKeys(false);
    options.setMaxAliasesForCollections(50);
    options.setCodePointLimit(MAX_UNPACKED);
    return new Yaml(new TimestampsAsText(options));
  }

  private static final class TimestampsAsText extends SafeConstructor {
    TimestampsAsText(LoaderOptions options) {
      super(options);
      yamlConstructors.put(Tag.TIMESTAMP, yamlConstructors.get(Tag.STR));
    }
  }

  /**
   * The rules every object meets, at submission and at deploy alike. Adds each object that could be
   * read to {@code taken}, with the section's namespace when it gives none.
   */
  private static List<Problem> takeObjects(
      String target,
      KubernetesProperties.Target cluster,
      String namespace,
      List<Written> written,
      List<GenericKubernetesResource> taken) {
    List<Problem> problems = new ArrayList<>();
    Map<String, String> seen = new HashMap<>();
    for (Written w : written) {
      GenericKubernetesResource object = resource(w.content());
      if (object == null) {
        problems.add(
            new Problem(
                w.name(),
                w.name(),
                null,
                "is not a Kubernetes object (a mapping with apiVersion, kind and metadata)"));
        continue;
      }
      if (object.getMetadata() == null) {
        object.setMetadata(new ObjectMeta());
      }
      ObjectMeta metadata = object.getMetadata();
      String apiVersion = blankToNull(object.getApiVersion());
      String kind = blankToNull(object.getKind());
      String name = blankToNull(metadata.getName());
      String what =
          kind == null || name == null ? w.name() : w.name() + " (" + kind + " " + name + ")";
      BiConsumer<String, String> problem =
          (field, message) -> problems.add(new Problem(w.name(), what, field, message));
      if (apiVersion == null) {
        problem.accept("apiVersion", "apiVersion is required");
      }
      String kindProblem = kindProblem(target, cluster, kind);
      if (kindProblem != null) {
        problem.accept("kind", kindProblem);
      }
      if (name == null) {
        problem.accept("metadata.name", "metadata.name is required");
      }
      boolean defaulted = blankToNull(metadata.getNamespace()) == null;
      if (defaulted) {
        metadata.setNamespace(namespace);
      }
      String objectNamespace = metadata.getNamespace();
      if (objectNamespace == null) {
        problem.accept("metadata.namespace", "metadata.namespace is required");
      } else if (!cluster.namespaces().contains(objectNamespace)) {
        problem.accept(
            "metadata.namespace",
            "namespace '"
                + objectNamespace
                + "'"
                + (defaulted ? " (the section's, as the object names none)" : "")
                + " is not allowed on target '"
                + target
                + "' (allowed: "
                + (cluster.namespaces().isEmpty()
                    ? "none"
                    : String.join(", ", cluster.namespaces()))
                + ")");
      }
      reserved("label", metadata.getLabels(), problem);
      reserved("annotation", metadata.getAnnotations(), problem);
      if (apiVersion != null && kind != null && name != null) {
        // By API group, not version: apps/v1 and apps/v1beta2 name the same Deployment.
        String group = apiVersion.contains("/") ? apiVersion.split("/")[0] : "";
        String first =
            seen.putIfAbsent(group + "|" + kind + "|" + objectNamespace + "|" + name, w.name());
        if (first != null) {
          problem.accept(
              "metadata.name",
              "duplicate of " + first + " (same kind, API group, namespace and name)");
        }
      }
      taken.add(object);
    }
    return problems;
  }

  /** Why {@code kind} may not be applied on the target, or null. */
  private static String kindProblem(
      String target, KubernetesProperties.Target cluster, String kind) {
    if (kind == null) {
      return "kind is required";
    }
    if (kind.equals("Secret")) {
      return SECRETS;
    }
    if (CLUSTER_SCOPED.contains(kind)) {
      return kind + " is cluster-scoped: a release changes objects in its target's namespaces only";
    }
    if (!cluster.kinds().contains(kind)) {
      return "kind '"
          + kind
          + "' is not allowed on target '"
          + target
          + "' (allowed: "
          + String.join(", ", cluster.kinds())
          + ")";
    }
    return null;
  }

  /** Labels or annotations under {@value #RESERVED}: one problem per key. */
  private static void reserved(
      String what, Map<String, String> entries, BiConsumer<String, String> problem) {
    if (entries == null) {
      return;
    }
    entries.keySet().stream()
        .filter(key -> key.startsWith(RESERVED))
        .sorted()
        .forEach(
            key ->
                problem.accept(
                    "metadata." + what + "s['" + key + "']",
                    what
                        + " "
                        + key
                        + ": keys under "
                        + RESERVED
                        + " are Countersign's own (it finds what a release applied by them)"));
  }

  private static GenericKubernetesResource resource(Object content) {
    if (!(content instanceof Map<?, ?>)) {
      return null;
    }
    try {
      return SERIALIZATION.convertValue(content, GenericKubernetesResource.class);
    } catch (IllegalArgumentException notAnObject) {
      return null;
    }
  }

  private static int rank(String kind) {
    int rank = APPLY_ORDER.indexOf(kind);
    return rank < 0 ? APPLY_ORDER.size() : rank;
  }

  private static String source(ManifestSet set) {
    return set.artifact() == null || set.objects() != null
        ? "(inline)"
        : "s3://" + set.artifact().bucket() + "/" + set.artifact().key();
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }

  /** An object as written: what names it ({@code objects[2]}, {@code app.yaml document 3}). */
  private record Written(String name, Object content) {}

  /**
   * A broken rule: the object ({@code objects[2]}), how messages name it ({@code objects[2] (Secret
   * db)}), the field within it (null: the whole object), what is wrong.
   */
  private record Problem(String object, String described, String field, String message) {}

  /**
   * The objects as written, or the refusal of the whole set and where it belongs (relative to the
   * step's {@code apply}).
   */
  private record Reading(List<Written> written, String path, String refusal) {
    static Reading refused(String path, String refusal) {
      return new Reading(List.of(), path, refusal);
    }
  }
}
