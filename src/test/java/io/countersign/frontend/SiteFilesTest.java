package io.countersign.frontend;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SiteFilesTest {

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "index.html|text/html; charset=utf-8|no-cache",
        "about/index.HTML|text/html; charset=utf-8|no-cache",
        "sw.js|text/javascript; charset=utf-8|no-cache",
        "assets/main.3f2a9c1b.js|text/javascript; charset=utf-8|public, max-age=31536000, immutable",
        "assets/index-BfG3x9_a.css|text/css; charset=utf-8|public, max-age=31536000, immutable",
        "assets/chunk-vendors.a1b2c3d4e5.mjs|text/javascript; charset=utf-8|public, max-age=31536000, immutable",
        "assets/logo.5d41402abc4b2a76b9719d911017c592.svg|image/svg+xml|public, max-age=31536000, immutable",
        "assets/jquery-3.7.1.min.js|text/javascript; charset=utf-8|public, max-age=300",
        "assets/app-settings.json|application/json|public, max-age=300",
        "assets/logo-20240101.png|image/png|public, max-age=300",
        "favicon.ico|image/x-icon|public, max-age=300",
        "robots.txt|text/plain; charset=utf-8|public, max-age=300",
        "manifest.webmanifest|application/manifest+json|public, max-age=300",
        "fonts/inter.woff2|font/woff2|public, max-age=300",
        "LICENSE|application/octet-stream|public, max-age=300"
      })
  void contentTypeAndCacheControlByName(String path, String contentType, String cacheControl) {
    assertThat(SiteFiles.contentType(path)).isEqualTo(contentType);
    assertThat(SiteFiles.cacheControl(path)).isEqualTo(cacheControl);
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "index.html",
        "assets/main.3f2a9c1b.js",
        "a/b/c.txt",
        "img/logo@2x.png",
        ".well-known/security.txt"
      })
  void safeEntryNames(String path) {
    assertThat(SiteFiles.isSafe(path)).isTrue();
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "../evil.html",
        "a/../../b",
        "/etc/passwd",
        "a//b",
        "a\\b.html",
        "./index.html",
        "a/./b",
        "sp ace.html",
        "new\nline",
        ""
      })
  void unsafeEntryNames(String path) {
    assertThat(SiteFiles.isSafe(path)).isFalse();
  }
}
