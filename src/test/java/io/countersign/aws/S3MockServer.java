package io.countersign.aws;

import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.HttpURLConnection;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.awaitility.core.ConditionTimeoutException;

/**
 * Adobe S3Mock's executable jar as a child process: a real S3-protocol server, one per test JVM, on
 * a free port, started on first use and stopped when the JVM exits. The jar's path comes from the
 * build (system property {@code s3mock.jar}).
 */
public final class S3MockServer {
  private static URI endpoint;
  private static Process process;

  private S3MockServer() {}

  /** The server's HTTP endpoint, starting it if this JVM has none yet. */
  public static synchronized URI endpoint() {
    if (endpoint == null) {
      start();
    }
    return endpoint;
  }

  private static void start() {
    String jar = System.getProperty("s3mock.jar");
    if (jar == null || !Files.isRegularFile(Path.of(jar))) {
      throw new IllegalStateException(
          "system property s3mock.jar must name S3Mock's exec jar (the build copies it to "
              + "<build dir>/s3mock/s3mock-exec.jar); found '"
              + jar
              + "'");
    }
    try {
      Path work = Files.createTempDirectory(Path.of(jar).getParent(), "run-");
      Path log = work.resolve("s3mock.log");
      int port = freePort();
      process =
          new ProcessBuilder(
                  List.of(
                      Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                      "-Xmx256m",
                      "-jar",
                      jar,
                      "--com.adobe.testing.s3mock.httpPort=" + port,
                      "--server.port=0", // its HTTPS connector, unused: any free port
                      "--com.adobe.testing.s3mock.store.root=" + work.resolve("store"),
                      "--com.adobe.testing.s3mock.store.retainFilesOnExit=false",
                      "--spring.main.banner-mode=off"))
              .redirectErrorStream(true)
              .redirectOutput(log.toFile())
              .start();
      Process started = process;
      Runtime.getRuntime().addShutdownHook(new Thread(started::destroy, "s3mock-stop"));
      URI uri = URI.create("http://127.0.0.1:" + port);
      try {
        await("S3Mock answering on " + uri)
            .atMost(Duration.ofSeconds(90))
            .pollInterval(Duration.ofMillis(200))
            .until(
                () -> {
                  if (!started.isAlive()) {
                    throw new IllegalStateException(
                        "S3Mock exited with " + started.exitValue() + ": " + tail(log));
                  }
                  return answers(uri);
                });
      } catch (ConditionTimeoutException e) {
        started.destroyForcibly();
        throw new IllegalStateException("S3Mock did not answer within 90 s: " + tail(log), e);
      }
      endpoint = uri;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static boolean answers(URI uri) {
    try {
      HttpURLConnection connection = (HttpURLConnection) uri.toURL().openConnection();
      connection.setConnectTimeout(500);
      connection.setReadTimeout(2000);
      try {
        return connection.getResponseCode() == 200;
      } finally {
        connection.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      socket.setReuseAddress(true);
      return socket.getLocalPort();
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }
}
