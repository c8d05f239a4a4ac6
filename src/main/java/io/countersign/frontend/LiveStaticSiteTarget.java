package io.countersign.frontend;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.aws.AwsClients;
import io.countersign.aws.AwsFailures;
import io.countersign.aws.TargetRefusedException;
import io.countersign.manifest.ReleaseManifest.FrontendChange;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.core.sync.ResponseTransformer;
import software.amazon.awssdk.services.cloudfront.CloudFrontClient;
import software.amazon.awssdk.services.cloudfront.model.DistributionConfig;
import software.amazon.awssdk.services.cloudfront.model.GetDistributionConfigResponse;
import software.amazon.awssdk.services.cloudfront.model.Origin;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.HeadObjectResponse;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Object;

/**
 * The port on S3 and CloudFront. The build is a zip in an artifact bucket; its files go under
 * {@code releases/<version>/} of the site bucket, and the site switches release by the origin path
 * of the distribution (one UpdateDistribution guarded by the config's ETag), so viewers see the old
 * or the new release, never a mix. What the site served before is kept in {@code
 * countersign/published/<release id>.json}.
 */
class LiveStaticSiteTarget implements StaticSiteTarget, AutoCloseable {
  static final String MARKERS = "countersign/published/";
  static final int MAX_ENTRIES = 20_000;
  static final long MAX_UNPACKED = 2L * 1024 * 1024 * 1024;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final FrontendProperties properties;
  private final AwsClients clients;

  LiveStaticSiteTarget(FrontendProperties properties, AwsClients clients) {
    this.properties = properties;
    this.clients = clients;
  }

