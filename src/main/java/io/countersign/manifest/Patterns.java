package io.countersign.manifest;

/**
 * Shapes the manifest's values must have; each pattern comes with the message a requester sees. The
 * name of a configured target is public: the sections of target capabilities name their targets the
 * same way.
 */
public final class Patterns {
  public static final String NAME = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  public static final String NAME_MESSAGE =
      "must be lower-case letters, digits and '-' (1-63 characters)";
  static final String VERSION = "[0-9A-Za-z][0-9A-Za-z.+_-]{0,63}";
  static final String VERSION_MESSAGE = "must be a version such as 2.4.0 or 2024.11.3-rc1";
  static final String REFERENCE = "[A-Za-z0-9][A-Za-z0-9._/#-]*";
  static final String REFERENCE_MESSAGE = "must be a change reference such as CHG-1234";
  public static final String SHA256 = "[0-9a-f]{64}";
  public static final String SHA256_MESSAGE =
      "must be a SHA-256 digest (64 lower-case hex characters)";
  static final String RELATIVE_PATH = "(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9._/-]+";
  static final String RELATIVE_PATH_MESSAGE = "must be a relative path without '..'";
  static final String LAMBDA_FUNCTION = "[A-Za-z0-9_-]{1,64}";
  static final String LAMBDA_FUNCTION_MESSAGE =
      "must be a Lambda function name (letters, digits, '-', '_'; 1-64)";
  static final String LAMBDA_ALIAS = "(?!^[0-9]+$)[A-Za-z0-9_-]{1,128}";
  static final String LAMBDA_ALIAS_MESSAGE = "must be a Lambda alias name";
  static final String TRAFFIC =
      "all-at-once|canary[0-9]{1,2}-[0-9]{1,3}|linear[0-9]{1,2}-[0-9]{1,3}";
  static final String TRAFFIC_MESSAGE =
      "must be all-at-once, canary<percent>-<minutes> or linear<percent>-<minutes>";
  static final String LAYER_VERSION_ARN =
      "arn:aws[a-z-]*:lambda:[a-z]{2}(-[a-z]+)+-[0-9]{1,2}:[0-9]{12}:layer:[A-Za-z0-9_-]{1,140}:[0-9]{1,8}";
  static final String LAYER_VERSION_ARN_MESSAGE =
      "must be a Lambda layer version ARN (arn:aws:lambda:<region>:<account>:layer:<name>:<version>)";
  public static final String BUCKET = "[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]";
  public static final String BUCKET_MESSAGE = "must be an S3 bucket name";
  public static final String OBJECT_KEY = "(?!/)(?!.*(^|/)\\.\\.(/|$))[A-Za-z0-9!_.*'()/-]+";
  public static final String OBJECT_KEY_MESSAGE = "must be an S3 object key without '..'";

  /**
   * Where a pipeline keeps an evidence artifact: {@code s3://bucket/key} (key characters as {@link
   * #OBJECT_KEY}, no percent-encoding) or {@code https://host[:port]/path} (RFC 3986 path
   * characters and %XX escapes). No user info, query or fragment: a location must not carry
   * credentials (pre-signed URLs included). Lower-case schemes only. {@link ManifestRules} also
   * decodes the path and refuses {@code ..} segments. Plain character classes (no repeated groups)
   * keep the match iterative on long input.
   */
  static final String EVIDENCE_LOCATION =
      "s3://"
          + BUCKET
          + "/(?<key>[A-Za-z0-9!_.*'()/-]+)"
          + "|https://(?<host>[A-Za-z0-9.-]+)(:[0-9]{1,5})?(?<path>/[A-Za-z0-9._~!$&'()*+,;=:@/%-]+)";

  static final String EVIDENCE_LOCATION_MESSAGE =
      "must be an s3://bucket/key or https://host/path URL without user info, query or '..' segments";
  public static final String DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
  public static final String DNS_LABEL_MESSAGE =
      "must be a DNS label (lower-case letters, digits, '-')";
  public static final String IMAGE =
      // Possessive, non-capturing repetitions: Java's backtracking of repeated groups recurses per
      // repetition, so a few kilobytes of "a.a.a…" would overflow the stack (a 500) before the
      // length limit is reported.
      "[a-z0-9]++(?:[._-][a-z0-9]++)*+(?::[0-9]+)?(?:/[a-z0-9]++(?:[._-][a-z0-9]++)*+)*+"
          + "(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?+(?:@sha256:[0-9a-f]{64})?+";
  public static final String IMAGE_MESSAGE =
      "must be an image reference such as registry.example/app:1.2.3";
  public static final String DURATION = "P(?!$)(\\d+D)?(T(?=\\d)(\\d+H)?(\\d+M)?(\\d+S)?)?";
  public static final String DURATION_MESSAGE = "must be an ISO-8601 duration such as PT10M";

  /** CloudWatch's own rule for names: 1-255 characters (255 by {@code @Size}), no control ones. */
  public static final String CLOUDWATCH_NAME = "[^\\p{Cntrl}]+";

  public static final String CLOUDWATCH_NAME_MESSAGE = "must not contain control characters";

  /** As CloudWatch documents namespaces: no leading ':' and no control characters. */
  public static final String CLOUDWATCH_NAMESPACE = "(?!:)[A-Za-z0-9._/#: -]+";

  public static final String CLOUDWATCH_NAMESPACE_MESSAGE =
      "must be a CloudWatch namespace such as AWS/Lambda (letters, digits, . - _ / # : and spaces)";

  /** CloudWatch's rule for the ids of metric-data queries (metric math names them). */
  public static final String CLOUDWATCH_ID = "[a-z][a-zA-Z0-9_]*";

  public static final String CLOUDWATCH_ID_MESSAGE =
      "must start with a lower-case letter, then letters, digits and '_' (CloudWatch's rule)";

  public static final String CLOUDWATCH_STAT =
      "Average|Sum|Minimum|Maximum|SampleCount|p(?:100|[0-9]{1,2}(?:\\.[0-9]{1,2})?)";
  public static final String CLOUDWATCH_STAT_MESSAGE =
      "must be Average, Sum, Minimum, Maximum, SampleCount or a percentile such as p95 or p99.9";

  /** A CloudWatch alarm name (1-255 characters); {@code {function}} is expanded per function. */
  public static final String ALARM_NAME = "[^\\p{Cntrl}]+";

  public static final String ALARM_NAME_MESSAGE =
      "must be a CloudWatch alarm name (no control characters)";

  private Patterns() {}
}
