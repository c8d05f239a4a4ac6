package io.countersign.evidencecheck;

import io.countersign.aws.AwsClients;
import io.countersign.process.TargetMode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * Reads evidence files from S3 through the SDK and over HTTPS from the allowed hosts only. No
 * redirect is followed (it could lead to any host), a host's configured credentials go to that host
 * only, and a file is read at most to one byte past the limit, so a huge or endless answer costs no
 * more than that.
 */
final class LiveEvidenceSource implements EvidenceSource {
  private final HttpClient http;
  private final Duration timeout;
  private final Set<String> hosts;
  private final Map<String, Map<String, String>> headers;
  private final S3Client s3;

  /**
   * @param s3 null when no S3 access is configured: s3:// items are then refused with that reason
   */
  LiveEvidenceSource(HttpClient http, Duration timeout, Set<String> hosts, S3Client s3) {
    this(http, timeout, hosts, Map.of(), s3);
  }

  /**
   * @param headers per allowed host (lower case), headers sent to that host only (its credentials)
   */
  LiveEvidenceSource(
      HttpClient http,
      Duration timeout,
      Set<String> hosts,
      Map<String, Map<String, String>> headers,
      S3Client s3) {
    this.http = http;
    this.timeout = timeout;
    this.hosts = Set.copyOf(hosts);
    this.headers = Map.copyOf(headers);
    this.s3 = s3;
  }

  static LiveEvidenceSource of(EvidenceSourceProperties properties, AwsClients aws) {
    HttpClient http =
        HttpClient.newBuilder()
            .connectTimeout(properties.timeout())
            .followRedirects(HttpClient.Redirect.NEVER)
            .build();
    return new LiveEvidenceSource(
        http,
        properties.timeout(),
        properties.allowedHosts(),
        properties.headersByHost(),
        properties.s3() == null ? null : aws.s3(properties.s3()));
  }

  @Override
  public String mode() {
    return TargetMode.LIVE.id();
  }

  @Override
  public Optional<byte[]> fetch(String location, long maxBytes) throws Unavailable {
    URI uri = URI.create(location);
    return Optional.of(
        switch (uri.getScheme()) {
          case "s3" -> fromS3(uri, maxBytes);
          case "https" -> overHttps(uri, maxBytes);
          default -> throw new Unavailable("only s3:// and https:// locations are read", false);
        });
  }

  private byte[] fromS3(URI uri, long maxBytes) throws Unavailable {
    if (s3 == null) {
      throw new Unavailable(
          "no S3 access is configured (" + EvidenceSourceProperties.PREFIX + ".s3)", false);
    }
    String bucket = uri.getHost();
    String key = uri.getRawPath().substring(1);
    try (InputStream in = s3.getObject(r -> r.bucket(bucket).key(key))) {
      return limited(in, maxBytes);
    } catch (S3Exception failure) {
      int status = failure.statusCode();
      String code =
          failure.awsErrorDetails() == null ? null : failure.awsErrorDetails().errorCode();
      boolean retry = status >= 500 || status == 429 || "SlowDown".equals(code);
      throw new Unavailable("S3 answered " + status + (code == null ? "" : " " + code), retry);
    } catch (SdkClientException failure) {
      throw new Unavailable("S3 did not answer: " + failure.getMessage(), true);
    } catch (SdkException | IOException failure) {
      throw new Unavailable("reading from S3 failed: " + failure.getMessage(), true);
    }
  }

  private byte[] overHttps(URI uri, long maxBytes) throws Unavailable {
    String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
    if (!hosts.contains(host)) {
      throw new Unavailable(
          "host " + host + " is not in " + EvidenceSourceProperties.PREFIX + ".https-hosts", false);
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).timeout(timeout).GET();
    headers.getOrDefault(host, Map.of()).forEach(request::header);
    HttpResponse<InputStream> response;
    try {
      response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
    } catch (HttpTimeoutException failure) {
      throw new Unavailable("no answer within " + timeout, true);
    } catch (IOException failure) {
      throw new Unavailable("HTTPS request failed: " + failure.getMessage(), true);
    } catch (InterruptedException failure) {
      Thread.currentThread().interrupt();
      throw new Unavailable("interrupted", true);
    }
    try (InputStream body = response.body()) {
      int status = response.statusCode();
      if (status / 100 == 3) {
        throw new Unavailable(
            "answered " + status + " (a redirect); evidence is read only from where it is listed",
            false);
      }
      if (status != 200) {
        throw new Unavailable("answered " + status, status >= 500 || status == 429);
      }
      return limited(body, maxBytes);
    } catch (IOException failure) {
      throw new Unavailable("reading the answer failed: " + failure.getMessage(), true);
    }
  }

  private static byte[] limited(InputStream in, long maxBytes) throws IOException, Unavailable {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buffer = new byte[64 * 1024];
    long total = 0;
    int n;
    while ((n = in.read(buffer)) != -1) {
      total += n;
      if (total > maxBytes) {
        throw new Unavailable("larger than the limit of " + maxBytes + " bytes", false);
      }
      out.write(buffer, 0, n);
    }
    return out.toByteArray();
  }
}
