package io.countersign.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.junit.jupiter.api.Test;

/**
 * After {@code package} (failsafe, integration-test phase): the jar the Dockerfile extracts has a
 * layers index naming exactly the layers the Dockerfile copies, in that order.
 */
class LayeredJarIT {
  @Test
  void theBuiltJarHasTheLayersTheDockerfileCopies() throws IOException, URISyntaxException {
    // test-classes lies in the build directory, which -Dbuild.dir may move.
    Path buildDir =
        Path.of(LayeredJarIT.class.getProtectionDomain().getCodeSource().getLocation().toURI())
            .getParent();
    Path jar;
    try (Stream<Path> files = Files.list(buildDir)) {
      jar =
          files
              .filter(f -> f.getFileName().toString().matches("countersign-.*\\.jar"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no countersign-*.jar in " + buildDir));
    }
    try (ZipFile zip = new ZipFile(jar.toFile())) {
      ZipEntry index = zip.getEntry("BOOT-INF/layers.idx");
      assertThat(index).as("BOOT-INF/layers.idx in " + jar).isNotNull();
      String text;
      try (InputStream in = zip.getInputStream(index)) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      Matcher layer = Pattern.compile("(?m)^- \"([^\"]+)\":$").matcher(text);
      List<String> layers = new java.util.ArrayList<>();
      while (layer.find()) {
        layers.add(layer.group(1));
      }
      assertThat(layers).containsExactlyElementsOf(ImageBuildTest.LAYERS);
      assertThat(zip.getEntry("org/springframework/boot/loader/launch/JarLauncher.class"))
          .as("the launcher the Dockerfile's ENTRYPOINT names")
          .isNotNull();
    }
  }
}
