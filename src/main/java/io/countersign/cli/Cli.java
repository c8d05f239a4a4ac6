package io.countersign.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.countersign.cli.ApiClient.CliException;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/**
 * The command-line client for pipelines: {@code java -jar countersign.jar cli <command>}. Submits a
 * manifest, waits for the outcome with a progress line on stderr, shows a release's status, asks
 * for a rollback and verifies the evidence, over the REST API. Exit codes tell a pipeline how the
 * release ended (see the help's exit code list).
 */
@Command(
    name = "countersign cli",
    mixinStandardHelpOptions = true,
    version = "countersign cli 1",
    description = "Submit releases to Countersign and wait for their outcome, from a pipeline.",
    subcommands = {
      Cli.Submit.class,
      Cli.Wait.class,
      Cli.Status.class,
      Cli.Rollback.class,
      Cli.Evidence.class
    },
    footerHeading = "%nEnvironment:%n",
    footer = {
      "  COUNTERSIGN_URL       the server, e.g. https://countersign.example.org (or --url)",
      "  COUNTERSIGN_TOKEN     an OIDC access token, sent as Authorization: Bearer",
      "  COUNTERSIGN_USER      with COUNTERSIGN_PASSWORD: HTTP Basic (never on the command line)",
    },
    exitCodeListHeading = "%nExit codes (wait and status):%n",
    exitCodeList = {
      "0:released",
      "2:error: bad arguments, an unreachable server, a refused request (400, 401, 403, 404, 409)",
      "3:rejected, expired or cancelled",
      "4:rolled back",
      "5:failed (an incident an operator has to resolve)",
      "6:timed out (wait; the release goes on)",
      "7:the evidence does not verify (evidence --verify)",
      "8:not finished yet (status)",
    })
public final class Cli implements Runnable {
  public static final int RELEASED = 0;
  public static final int ERROR = 2;
  public static final int NOT_RELEASED = 3;
  public static final int ROLLED_BACK = 4;
  public static final int FAILED = 5;
  public static final int TIMED_OUT = 6;
  public static final int EVIDENCE_INVALID = 7;
  public static final int IN_PROGRESS = 8;

  /** Reported when the release has reached one of these: wait stops, status exits by it. */
  static final Map<String, Integer> FINAL =
      Map.of(
          "released", RELEASED,
          "rejected", NOT_RELEASED,
          "expired", NOT_RELEASED,
          "cancelled", NOT_RELEASED,
          "rolled-back", ROLLED_BACK,
          "failed", FAILED);

  private final Map<String, String> env;
  private final PrintStream out;
  private final PrintStream err;
  private final boolean interactive;

  @Option(
      names = "--url",
      description = "Countersign's base URL (default: environment COUNTERSIGN_URL)")
  String url;

  /**
   * A client reading its settings from {@code env} (not the process environment, so tests give
   * their own), writing to {@code out} and {@code err}; {@code interactive} rewrites the progress
   * line in place (a terminal) instead of printing a new one whenever it changes (a CI log).
   */
  public Cli(Map<String, String> env, PrintStream out, PrintStream err, boolean interactive) {
    this.env = Map.copyOf(env);
    this.out = out;
    this.err = err;
    this.interactive = interactive;
  }

  /** Runs one command line and returns its exit code. */
  public int execute(String... args) {
    CommandLine line = new CommandLine(this);
    line.setOut(new java.io.PrintWriter(out, true));
    line.setErr(new java.io.PrintWriter(err, true));
    line.registerConverter(Duration.class, Cli::duration);
    line.setExecutionExceptionHandler(
        (failure, command, parsed) -> {
          err.println("countersign: " + message(failure));
          return ERROR;
        });
    return line.execute(args);
  }

  /** {@code java -jar countersign.jar cli ...}: the process environment and the console. */
  public static int run(String... args) {
    return new Cli(System.getenv(), System.out, System.err, System.console() != null).execute(args);
  }

  @Override
  public void run() {
    new CommandLine(this).usage(out);
  }

  private static String message(Exception failure) {
    if (failure instanceof CliException cli) {
      return cli.getMessage();
    }
    return failure.getClass().getSimpleName()
        + (failure.getMessage() == null ? "" : ": " + failure.getMessage());
  }

