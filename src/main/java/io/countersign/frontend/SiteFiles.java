package io.countersign.frontend;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * How each file of a site is stored: its Content-Type by extension, and its Cache-Control. HTML and
 * service workers are revalidated on every visit (the site switches release under the same URLs);
 * hashed assets ({@code main.3f2a9c1b.js}, {@code index-BfG3x9_a.css}) never change under their
 * name, so browsers and the CDN keep them for a year; anything else for five minutes.
 */
final class SiteFiles {
  static final String REVALIDATE = "no-cache";
  static final String IMMUTABLE = "public, max-age=31536000, immutable";
  static final String SHORT = "public, max-age=300";

  private static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("html", "text/html; charset=utf-8"),
          Map.entry("htm", "text/html; charset=utf-8"),
          Map.entry("css", "text/css; charset=utf-8"),
          Map.entry("js", "text/javascript; charset=utf-8"),
          Map.entry("mjs", "text/javascript; charset=utf-8"),
          Map.entry("json", "application/json"),
          Map.entry("map", "application/json"),
          Map.entry("webmanifest", "application/manifest+json"),
          Map.entry("txt", "text/plain; charset=utf-8"),
          Map.entry("xml", "application/xml"),
          Map.entry("svg", "image/svg+xml"),
          Map.entry("png", "image/png"),
          Map.entry("jpg", "image/jpeg"),
          Map.entry("jpeg", "image/jpeg"),
          Map.entry("gif", "image/gif"),
          Map.entry("webp", "image/webp"),
          Map.entry("avif", "image/avif"),
          Map.entry("ico", "image/x-icon"),
          Map.entry("woff", "font/woff"),
          Map.entry("woff2", "font/woff2"),
          Map.entry("ttf", "font/ttf"),
          Map.entry("otf", "font/otf"),
          Map.entry("wasm", "application/wasm"),
          Map.entry("pdf", "application/pdf"),
          Map.entry("mp4", "video/mp4"),
          Map.entry("webm", "video/webm"),
          Map.entry("csv", "text/csv; charset=utf-8"));

  /**
   * A name part of 8+ letters/digits (with at least one of each) just before the extension: a
   * content hash.
   */
  private static final Pattern HASHED =
      Pattern.compile(
          ".*[.-](?=[A-Za-z0-9_]*[0-9])(?=[A-Za-z0-9_]*[A-Za-z])[A-Za-z0-9_]{8,}\\.[A-Za-z0-9]+");

  private static final Pattern SERVICE_WORKER =
      Pattern.compile("(sw|service-worker|serviceworker)\\.js");
  private static final Pattern SAFE_SEGMENT = Pattern.compile("[A-Za-z0-9._~@+=,!()'-]+");

  private SiteFiles() {}

  static String contentType(String path) {
    return TYPES.getOrDefault(extension(path), "application/octet-stream");
  }

  static String cacheControl(String path) {
    String name = fileName(path);
    String extension = extension(path);
    if (extension.equals("html")
        || extension.equals("htm")
        || SERVICE_WORKER.matcher(name).matches()) {
      return REVALIDATE;
    }
    return HASHED.matcher(name).matches() ? IMMUTABLE : SHORT;
  }

  /**
   * Whether an archive entry may become a key under the release prefix: relative, no empty, '.' or
   * '..' segments, no backslashes or control characters (a crafted archive must not write outside
   * its prefix).
   */
  static boolean isSafe(String path) {
    if (path.isEmpty() || path.length() > 512 || path.startsWith("/")) {
      return false;
    }
    for (String segment : path.split("/", -1)) {
      if (segment.equals(".") || segment.equals("..") || !SAFE_SEGMENT.matcher(segment).matches()) {
        return false;
      }
    }
    return true;
  }

  private static String fileName(String path) {
    return path.substring(path.lastIndexOf('/') + 1);
  }

  private static String extension(String path) {
    String name = fileName(path);
    int dot = name.lastIndexOf('.');
    return dot < 0 ? "" : name.substring(dot + 1).toLowerCase(Locale.ROOT);
  }
}
