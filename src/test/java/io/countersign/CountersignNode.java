package io.countersign;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.stream.Collectors;

/**
 * Countersign in a child JVM, so a test can kill it with SIGKILL ({@link
 * Process#destroyForcibly()}) as an operating system or an orchestrator would, and start it again
 * under the same node id. The databases live in the test JVM and survive the kill. The benchmark
 * (io.countersign.bench) runs one with a production-like JVM, from the packaged jar when it has
 * one.
 */
public final class CountersignNode implements AutoCloseable {
  private static final Duration READY_WITHIN = Duration.ofSeconds(180);
  private static final HttpClient CLIENT =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String id;
  private final Path log;
  private final List<String> arguments;
  private final Map<String, String> environment;
  private List<String> jvm =
      // Small and quick to start: two or three of these share two cores with the test JVM.
      List.of("-Xmx640m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");
  private List<String> launch;
  private Path directory;
  private Process process;
  private int port;
  private int starts;
  private Instant readyAt;
  private Instant startedAt;

  /**
   * @param arguments Spring properties as {@code --name=value}, shared by every start
   * @param environment extra environment (the database credentials, the way docker-compose passes
   *     them)
   */
  public CountersignNode(
      String id, Path log, List<String> arguments, Map<String, String> environment) {
    this.id = id;
    this.log = log;
    this.arguments = List.copyOf(arguments);
    this.environment = Map.copyOf(environment);
    // A test JVM that ends abruptly (a timeout, ^C) must not leave a node running on its own.
    Runtime.getRuntime().addShutdownHook(new Thread(this::killQuietly, "crash-node-" + id));
  }

  private void killQuietly() {
    Process running = process;
    if (running != null) {
      running.destroyForcibly();
    }
  }

  /**
   * Spring arguments for a fresh Ed25519 evidence signing key pair, as production configures one
   * (every node of an installation shares it), and a key file under {@code work} that is never
   * used, so nothing lands in ./var.
   */
  public static List<String> signingKeyArguments(Path work) {
    KeyPair key;
    try {
      key = KeyPairGenerator.getInstance("Ed25519").generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
    Base64.Encoder base64 = Base64.getEncoder();
    return List.of(
        "--countersign.evidence.signing.private-key="
            + base64.encodeToString(key.getPrivate().getEncoded()),
        "--countersign.evidence.signing.public-key="
            + base64.encodeToString(key.getPublic().getEncoded()),
        "--countersign.evidence.signing.key-file=" + work.resolve("unused-signing.key"));
  }

  /**
   * The environment that points a node at a database with owner and runtime roles, the way
   * docker-compose.yml passes it.
   */
  public static Map<String, String> databaseEnvironment(EmbeddedPostgresSupport.TwoRoles db) {
    return Map.of(
        "SPRING_DATASOURCE_URL", db.url(),
        "SPRING_DATASOURCE_USERNAME", db.runtime(),
        "SPRING_DATASOURCE_PASSWORD", db.runtime(),
        "SPRING_FLYWAY_USER", db.owner(),
        "SPRING_FLYWAY_PASSWORD", db.owner());
  }

  /** JVM options instead of the small, quick-starting default; for the next start. */
  public CountersignNode jvmOptions(List<String> options) {
    this.jvm = List.copyOf(options);
    return this;
  }

  /** Runs this executable jar (the packaged application) instead of the test class path. */
  public CountersignNode jar(Path jar) {
    this.launch = List.of("-jar", jar.toAbsolutePath().toString());
    return this;
  }

  /**
   * Starts the JVM in this working directory instead of the test's: the embedded default keeps its
   * H2 database, signing key and backups under {@code ./var} of it.
   */
  public CountersignNode directory(Path directory) {
    this.directory = directory.toAbsolutePath();
    return this;
  }

  /** The running JVM's process id (for jcmd). */
  public long pid() {
    return process.pid();
  }

  public String id() {
    return id;
  }

  /** Launches the JVM on a fresh free port; returns at once (see {@link #awaitReady()}). */
  public void start() {
    if (process != null && process.isAlive()) {
      throw new IllegalStateException(id + " is running");
    }
    port = freePort();
    starts++;
    List<String> command = new ArrayList<>();
    command.add(javaBinary());
    command.addAll(jvm);
    command.addAll(
        launch != null
            ? launch
            : List.of("-cp", testClassPath(), "io.countersign.CountersignApplication"));
    command.add("--server.port=" + port);
    command.add("--countersign.cluster.node-id=" + id);
    command.addAll(arguments);
    ProcessBuilder builder =
        new ProcessBuilder(command)
            .redirectErrorStream(true)
            .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    builder.environment().putAll(environment);
    if (directory != null) {
      builder.directory(directory.toFile());
    }
    try {
      if (directory != null) {
        Files.createDirectories(directory);
      }
      Files.createDirectories(log.getParent());
      Files.writeString(
          log,
          "%n===== %s start %d on port %d at %s =====%n".formatted(id, starts, port, Instant.now()),
          StandardCharsets.UTF_8,
          StandardOpenOption.CREATE,
          StandardOpenOption.APPEND);
      readyAt = null;
      startedAt = Instant.now();
      process = builder.start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + id, e);
    }
  }

