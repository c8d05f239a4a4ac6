package io.countersign.browser;

import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.HttpSupport;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * One real Chromium driving Camunda Tasklist: the Node driver {@code e2e/tasklist.mjs}
 * (playwright-core on Debian's {@code chromium}) as a child process, spoken to one JSON line per
 * command. Each command runs in a fresh browser context, so it is a new person at the login form;
 * the browser lives until {@link #quit()}. Screenshots of each command's last state and the
 * driver's log land in {@code <build dir>/browser-tests/}.
 */
final class TasklistBrowser {
  static final Path E2E = Path.of("e2e");
  static final Path CHROMIUM =
      Path.of(System.getProperty("countersign.chromium", "/usr/bin/chromium"));
  private static final Duration REPLY_TIMEOUT = Duration.ofMinutes(3);
  private static final String END = "\u0000end";

  private final Process node;
  private final Writer commands;
  private final BlockingQueue<String> replies = new LinkedBlockingQueue<>();
  private final Path log;

  TasklistBrowser(int port) {
    requireTools();
    Path artifacts = artifacts();
    log = artifacts.resolve("driver.log");
    try {
      Files.createDirectories(artifacts);
      node =
          new ProcessBuilder(
                  "node",
                  "tasklist.mjs",
                  "--base-url",
                  "http://localhost:" + port,
                  "--artifacts",
                  artifacts.toAbsolutePath().toString(),
                  "--chromium",
                  CHROMIUM.toString())
              .directory(E2E.toFile())
              .redirectError(log.toFile())
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("could not start node for e2e/tasklist.mjs", e);
    }
    commands = new OutputStreamWriter(node.getOutputStream(), StandardCharsets.UTF_8);
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader out =
                  new BufferedReader(
                      new InputStreamReader(node.getInputStream(), StandardCharsets.UTF_8))) {
                for (String line = out.readLine(); line != null; line = out.readLine()) {
                  replies.add(line);
                }
              } catch (IOException e) {
                // the driver's output closed; reported as its end below
              } finally {
                replies.add(END);
              }
            },
            "tasklist-browser-replies");
    reader.setDaemon(true);
    reader.start();
  }

  /**
   * Logs in as {@code user}, picks {@code filter}, finds the release by business key, opens its
   * task and reads the form, then claims the task and, if the claim is accepted, chooses {@code
   * choice} ("Approve", "Reject"), writes the comment (unless empty) and completes.
   */
  JsonNode signOff(
      String name, String user, String filter, String release, String choice, String comment) {
    Map<String, Object> command = command("signOff", name, user, filter, release);
    command.put("choice", choice);
    command.put("comment", comment);
    return send(command);
  }

  /**
   * As {@link #signOff}, but expects the form itself to refuse the completion: answers once the
   * form shows its field errors, without waiting for a request.
   */
  JsonNode signOffBlockedByTheForm(
      String name, String user, String filter, String release, String choice, String comment) {
    Map<String, Object> command = command("signOff", name, user, filter, release);
    command.put("choice", choice);
    command.put("comment", comment);
    command.put("expectBlocked", true);
    return send(command);
  }

  /** Logs in, picks the filter, finds the release's task and reads its form, changing nothing. */
  JsonNode open(String name, String user, String filter, String release) {
    return send(command("open", name, user, filter, release));
  }

  /**
   * In the release console: logs in, opens the release from the list and watches its page, without
   * reloading it, until it shows {@code until}; answers at once, the reply comes when it is seen.
   */
  CompletableFuture<JsonNode> consoleWatch(String name, String user, String release, String until) {
    Map<String, Object> command = command("consoleWatch", name, user, null, release);
    command.put("until", until);
    command.put("timeoutMs", REPLY_TIMEOUT.minusSeconds(30).toMillis());
    return CompletableFuture.supplyAsync(() -> send(command));
  }

  /**
   * From the release console to a completed sign-off: log in, open the release from the list,
   * follow the role's "Sign in Tasklist" link, log in there, claim, choose, complete.
   */
  JsonNode consoleSignOff(
      String name, String user, String role, String release, String choice, String comment) {
    Map<String, Object> command = command("consoleSignOff", name, user, null, release);
    command.put("role", role);
    command.put("choice", choice);
    command.put("comment", comment);
    return send(command);
  }

  /** Presses a request's button on the release's console page, fills its dialog and confirms. */
  JsonNode consoleAction(
      String name, String user, String release, String request, Map<String, String> fields) {
    Map<String, Object> command = command("consoleAction", name, user, null, release);
    command.put("request", request);
    command.put("fields", fields);
    return send(command);
  }

  private static Map<String, Object> command(
      String action, String name, String user, String filter, String release) {
    Map<String, Object> command = new LinkedHashMap<>();
    command.put("action", action);
    command.put("name", name);
    command.put("user", user);
    command.put("password", HttpSupport.DEMO_PASSWORD);
    command.put("filter", filter);
    command.put("release", release);
    return command;
  }

  private JsonNode send(Map<String, Object> command) {
    String line;
    try {
      commands.write(HttpSupport.JSON.writeValueAsString(command) + "\n");
      commands.flush();
      line = replies.poll(REPLY_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (IOException e) {
      return fail(
          "the browser driver no longer reads commands (exit code "
              + exitCode()
              + ")\n"
              + logTail(),
          e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
    if (line == null) {
      return fail(
          "no answer from the browser driver within "
              + REPLY_TIMEOUT
              + " to "
              + command.get("name")
              + "\n"
              + logTail());
    }
    if (line.equals(END)) {
      return fail(
          "the browser driver ended (exit code "
              + exitCode()
              + ") before answering "
              + command.get("name")
              + "\n"
              + logTail());
    }
    try {
      JsonNode reply = HttpSupport.JSON.readTree(line);
      if (!reply.path("ok").asBoolean()) {
        return fail(
            "in the browser, "
                + command.get("name")
                + " failed: "
                + reply.path("error").asText()
                + "\nscreenshot: "
                + reply.path("screenshot").asText()
                + "\ncalls: "
                + reply.path("requests")
                + "\n"
                + logTail());
      }
      return reply;
    } catch (IOException e) {
      return fail("the browser driver answered no JSON: " + line + "\n" + logTail(), e);
    }
  }

  /** Ends the driver: it closes the browser once its input closes. Returns its exit code. */
  int quit() {
    try {
      commands.close();
      if (!node.waitFor(1, TimeUnit.MINUTES)) {
        node.destroy(); // SIGTERM: Playwright closes the browser on it
        if (!node.waitFor(10, TimeUnit.SECONDS)) {
          node.destroyForcibly();
        }
        fail("the browser driver did not end within a minute after its input closed\n" + logTail());
      }
      return node.exitValue();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  String logTail() {
    try {
      List<String> lines = Files.exists(log) ? Files.readAllLines(log) : List.of();
      List<String> tail = lines.subList(Math.max(0, lines.size() - 40), lines.size());
      return "driver log " + log + ":\n" + String.join("\n", tail);
    } catch (IOException e) {
      return "driver log " + log + " unreadable: " + e;
    }
  }

  private String exitCode() {
    try {
      return node.waitFor(10, TimeUnit.SECONDS)
          ? String.valueOf(node.exitValue())
          : "still running";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "unknown";
    }
  }

  /**
   * {@code <build dir>/browser-tests}: beside test-classes, so parallel builds with -Dbuild.dir
   * keep theirs apart.
   */
  static Path artifacts() {
    try {
      Path testClasses =
          Path.of(
              TasklistBrowser.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      return testClasses.getParent().resolve("browser-tests");
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The browser tests need Chromium, Node and the driver's packages. CI installs them ({@code
   * .ci/run}); elsewhere a missing one fails the test with what to do, rather than skipping it
   * silently.
   */
  static void requireTools() {
    if (!Files.isExecutable(CHROMIUM)) {
      fail(
          CHROMIUM
              + " is missing: the Tasklist browser tests need Debian's chromium. Install it with "
              + "'apt-get install chromium' (.ci/run does), or point -Dcountersign.chromium at a Chromium binary.");
    }
    if (whichNode().isEmpty()) {
      fail(
          "node is not on the PATH: the Tasklist browser tests drive Chromium from Node (20 or newer).");
    }
    if (!Files.isDirectory(E2E.resolve("node_modules/playwright-core"))) {
      fail(
          "e2e/node_modules is missing: run 'npm ci' in e2e/ (.ci/run does) before the Tasklist browser tests.");
    }
  }

  private static Optional<Path> whichNode() {
    String path = Optional.ofNullable(System.getenv("PATH")).orElse("");
    for (String dir : path.split(File.pathSeparator)) {
      Path candidate = Path.of(dir, "node");
      if (!dir.isEmpty() && Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }
}