  private static Duration duration(String text) {
    try {
      Duration value = Duration.parse(text.toUpperCase(Locale.ROOT));
      if (value.isNegative() || value.isZero()) {
        throw new CommandLine.TypeConversionException("must be positive: " + text);
      }
      return value;
    } catch (DateTimeParseException e) {
      throw new CommandLine.TypeConversionException(
          "not an ISO-8601 duration (e.g. PT5S, PT2H): " + text);
    }
  }

  ApiClient api(Connection connection) {
    return ApiClient.of(connection.url != null ? connection.url : url, env);
  }

  static String path(String releaseId) {
    if (!releaseId.matches("[A-Za-z0-9._-]{1,64}")) {
      throw new CliException("not a release id: " + releaseId);
    }
    return "/api/releases/" + URLEncoder.encode(releaseId, StandardCharsets.UTF_8);
  }

  /** {@code --url} after the command name too. */
  static final class Connection {
    @Option(
        names = "--url",
        description = "Countersign's base URL (default: environment COUNTERSIGN_URL)")
    String url;
  }

  @Command(
      name = "submit",
      mixinStandardHelpOptions = true,
      description = {
        "Submit a release manifest (YAML or JSON) and print the release's id on stdout.",
        "The same manifest while its release is active, or the same idempotency key, answers"
            + " with that release instead of starting another."
      })
  static final class Submit implements Callable<Integer> {
    @ParentCommand Cli cli;
    @Mixin Connection connection;

    @Parameters(index = "0", paramLabel = "<manifest-file>", description = "release.yaml or .json")
    Path file;

    @Option(
        names = "--idempotency-key",
        description =
            "Sent as the Idempotency-Key header (1-128 characters): a retried submission with the"
                + " same key returns the first release, e.g. the pipeline run's id")
    String idempotencyKey;

    @Override
    public Integer call() {
      byte[] manifest;
      try {
        manifest = Files.readAllBytes(file);
      } catch (IOException e) {
        throw new CliException("cannot read " + file + ": " + e.getMessage());
      }
      Map<String, String> headers = new HashMap<>();
      if (idempotencyKey != null) {
        headers.put("Idempotency-Key", idempotencyKey);
      }
      JsonNode answer =
          cli.api(connection).post("/api/releases", contentType(file, manifest), manifest, headers);
      String id = answer.path("id").asText();
      cli.err.println(
          (answer.path("created").asBoolean(true) ? "submitted " : "already submitted: ")
              + id
              + " ("
              + answer.path("status").asText()
              + ")");
      cli.out.println(id);
      return 0;
    }

    private static String contentType(Path file, byte[] manifest) {
      String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
      if (name.endsWith(".json")) {
        return "application/json";
      }
      if (name.endsWith(".yaml") || name.endsWith(".yml")) {
        return "application/yaml";
      }
      String start = new String(manifest, StandardCharsets.UTF_8).stripLeading();
      return start.startsWith("{") ? "application/json" : "application/yaml";
    }
  }