  @Override
  public Served served(String releaseId, FrontendChange change) {
    FrontendProperties.Target site = site(change);
    DistributionConfig config = config(site).distributionConfig();
    String originPath = origin(site, config).originPath();
    String rootObject =
        config.defaultRootObject() == null || config.defaultRootObject().isBlank()
            ? null
            : config.defaultRootObject();
    String recorded =
        call(
            "S3 GetObject s3://" + site.bucket() + "/" + marker(releaseId),
            () -> {
              try {
                byte[] body =
                    s3(site)
                        .getObjectAsBytes(r -> r.bucket(site.bucket()).key(marker(releaseId)))
                        .asByteArray();
                JsonNode node = JSON.readTree(body);
                return node.path("previousOriginPath").asText();
              } catch (NoSuchKeyException e) {
                return null;
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            });
    return new Served(originPath == null ? "" : originPath, recorded, rootObject);
  }

  @Override
  public void rememberPrevious(String releaseId, FrontendChange change, String previousOriginPath) {
    FrontendProperties.Target site = site(change);
    Map<String, String> record =
        Map.of(
            "release",
            releaseId,
            "previousOriginPath",
            previousOriginPath,
            "distributionId",
            site.distributionId());
    byte[] body;
    try {
      body = JSON.writeValueAsBytes(record);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    call(
        "S3 PutObject s3://" + site.bucket() + "/" + marker(releaseId),
        () ->
            s3(site)
                .putObject(
                    r ->
                        r.bucket(site.bucket())
                            .key(marker(releaseId))
                            .contentType("application/json"),
                    RequestBody.fromBytes(body)));
  }

  @Override
  public Upload upload(
      String releaseId, String version, FrontendChange change, String requiredFile) {
    FrontendProperties.Target site = site(change);
    String prefix = "releases/" + version + "/";
    String source = "s3://" + change.artifact().bucket() + "/" + change.artifact().key();
    HeadObjectResponse head =
        call(
            "S3 HeadObject " + source,
            () ->
                s3(site)
                    .headObject(
                        r -> r.bucket(change.artifact().bucket()).key(change.artifact().key())));
    if (head.contentLength() > site.maxArchiveSizeOrDefault()) {
      throw new TargetRefusedException(
          "site archive "
              + source
              + " is "
              + head.contentLength()
              + " bytes, more than the "
              + site.maxArchiveSizeOrDefault()
              + " allowed");
    }
    Path directory = null;
    try {
      directory = Files.createTempDirectory("countersign-site-");
      Path archive = directory.resolve("site.zip");
      Duration transfer = site.transferTimeoutOrDefault();
      call(
          "S3 GetObject " + source,
          () ->
              s3(site)
                  .getObject(
                      r ->
                          r.bucket(change.artifact().bucket())
                              .key(change.artifact().key())
                              .overrideConfiguration(
                                  o -> o.apiCallTimeout(transfer).apiCallAttemptTimeout(transfer)),
                      ResponseTransformer.toFile(archive)));
      String signed = change.artifact().sha256();
      if (signed != null) {
        String actual = sha256(archive);
        if (!actual.equals(signed)) {
          // Not what the approvers signed (the key was overwritten since): nothing is uploaded.
          throw new TargetRefusedException(
              "site archive "
                  + source
                  + " has SHA-256 "
                  + actual
                  + ", the manifest signs "
                  + signed);
        }
      }
      try (ZipFile zip = new ZipFile(archive.toFile())) {
        List<? extends ZipEntry> files = files(zip, source, requiredFile);
        Map<String, String> existing = etags(site, prefix);
        int uploaded = 0;
        for (ZipEntry entry : files) {
          String key = prefix + entry.getName();
          if (md5(zip, entry).equals(existing.get(key))) {
            continue;
          }
          String path = entry.getName();
          call(
              "S3 PutObject s3://" + site.bucket() + "/" + key,
              () ->
                  s3(site)
                      .putObject(
                          r ->
                              r.bucket(site.bucket())
                                  .key(key)
                                  .contentType(SiteFiles.contentType(path))
                                  .cacheControl(SiteFiles.cacheControl(path))
                                  .overrideConfiguration(
                                      o ->
                                          o.apiCallTimeout(transfer)
                                              .apiCallAttemptTimeout(transfer)),
                          RequestBody.fromContentProvider(
                              () -> open(zip, entry),
                              entry.getSize(),
                              SiteFiles.contentType(path))));
          uploaded++;
        }
        return new Upload(prefix, uploaded, files.size() - uploaded);
      }
    } catch (ZipException e) {
      throw new TargetRefusedException(
          "site archive " + source + " is not a zip file: " + e.getMessage(), e);
    } catch (IOException e) {
      throw new UncheckedIOException(
          "could not unpack the site archive " + source + ": " + e.getMessage(), e);
    } finally {
      delete(directory);
    }
  }

  @Override
  public Switch switchTo(FrontendChange change, String originPath) {
    FrontendProperties.Target site = site(change);
    GetDistributionConfigResponse current = config(site);
    DistributionConfig config = current.distributionConfig();
    Origin origin = origin(site, config);
    String from = origin.originPath() == null ? "" : origin.originPath();
    if (from.equals(originPath)) {
      return new Switch(from, originPath, false);
    }
    List<Origin> origins = new ArrayList<>();
    for (Origin o : config.origins().items()) {
      origins.add(o.id().equals(origin.id()) ? o.toBuilder().originPath(originPath).build() : o);
    }
    DistributionConfig switched =
        config.toBuilder().origins(config.origins().toBuilder().items(origins).build()).build();
    // IfMatch: CloudFront refuses (412, retried) if anyone changed the distribution since we read
    // it.
    call(
        "CloudFront UpdateDistribution " + site.distributionId(),
        () ->
            cloudFront(site)
                .updateDistribution(
                    r ->
                        r.id(site.distributionId())
                            .ifMatch(current.eTag())
                            .distributionConfig(switched)));
    return new Switch(from, originPath, true);
  }

  @Override
  public String invalidate(String releaseId, FrontendChange change, String purpose) {
    FrontendProperties.Target site = site(change);
    // The same CallerReference makes CloudFront return the invalidation it already created instead
    // of a second one.
    String callerReference = "countersign-" + releaseId + "-" + purpose;
    return call(
            "CloudFront CreateInvalidation " + site.distributionId(),
            () ->
                cloudFront(site)
                    .createInvalidation(
                        r ->
                            r.distributionId(site.distributionId())
                                .invalidationBatch(
                                    b ->
                                        b.callerReference(callerReference)
                                            .paths(p -> p.quantity(1).items("/*")))))
        .invalidation()
        .id();
  }

  @Override
  public Propagation propagation(FrontendChange change, String invalidationId) {
    FrontendProperties.Target site = site(change);
    String distribution =
        call(
                "CloudFront GetDistribution " + site.distributionId(),
                () -> cloudFront(site).getDistribution(r -> r.id(site.distributionId())))
            .distribution()
            .status();
    String invalidation =
        invalidationId == null
            ? "Completed"
            : call(
                    "CloudFront GetInvalidation " + invalidationId,
                    () ->
                        cloudFront(site)
                            .getInvalidation(
                                r -> r.distributionId(site.distributionId()).id(invalidationId)))
                .invalidation()
                .status();
    return new Propagation(
        "Deployed".equals(distribution) && "Completed".equals(invalidation),
        distribution,
        invalidation);
  }

  @Override
  public boolean dryRun() {
    return false;
  }

  @Override
  public void close() {
    clients.close();
  }

  /**
   * The archive's files, checked before anything is uploaded: safe names, sane size, the root
   * object present.
   */
  private static List<? extends ZipEntry> files(ZipFile zip, String source, String requiredFile) {
    if (zip.size() > MAX_ENTRIES) {
      throw new TargetRefusedException(
          "site archive " + source + " has " + zip.size() + " entries, more than " + MAX_ENTRIES);
    }
    List<? extends ZipEntry> files =
        Collections.list(zip.entries()).stream().filter(e -> !e.isDirectory()).toList();
    long unpacked = 0;
    for (ZipEntry entry : files) {
      if (!SiteFiles.isSafe(entry.getName())) {
        throw new TargetRefusedException(
            "site archive "
                + source
                + " has an unsafe entry name: '"
                + entry.getName()
                + "' (relative paths of letters, digits and ._~@+=,!()'- only)");
      }
      unpacked += Math.max(entry.getSize(), 0);
    }
    if (unpacked > MAX_UNPACKED) {
      throw new TargetRefusedException(
          "site archive " + source + " unpacks to more than " + MAX_UNPACKED + " bytes");
    }
    if (requiredFile != null && files.stream().noneMatch(e -> e.getName().equals(requiredFile))) {
      throw new TargetRefusedException(
          "site archive "
              + source
              + " has no "
              + requiredFile
              + " at its root (the distribution's default root object); is the build inside a folder?");
    }
    return files;
  }

  /** ETag (the MD5 of objects we uploaded in one part) of every object under the prefix. */
  private Map<String, String> etags(FrontendProperties.Target site, String prefix) {
    Map<String, String> etags = new HashMap<>();
    call(
        "S3 ListObjectsV2 s3://" + site.bucket() + "/" + prefix,
        () -> {
          for (S3Object object :
              s3(site)
                  .listObjectsV2Paginator(r -> r.bucket(site.bucket()).prefix(prefix))
                  .contents()) {
            etags.put(object.key(), object.eTag() == null ? "" : object.eTag().replace("\"", ""));
          }
          return etags;
        });
    return etags;
  }

  private static String md5(ZipFile zip, ZipEntry entry) throws IOException {
    MessageDigest md5;
    try {
      md5 = MessageDigest.getInstance("MD5");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    try (InputStream in = new DigestInputStream(zip.getInputStream(entry), md5)) {
      in.transferTo(OutputStream.nullOutputStream());
    }
    return HexFormat.of().formatHex(md5.digest());
  }

  private static InputStream open(ZipFile zip, ZipEntry entry) {
    try {
      return zip.getInputStream(entry);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private GetDistributionConfigResponse config(FrontendProperties.Target site) {
    return call(
        "CloudFront GetDistributionConfig " + site.distributionId(),
        () -> cloudFront(site).getDistributionConfig(r -> r.id(site.distributionId())));
  }

  private static Origin origin(FrontendProperties.Target site, DistributionConfig config) {
    String id =
        site.originId() != null ? site.originId() : config.defaultCacheBehavior().targetOriginId();
    return config.origins().items().stream()
        .filter(o -> o.id().equals(id))
        .findFirst()
        .orElseThrow(
            () ->
                new TargetRefusedException(
                    "CloudFront distribution "
                        + site.distributionId()
                        + " has no origin '"
                        + id
                        + "'"));
  }

  private FrontendProperties.Target site(FrontendChange change) {
    FrontendProperties.Target site = properties.targets().get(change.target());
    if (site == null) {
      throw new TargetRefusedException("unknown front-end target '" + change.target() + "'");
    }
    return site;
  }

  private S3Client s3(FrontendProperties.Target site) {
    return clients.s3(site.aws());
  }

  private CloudFrontClient cloudFront(FrontendProperties.Target site) {
    return clients.cloudFront(site.aws());
  }

  static String marker(String releaseId) {
    return MARKERS + releaseId + ".json";
  }

  private static <T> T call(String action, Supplier<T> call) {
    try {
      return call.get();
    } catch (SdkException e) {
      throw AwsFailures.translate(action, e);
    }
  }

  private static void delete(Path directory) {
    if (directory == null) {
      return;
    }
    try (var paths = Files.walk(directory)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is not worth failing a release for
    }
  }

  private static String sha256(Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      byte[] buffer = new byte[64 * 1024];
      for (int read = in.read(buffer); read >= 0; read = in.read(buffer)) {
        digest.update(buffer, 0, read);
      }
      return HexFormat.of().formatHex(digest.digest());
    } catch (NoSuchAlgorithmException missing) {
      throw new IllegalStateException(missing);
    }
  }
}
