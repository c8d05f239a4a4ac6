package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.xml.parsers.DocumentBuilderFactory;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

/**
 * A WireMock server that answers like the CloudFront API (REST-XML, version 2020-05-31) for the
 * calls Countersign makes: GetDistributionConfig, UpdateDistribution (If-Match against the config's
 * ETag), GetDistribution, CreateInvalidation (one invalidation per CallerReference),
 * GetInvalidation; a distribution is InProgress for a few looks after an update, an invalidation
 * for a few looks after it is created. It records every request.
 */
public final class FakeCloudFrontApi extends FakeApiSupport
    implements ResponseDefinitionTransformerV2 {
  static final String NAME = "fake-cloudfront";
  static final String NS = "http://cloudfront.amazonaws.com/doc/2020-05-31/";

  private final Map<String, Dist> distributions = new LinkedHashMap<>();
  private final List<String> calls = new CopyOnWriteArrayList<>();
  private final List<String> bodies = new CopyOnWriteArrayList<>();
  private WireMockServer server;
  private int looks = 1;

  public static FakeCloudFrontApi startServer() {
    FakeCloudFrontApi fake = new FakeCloudFrontApi();
    fake.server = new WireMockServer(options().dynamicPort().extensions(fake));
    fake.server.start();
    fake.server.stubFor(
        any(urlPathMatching("/2020-05-31/.*")).willReturn(aResponse().withTransformers(NAME)));
    return fake;
  }

  public URI endpoint() {
    return URI.create("http://localhost:" + server.port());
  }

  public void stop() {
    server.stop();
  }

  public synchronized void reset() {
    distributions.clear();
    calls.clear();
    bodies.clear();
    clearInjected();
    looks = 1;
  }

  /**
   * A distribution serving origin {@code originId} (its default behavior's) from {@code
   * originPath}.
   */
  public synchronized void distribution(String id, String originId, String originPath) {
    distributions.put(id, new Dist(id, config(originId, originPath)));
  }

  /** How many looks a distribution update or an invalidation stays InProgress. */
  public synchronized void propagationLooks(int looks) {
    this.looks = looks;
  }

  public synchronized String originPath(String id, String originId) {
    return originPathOf(parse(distributions.get(id).config), originId);
  }

  /** Invalidations created, as "callerReference paths". */
  public synchronized List<String> invalidations(String id) {
    return distributions.get(id).invalidations.values().stream()
        .map(i -> i.callerReference + " " + i.paths)
        .toList();
  }

  public List<String> callLines() {
    return List.copyOf(calls);
  }

  /** Request bodies, in the order of {@link #callLines()} ("" for none). */
  public List<String> bodies() {
    return List.copyOf(bodies);
  }

  @Override
  public String getName() {
    return NAME;
  }

  @Override
  public boolean applyGlobally() {
    return false;
  }

  @Override
  public synchronized ResponseDefinition transform(ServeEvent event) {
    LoggedRequest request = event.getRequest();
    String method = request.getMethod().getName();
    String path = URI.create(request.getUrl()).getPath();
    calls.add(method + " " + path);
    bodies.add(request.getBodyAsString() == null ? "" : request.getBodyAsString());
    Injected injected = injected(method, path);
    if (injected != null) {
      return error(injected.status(), injected.code(), injected.message());
    }
    String[] parts =
        path.split("/"); // "", "2020-05-31", "distribution", id, [config | invalidation [, id]]
    Dist dist = parts.length > 3 ? distributions.get(parts[3]) : null;
    if (dist == null) {
      return error(404, "NoSuchDistribution", "The specified distribution does not exist.");
    }
    String resource = parts.length > 4 ? parts[4] : "";
    if (method.equals("GET") && resource.equals("config")) {
      return xml(200, dist.config, dist.etag);
    }
    if (method.equals("PUT") && resource.equals("config")) {
      return update(dist, request);
    }
    if (method.equals("GET") && resource.isEmpty()) {
      if (dist.status.equals("InProgress") && dist.looks-- <= 0) {
        dist.status = "Deployed";
      }
      return xml(200, distribution(dist), dist.etag);
    }
    if (method.equals("POST") && resource.equals("invalidation")) {
      return invalidate(dist, request.getBodyAsString());
    }
    if (method.equals("GET") && resource.equals("invalidation") && parts.length > 5) {
      Invalidation inv =
          dist.invalidations.values().stream()
              .filter(i -> i.id.equals(parts[5]))
              .findFirst()
              .orElse(null);
      if (inv == null) {
        return error(404, "NoSuchInvalidation", "The specified invalidation does not exist.");
      }
      if (inv.status.equals("InProgress") && inv.looks-- <= 0) {
        inv.status = "Completed";
      }
      return xml(200, invalidation(inv), null);
    }
    return error(400, "InvalidArgument", "not handled by the fake: " + method + " " + path);
  }

  private ResponseDefinition update(Dist dist, LoggedRequest request) {
    String ifMatch = request.getHeader("If-Match");
    if (ifMatch == null || ifMatch.isEmpty()) {
      return error(
          400,
          "InvalidIfMatchVersion",
          "The If-Match version is missing or not valid for the resource.");
    }
    if (!ifMatch.equals(dist.etag)) {
      return error(
          412,
          "PreconditionFailed",
          "The precondition given in one or more of the request-header fields evaluated to false.");
    }
    Document given = parse(request.getBodyAsString());
    Document current = parse(dist.config);
    if (!text(given.getDocumentElement(), "CallerReference")
        .equals(text(current.getDocumentElement(), "CallerReference"))) {
      return error(400, "IllegalUpdate", "Origin and CallerReference cannot be updated.");
    }
    dist.config = request.getBodyAsString();
    dist.etag = "E" + UUID.randomUUID().toString().replace("-", "").substring(0, 12).toUpperCase();
    dist.status = "InProgress";
    dist.looks = looks;
    return xml(200, distribution(dist), dist.etag);
  }

  private ResponseDefinition invalidate(Dist dist, String body) {
    Element batch = parse(body).getDocumentElement();
    String reference = text(batch, "CallerReference");
    List<String> paths = new ArrayList<>();
    NodeList items = batch.getElementsByTagNameNS("*", "Path");
    for (int i = 0; i < items.getLength(); i++) {
      paths.add(items.item(i).getTextContent());
    }
    Invalidation existing = dist.invalidations.get(reference);
    if (existing != null) {
      if (!existing.paths.equals(paths)) {
        return error(
            409, "InvalidationBatchAlreadyExists", "Invalidation batch specified already exists.");
      }
      return xml(201, invalidation(existing), null);
    }
    Invalidation created =
        new Invalidation(
            "I" + UUID.randomUUID().toString().replace("-", "").substring(0, 13).toUpperCase(),
            reference,
            paths,
            looks);
    dist.invalidations.put(reference, created);
    return xml(201, invalidation(created), null);
  }

  private static String distribution(Dist dist) {
    String config =
        dist.config
            .replaceFirst("<\\?xml[^>]*\\?>", "")
            .replaceFirst("<DistributionConfig[^>]*>", "<DistributionConfig>");
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Distribution xmlns=\""
        + NS
        + "\"><Id>"
        + dist.id
        + "</Id>"
        + "<ARN>arn:aws:cloudfront::123456789012:distribution/"
        + dist.id
        + "</ARN><Status>"
        + dist.status
        + "</Status><LastModifiedTime>2026-11-22T08:00:00.000Z</LastModifiedTime>"
        + "<InProgressInvalidationBatches>0</InProgressInvalidationBatches><DomainName>d111111abcdef8.cloudfront.net</DomainName>"
        + "<ActiveTrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedSigners>"
        + "<ActiveTrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></ActiveTrustedKeyGroups>"
        + config
        + "</Distribution>";
  }

  private static String invalidation(Invalidation inv) {
    StringBuilder paths = new StringBuilder();
    inv.paths.forEach(p -> paths.append("<Path>").append(p).append("</Path>"));
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Invalidation xmlns=\""
        + NS
        + "\"><Id>"
        + inv.id
        + "</Id><Status>"
        + inv.status
        + "</Status><CreateTime>2026-11-22T08:00:00.000Z</CreateTime><InvalidationBatch><Paths><Quantity>"
        + inv.paths.size()
        + "</Quantity><Items>"
        + paths
        + "</Items></Paths><CallerReference>"
        + inv.callerReference
        + "</CallerReference></InvalidationBatch></Invalidation>";
  }

  private static ResponseDefinition xml(int status, String body, String etag) {
    ResponseDefinitionBuilder response =
        ResponseDefinitionBuilder.responseDefinition()
            .withStatus(status)
            .withBody(body)
            .withHeader("Content-Type", "text/xml")
            .withHeader("x-amzn-RequestId", UUID.randomUUID().toString());
    if (etag != null) {
      response.withHeader("ETag", etag);
    }
    return response.build();
  }

  private static ResponseDefinition error(int status, String code, String message) {
    return ResponseDefinitionBuilder.responseDefinition()
        .withStatus(status)
        .withBody(
            "<?xml version=\"1.0\"?><ErrorResponse xmlns=\""
                + NS
                + "\"><Error><Type>Sender</Type><Code>"
                + code
                + "</Code><Message>"
                + message
                + "</Message></Error><RequestId>"
                + UUID.randomUUID()
                + "</RequestId></ErrorResponse>")
        .withHeader("Content-Type", "text/xml")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .build();
  }

  static String originPathOf(Document config, String originId) {
    NodeList origins = config.getElementsByTagNameNS("*", "Origin");
    for (int i = 0; i < origins.getLength(); i++) {
      Element origin = (Element) origins.item(i);
      if (text(origin, "Id").equals(originId)) {
        return text(origin, "OriginPath");
      }
    }
    throw new IllegalArgumentException("no origin " + originId);
  }

  private static String text(Element parent, String name) {
    NodeList nodes = parent.getElementsByTagNameNS("*", name);
    return nodes.getLength() == 0 ? "" : nodes.item(0).getTextContent();
  }

  static Document parse(String xml) {
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      return factory
          .newDocumentBuilder()
          .parse(new ByteArrayInputStream(xml.getBytes(StandardCharsets.UTF_8)));
    } catch (Exception e) {
      throw new IllegalArgumentException("not XML: " + xml, e);
    }
  }

  private static String config(String originId, String originPath) {
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><DistributionConfig xmlns=\""
        + NS
        + "\">"
        + "<CallerReference>medication-web-setup</CallerReference>"
        + "<Aliases><Quantity>1</Quantity><Items><CNAME>staging.medication.example</CNAME></Items></Aliases>"
        + "<DefaultRootObject>index.html</DefaultRootObject>"
        + "<Origins><Quantity>2</Quantity><Items>"
        + "<Origin><Id>"
        + originId
        + "</Id><DomainName>medication-web.s3.eu-west-1.amazonaws.com</DomainName>"
        + "<OriginPath>"
        + originPath
        + "</OriginPath><CustomHeaders><Quantity>0</Quantity></CustomHeaders>"
        + "<S3OriginConfig><OriginAccessIdentity></OriginAccessIdentity></S3OriginConfig>"
        + "<ConnectionAttempts>3</ConnectionAttempts><ConnectionTimeout>10</ConnectionTimeout>"
        + "<OriginShield><Enabled>false</Enabled></OriginShield><OriginAccessControlId>E3OAC0EXAMPLE</OriginAccessControlId></Origin>"
        + "<Origin><Id>api</Id><DomainName>api.staging.medication.example</DomainName><OriginPath>/v1</OriginPath>"
        + "<CustomHeaders><Quantity>0</Quantity></CustomHeaders><CustomOriginConfig><HTTPPort>80</HTTPPort><HTTPSPort>443</HTTPSPort>"
        + "<OriginProtocolPolicy>https-only</OriginProtocolPolicy><OriginSslProtocols><Quantity>1</Quantity><Items><SslProtocol>TLSv1.2</SslProtocol></Items></OriginSslProtocols>"
        + "<OriginReadTimeout>30</OriginReadTimeout><OriginKeepaliveTimeout>5</OriginKeepaliveTimeout></CustomOriginConfig>"
        + "<ConnectionAttempts>3</ConnectionAttempts><ConnectionTimeout>10</ConnectionTimeout></Origin>"
        + "</Items></Origins>"
        + "<OriginGroups><Quantity>0</Quantity></OriginGroups>"
        + "<DefaultCacheBehavior><TargetOriginId>"
        + originId
        + "</TargetOriginId>"
        + "<TrustedSigners><Enabled>false</Enabled><Quantity>0</Quantity></TrustedSigners>"
        + "<TrustedKeyGroups><Enabled>false</Enabled><Quantity>0</Quantity></TrustedKeyGroups>"
        + "<ViewerProtocolPolicy>redirect-to-https</ViewerProtocolPolicy>"
        + "<AllowedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items>"
        + "<CachedMethods><Quantity>2</Quantity><Items><Method>HEAD</Method><Method>GET</Method></Items></CachedMethods></AllowedMethods>"
        + "<SmoothStreaming>false</SmoothStreaming><Compress>true</Compress>"
        + "<LambdaFunctionAssociations><Quantity>0</Quantity></LambdaFunctionAssociations>"
        + "<FunctionAssociations><Quantity>0</Quantity></FunctionAssociations>"
        + "<FieldLevelEncryptionId></FieldLevelEncryptionId><CachePolicyId>658327ea-f89d-4fab-a63d-7e88639e58f6</CachePolicyId>"
        + "</DefaultCacheBehavior>"
        + "<CacheBehaviors><Quantity>0</Quantity></CacheBehaviors>"
        + "<CustomErrorResponses><Quantity>0</Quantity></CustomErrorResponses>"
        + "<Comment>Medication tracker web</Comment>"
        + "<Logging><Enabled>false</Enabled><IncludeCookies>false</IncludeCookies><Bucket></Bucket><Prefix></Prefix></Logging>"
        + "<PriceClass>PriceClass_100</PriceClass><Enabled>true</Enabled>"
        + "<ViewerCertificate><CloudFrontDefaultCertificate>true</CloudFrontDefaultCertificate><SSLSupportMethod>vip</SSLSupportMethod>"
        + "<MinimumProtocolVersion>TLSv1</MinimumProtocolVersion><CertificateSource>cloudfront</CertificateSource></ViewerCertificate>"
        + "<Restrictions><GeoRestriction><RestrictionType>none</RestrictionType><Quantity>0</Quantity></GeoRestriction></Restrictions>"
        + "<WebACLId></WebACLId><HttpVersion>http2</HttpVersion><IsIPV6Enabled>true</IsIPV6Enabled><Staging>false</Staging>"
        + "</DistributionConfig>";
  }

  private static final class Dist {
    final String id;
    final Map<String, Invalidation> invalidations = new LinkedHashMap<>();
    String config;
    String etag = "E2QWRUHEXAMPLE";
    String status = "Deployed";
    int looks;

    Dist(String id, String config) {
      this.id = id;
      this.config = config;
    }
  }

  private static final class Invalidation {
    final String id;
    final String callerReference;
    final List<String> paths;
    String status = "InProgress";
    int looks;

    Invalidation(String id, String callerReference, List<String> paths, int looks) {
      this.id = id;
      this.callerReference = callerReference;
      this.paths = paths;
      this.looks = looks;
    }
  }
}