  @Command(
      name = "wait",
      mixinStandardHelpOptions = true,
      description = {
        "Wait until the release has finished, showing its status, current step, pending"
            + " sign-offs (the groups who may sign) and elapsed time on stderr.",
        "Stops at released, rejected, expired, cancelled, rolled-back or failed."
      },
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:released",
        "2:error: bad arguments, an unreachable server, a refused request",
        "3:rejected, expired or cancelled",
        "4:rolled back",
        "5:failed (an incident an operator has to resolve)",
        "6:timed out (the release goes on)",
      })
  static final class Wait implements Callable<Integer> {
    @ParentCommand Cli cli;
    @Mixin Connection connection;

    @Parameters(index = "0", paramLabel = "<id>", description = "the release id")
    String id;

    @Option(
        names = "--interval",
        defaultValue = "PT5S",
        description = "time between two polls, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration interval;

    @Option(
        names = "--timeout",
        defaultValue = "PT2H",
        description = "give up (exit 6) after this long, ISO-8601 (default: ${DEFAULT-VALUE})")
    Duration timeout;

    @Override
    public Integer call() throws InterruptedException {
      ApiClient api = cli.api(connection);
      long start = System.nanoTime();
      String shown = null;
      String lastStatus = null;
      while (true) {
        Duration elapsed = Duration.ofNanos(System.nanoTime() - start);
        JsonNode release = null;
        try {
          release = api.get(path(id));
        } catch (CliException e) {
          // A wrong URL or token fails at once; an outage after the first answer is waited out.
          if (!e.isTransient() || lastStatus == null) {
            throw e;
          }
          cli.err.println("countersign: " + e.getMessage() + " - asking again");
        }
        if (release != null) {
          lastStatus = release.path("status").asText();
          String progress = progress(release);
          if (cli.interactive) {
            cli.err.print("\r\033[K" + progress + " | " + elapsed(elapsed));
            cli.err.flush();
          } else if (!progress.equals(shown)) {
            cli.err.println(progress + " | " + elapsed(elapsed));
          }
          shown = progress;
          Integer code = FINAL.get(lastStatus);
          if (code != null) {
            if (cli.interactive) {
              cli.err.println();
            }
            String reason = release.path("statusReason").asText("");
            cli.err.println(
                id + " " + lastStatus + (reason.isEmpty() ? "" : ": " + reason.strip()));
            cli.out.println(lastStatus);
            return code;
          }
        }
        Duration left = timeout.minus(Duration.ofNanos(System.nanoTime() - start));
        if (left.isNegative() || left.isZero()) {
          if (cli.interactive) {
            cli.err.println();
          }
          cli.err.println(
              "countersign: timed out after "
                  + elapsed(timeout)
                  + "; "
                  + id
                  + " is still "
                  + lastStatus);
          return TIMED_OUT;
        }
        Thread.sleep(Math.max(1, Math.min(interval.toMillis(), left.toMillis())));
      }
    }
  }

  @Command(
      name = "status",
      mixinStandardHelpOptions = true,
      description = "Show a release: a summary, or its JSON with --json.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:released",
        "2:error: bad arguments, an unreachable server, a refused request",
        "3:rejected, expired or cancelled",
        "4:rolled back",
        "5:failed (an incident an operator has to resolve)",
        "8:not finished yet",
      })
  static final class Status implements Callable<Integer> {
    @ParentCommand Cli cli;
    @Mixin Connection connection;

    @Parameters(index = "0", paramLabel = "<id>", description = "the release id")
    String id;

    @Option(names = "--json", description = "print the API's JSON as it is")
    boolean json;

    @Override
    public Integer call() throws IOException {
      JsonNode release = cli.api(connection).get(path(id));
      if (json) {
        cli.out.println(
            ApiClient.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(release));
      } else {
        cli.out.println(summary(release));
      }
      return FINAL.getOrDefault(release.path("status").asText(), IN_PROGRESS);
    }
  }

  @Command(
      name = "rollback",
      mixinStandardHelpOptions = true,
      description =
          "Ask for a released release to be rolled back (then `wait` for rolled-back: exit 4).")
  static final class Rollback implements Callable<Integer> {
    @ParentCommand Cli cli;
    @Mixin Connection connection;

    @Parameters(index = "0", paramLabel = "<id>", description = "the release id")
    String id;

    @Option(names = "--reason", required = true, description = "why; kept in the evidence")
    String reason;

    @Override
    public Integer call() {
      JsonNode answer =
          cli.api(connection).postJson(path(id) + "/rollback", Map.of("reason", reason));
      cli.out.println(id + ": " + answer.path("message").asText("rollback requested"));
      return 0;
    }
  }

  @Command(
      name = "evidence",
      mixinStandardHelpOptions = true,
      description = "Print a release's signed evidence bundle, or verify its hash chain.",
      exitCodeListHeading = "%nExit codes:%n",
      exitCodeList = {
        "0:printed, or the chain verifies",
        "2:error: bad arguments, an unreachable server, a refused request",
        "7:the chain does not verify (the problems are printed)",
      })
  static final class Evidence implements Callable<Integer> {
    @ParentCommand Cli cli;
    @Mixin Connection connection;

    @Parameters(index = "0", paramLabel = "<id>", description = "the release id")
    String id;

    @Option(names = "--verify", description = "verify the chain instead of printing the bundle")
    boolean verify;

    @Override
    public Integer call() throws IOException {
      ApiClient api = cli.api(connection);
      if (!verify) {
        cli.out.println(
            ApiClient.JSON
                .writerWithDefaultPrettyPrinter()
                .writeValueAsString(api.get(path(id) + "/evidence")));
        return 0;
      }
      JsonNode result = api.get(path(id) + "/evidence/verify");
      if (result.path("valid").asBoolean(false)) {
        cli.out.println(
            id
                + ": evidence verifies ("
                + result.path("entries").asInt()
                + " entries, last hash "
                + result.path("lastHash").asText()
                + ")");
        return 0;
      }
      cli.out.println(id + ": evidence does NOT verify");
      for (JsonNode problem : result.path("problems")) {
        cli.out.println("  " + problem.asText());
      }
      return EVIDENCE_INVALID;
    }
  }

  /** The progress line without the time: status, current step, who may sign, reason. */
  static String progress(JsonNode release) {
    List<String> parts = new ArrayList<>();
    parts.add(release.path("id").asText() + " " + release.path("status").asText());
    List<String> active = new ArrayList<>();
    for (JsonNode step : release.path("steps")) {
      if ("active".equals(step.path("state").asText())) {
        active.add(
            step.path("name").isTextual() ? step.path("name").asText() : step.path("id").asText());
      }
    }
    if (!active.isEmpty()) {
      parts.add("step: " + String.join(", ", active));
    }
    List<String> pending = new ArrayList<>();
    release.path("pendingSignOffs").forEach(group -> pending.add(group.asText()));
    if (!pending.isEmpty()) {
      parts.add("waiting for sign-off by: " + String.join(", ", pending));
    }
    String reason = release.path("statusReason").asText("");
    if (!reason.isBlank() && FINAL.get(release.path("status").asText()) == null) {
      parts.add(reason.strip().replaceAll("\\s+", " "));
    }
    return String.join(" | ", parts);
  }

  static String summary(JsonNode release) {
    StringBuilder text = new StringBuilder();
    text.append(release.path("id").asText())
        .append(": ")
        .append(release.path("application").asText())
        .append(' ')
        .append(release.path("version").asText())
        .append(" to ")
        .append(release.path("environment").asText())
        .append('\n');
    text.append("status: ").append(release.path("status").asText()).append('\n');
    String reason = release.path("statusReason").asText("");
    if (!reason.isBlank()) {
      text.append("reason: ").append(reason.strip()).append('\n');
    }
    for (JsonNode signOff : release.path("signOffs")) {
      text.append("sign-off: ")
          .append(signOff.path("role").asText())
          .append(' ')
          .append(signOff.path("decision").asText())
          .append(" by ")
          .append(signOff.path("user").asText())
          .append('\n');
    }
    List<String> pending = new ArrayList<>();
    release.path("pendingSignOffs").forEach(group -> pending.add(group.asText()));
    if (!pending.isEmpty()) {
      text.append("waiting for sign-off by: ").append(String.join(", ", pending)).append('\n');
    }
    for (JsonNode step : release.path("steps")) {
      text.append("step ")
          .append(step.path("id").asText())
          .append(": ")
          .append(step.path("state").asText())
          .append('\n');
    }
    for (JsonNode incident : release.path("incidents")) {
      text.append("incident: ").append(incident.asText()).append('\n');
    }
    JsonNode tasklist = release.path("links").path("tasklist");
    if (tasklist.isTextual()) {
      text.append("tasklist: ").append(tasklist.asText()).append('\n');
    }
    return text.toString().stripTrailing();
  }

  static String elapsed(Duration elapsed) {
    long seconds = elapsed.toSeconds();
    return seconds >= 3600
        ? String.format(
            Locale.ROOT, "%dh%02dm%02ds", seconds / 3600, seconds / 60 % 60, seconds % 60)
        : String.format(Locale.ROOT, "%dm%02ds", seconds / 60, seconds % 60);
  }
}