  public Instant startedAt() {
    return startedAt;
  }

  /**
   * Polls the public health probe until the node answers UP; fails with the log's tail when the JVM
   * exits or the deadline passes.
   */
  public Instant awaitReady() {
    Instant deadline = Instant.now().plus(READY_WITHIN);
    while (Instant.now().isBefore(deadline)) {
      if (pollReady()) {
        return readyAt;
      }
      LockSupport.parkNanos(Duration.ofMillis(200).toNanos());
    }
    throw new AssertionError(id + " not ready within " + READY_WITHIN + ":\n" + tail(80));
  }

  /**
   * One look at the health probe: true once the node answers UP (and from then on); fails with the
   * log's tail when the JVM has exited.
   */
  public boolean pollReady() {
    if (readyAt != null) {
      return true;
    }
    if (!process.isAlive()) {
      throw new AssertionError(
          id + " exited with " + process.exitValue() + " while starting:\n" + tail(80));
    }
    HttpRequest health =
        HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/actuator/health"))
            .timeout(Duration.ofSeconds(5))
            .build();
    try {
      HttpResponse<String> response = CLIENT.send(health, HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() == 200 && response.body().contains("\"UP\"")) {
        readyAt = Instant.now();
        return true;
      }
    } catch (IOException ignored) {
      // not listening yet
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    return false;
  }

  public Instant readyAt() {
    return readyAt;
  }

  public boolean alive() {
    return process != null && process.isAlive();
  }

  public HttpSupport http() {
    return new HttpSupport(port);
  }

  public int port() {
    return port;
  }

  /** SIGKILL on Linux: no shutdown hook, no graceful stop of the job executor. */
  public void kill() {
    if (process == null) {
      return;
    }
    process.destroyForcibly();
    try {
      if (!process.waitFor(30, TimeUnit.SECONDS)) {
        throw new AssertionError(id + " survived SIGKILL for 30 s");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  /** The last lines the node wrote (for failure messages). */
  public String tail(int lines) {
    try {
      List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
    } catch (IOException | UncheckedIOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  public Path log() {
    return log;
  }

  @Override
  public void close() {
    kill();
  }

  private static int freePort() {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String javaBinary() {
    return ProcessHandle.current()
        .info()
        .command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
  }

  /**
   * The test JVM's class path, without empty entries: surefire's ends with a separator, which the
   * JVM reads as the working directory, and the models in ./bpmn would then be found twice.
   */
  private static String testClassPath() {
    return Arrays.stream(System.getProperty("java.class.path").split(File.pathSeparator))
        .filter(entry -> !entry.isBlank())
        .collect(Collectors.joining(File.pathSeparator));
  }
}
