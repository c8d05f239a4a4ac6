package io.countersign.aws;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.any;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathMatching;
import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.extension.ResponseDefinitionTransformerV2;
import com.github.tomakehurst.wiremock.http.ResponseDefinition;
import com.github.tomakehurst.wiremock.stubbing.ServeEvent;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A WireMock server that answers like CloudFormation's Query API (form-encoded POST, XML answers in
 * the namespace of version 2010-05-15) for the calls Countersign makes, as a small stateful
 * service: stacks with status, template, parameters (NoEcho masked as ****), termination protection
 * and events; change sets that are CREATE_PENDING for a few looks, then CREATE_COMPLETE with the
 * changes the test scripted (or FAILED with CloudFormation's "didn't contain changes" reason when
 * template and parameters are the stack's own), OBSOLETE once the stack changed otherwise; an
 * execution or deletion that is IN_PROGRESS for a few looks and then completes, or fails with
 * CloudFormation's own rollback; drift detections. It records every request.
 */
public final class FakeCloudFormationApi extends FakeApiSupport
    implements ResponseDefinitionTransformerV2 {
  static final String NAME = "fake-cloudformation";
  public static final String NS = "http://cloudformation.amazonaws.com/doc/2010-05-15/";
  static final String ACCOUNT = "123456789012";
  static final String NO_CHANGES =
      "The submitted information didn't contain changes. Submit different information to create a"
          + " change set.";

  private final Map<String, Stack> stacks = new LinkedHashMap<>();
  private final Map<String, ChangeSet> changeSets = new LinkedHashMap<>();
  private final Map<String, Drift> drifts = new LinkedHashMap<>();
  private final List<Map<String, String>> requests = new CopyOnWriteArrayList<>();
  private WireMockServer server;
  private int looks = 1;
  private List<Change> nextChanges = List.of();
  private String failNextExecution;
  private String failNextChangeSet;
  private String failNextDeletion;
  private List<String> drifted = List.of();
  private Object[] outOfBand;
  private Integer executionLooks;

  public static FakeCloudFormationApi startServer() {
    FakeCloudFormationApi fake = new FakeCloudFormationApi();
    fake.server = new WireMockServer(options().dynamicPort().extensions(fake));
    fake.server.start();
    fake.server.stubFor(any(urlPathMatching("/.*")).willReturn(aResponse().withTransformers(NAME)));
    return fake;
  }

  public URI endpoint() {
    return URI.create("http://localhost:" + server.port());
  }

  public void stop() {
    server.stop();
  }

  public synchronized void reset() {
    outOfBand = null;
    executionLooks = null;
    stacks.clear();
    changeSets.clear();
    drifts.clear();
    requests.clear();
    clearInjected();
    looks = 1;
    nextChanges = List.of();
    failNextExecution = null;
    failNextChangeSet = null;
    failNextDeletion = null;
    drifted = List.of();
  }

  /** One resource change as CloudFormation lists it. */
  public record Change(
      String action, String logicalId, String type, String replacement, String scope) {}

  /** An existing stack in UPDATE_COMPLETE with its template and parameters. */
  public synchronized void stack(
      String name, String template, Map<String, String> parameters, Set<String> noEcho) {
    Stack stack = new Stack(name);
    stack.status = "UPDATE_COMPLETE";
    stack.template = template;
    stack.parameters = new TreeMap<>(parameters);
    stack.noEcho = Set.copyOf(noEcho);
    stacks.put(name, stack);
  }

  public synchronized void terminationProtection(String name, boolean on) {
    stacks.get(name).terminationProtection = on;
  }

  /** The changes the next change set created lists. */
  public synchronized void nextChanges(Change... changes) {
    nextChanges = List.of(changes);
  }

  /** The next execution fails at this resource and CloudFormation rolls the stack back. */
  public synchronized void failNextExecution(String reason) {
    failNextExecution = reason;
  }

  /** The next deletion fails at this resource ("Bucket: reason"). */
  public synchronized void failNextDeletion(String reason) {
    failNextDeletion = reason;
  }

  /** The next change set fails to be created with this reason. */
  public synchronized void failNextChangeSet(String reason) {
    failNextChangeSet = reason;
  }

  /** Resources the next drift detection finds drifted ("Queue MODIFIED"). */
  public synchronized void drifted(String... resources) {
    drifted = List.of(resources);
  }

  /** How many looks a change set or stack operation stays in progress. */
  public synchronized void looks(int looks) {
    this.looks = looks;
  }

  /** Someone updates the stack outside Countersign: its change sets become OBSOLETE. */
  public synchronized void updatedOutOfBand(String name, String template) {
    Stack stack = stacks.get(name);
    stack.template = template;
    stack.status = "UPDATE_COMPLETE";
    obsolete(name, null);
  }

  /** How many looks an executed change set stays in progress, apart from change sets' looks. */
  public synchronized void executionLooks(int looks) {
    this.executionLooks = looks;
  }

  /**
   * Someone updates the stack right after the next {@code describes} DescribeChangeSet answers: a
   * change made between two looks of Countersign's.
   */
  public synchronized void updatedOutOfBandAfter(int describes, String name, String template) {
    outOfBand = new Object[] {describes, name, template};
  }

  public synchronized String status(String name) {
    Stack stack = stacks.get(name);
    return stack == null || stack.status.equals("DELETE_COMPLETE") ? null : stack.status;
  }

  public synchronized String template(String name) {
    return stacks.get(name).template;
  }

  public synchronized Map<String, String> parameters(String name) {
    return Map.copyOf(stacks.get(name).parameters);
  }

  /** Every request's parameters (Action first), in order. */
  public List<Map<String, String>> requests() {
    return List.copyOf(requests);
  }

  /** The actions called, in order. */
  public List<String> actions() {
    return requests.stream().map(r -> r.get("Action")).toList();
  }

  public long count(String action) {
    return actions().stream().filter(action::equals).count();
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
    Map<String, String> p = form(event.getRequest().getBodyAsString());
    requests.add(p);
    String action = p.getOrDefault("Action", "");
    Injected injected = injected("POST", action);
    if (injected != null) {
      return error(injected.status(), injected.code(), injected.message());
    }
    return switch (action) {
      case "DescribeStacks" -> describeStacks(p);
      case "GetTemplate" -> getTemplate(p);
      case "DetectStackDrift" -> detectDrift(p);
      case "DescribeStackDriftDetectionStatus" -> driftStatus(p);
      case "DescribeStackResourceDrifts" -> resourceDrifts(p);
      case "CreateChangeSet" -> createChangeSet(p);
      case "DescribeChangeSet" -> {
        ResponseDefinition answer = describeChangeSet(p);
        if (outOfBand != null && (int) outOfBand[0] <= 1) {
          updatedOutOfBand((String) outOfBand[1], (String) outOfBand[2]);
          outOfBand = null;
        } else if (outOfBand != null) {
          outOfBand[0] = (int) outOfBand[0] - 1;
        }
        yield answer;
      }
      case "ExecuteChangeSet" -> executeChangeSet(p);
      case "DeleteStack" -> deleteStack(p);
      case "DescribeStackEvents" -> describeEvents(p);
      default -> error(400, "InvalidAction", "Could not find operation " + action);
    };
  }

  private ResponseDefinition describeStacks(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    if (stack == null) {
      return noStack(p.get("StackName"));
    }
    advance(stack);
    if (stack.status.equals("DELETE_COMPLETE")) {
      return noStack(p.get("StackName"));
    }
    StringBuilder params = new StringBuilder();
    stack.parameters.forEach(
        (k, v) ->
            params
                .append("<member><ParameterKey>")
                .append(esc(k))
                .append("</ParameterKey><ParameterValue>")
                .append(stack.noEcho.contains(k) ? "****" : esc(v))
                .append("</ParameterValue></member>"));
    return ok(
        "DescribeStacks",
        "<Stacks><member><StackName>"
            + stack.name
            + "</StackName><StackId>"
            + stack.id
            + "</StackId><CreationTime>2026-01-05T10:00:00.000Z</CreationTime><StackStatus>"
            + stack.status
            + "</StackStatus>"
            + (stack.reason == null
                ? ""
                : "<StackStatusReason>" + esc(stack.reason) + "</StackStatusReason>")
            + "<Parameters>"
            + params
            + "</Parameters><EnableTerminationProtection>"
            + stack.terminationProtection
            + "</EnableTerminationProtection><DriftInformation><StackDriftStatus>NOT_CHECKED</StackDriftStatus></DriftInformation></member></Stacks>");
  }

  private ResponseDefinition getTemplate(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    if (stack == null) {
      return noStack(p.get("StackName"));
    }
    return ok(
        "GetTemplate",
        "<TemplateBody>"
            + esc(stack.template)
            + "</TemplateBody><StagesAvailable><member>Original</member><member>Processed</member></StagesAvailable>");
  }

  private ResponseDefinition detectDrift(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    if (stack == null) {
      return noStack(p.get("StackName"));
    }
    Drift drift = new Drift(UUID.randomUUID().toString(), stack, drifted);
    drifts.put(drift.id, drift);
    return ok(
        "DetectStackDrift", "<StackDriftDetectionId>" + drift.id + "</StackDriftDetectionId>");
  }

  private ResponseDefinition driftStatus(Map<String, String> p) {
    Drift drift = drifts.get(p.get("StackDriftDetectionId"));
    if (drift == null) {
      return error(400, "ValidationError", "Drift detection id not found");
    }
    boolean done = drift.looks-- <= 0;
    return ok(
        "DescribeStackDriftDetectionStatus",
        "<StackId>"
            + drift.stack.id
            + "</StackId><StackDriftDetectionId>"
            + drift.id
            + "</StackDriftDetectionId>"
            + (done
                ? "<StackDriftStatus>"
                    + (drift.drifted.isEmpty() ? "IN_SYNC" : "DRIFTED")
                    + "</StackDriftStatus><DetectionStatus>DETECTION_COMPLETE</DetectionStatus>"
                    + "<DriftedStackResourceCount>"
                    + drift.drifted.size()
                    + "</DriftedStackResourceCount>"
                : "<DetectionStatus>DETECTION_IN_PROGRESS</DetectionStatus>")
            + "<Timestamp>2026-01-05T10:00:00.000Z</Timestamp>");
  }

  private ResponseDefinition resourceDrifts(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    Drift drift =
        drifts.values().stream().filter(d -> d.stack == stack).reduce((a, b) -> b).orElse(null);
    StringBuilder out = new StringBuilder("<StackResourceDrifts>");
    for (String d : drift == null ? List.<String>of() : drift.drifted) {
      String[] parts = d.split(" ");
      out.append("<member><StackId>")
          .append(stack.id)
          .append("</StackId><LogicalResourceId>")
          .append(parts[0])
          .append("</LogicalResourceId><ResourceType>AWS::SQS::Queue</ResourceType>")
          .append("<StackResourceDriftStatus>")
          .append(parts[1])
          .append(
              "</StackResourceDriftStatus><Timestamp>2026-01-05T10:00:00.000Z</Timestamp></member>");
    }
    return ok("DescribeStackResourceDrifts", out + "</StackResourceDrifts>");
  }

  private ResponseDefinition createChangeSet(Map<String, String> p) {
    String name = p.get("StackName");
    String csName = p.get("ChangeSetName");
    Stack stack = live(name);
    boolean create = "CREATE".equals(p.get("ChangeSetType"));
    if (stack == null && !create) {
      return noStack(name);
    }
    if (stack != null && create && !stack.status.equals("REVIEW_IN_PROGRESS")) {
      return error(
          400,
          "ValidationError",
          "Stack ["
              + name
              + "] already exists and cannot be created again with the changeSet ["
              + csName
              + "].");
    }
    if (changeSets.containsKey(name + "/" + csName)) {
      return error(400, "AlreadyExistsException", "ChangeSet [" + csName + "] already exists");
    }
    if (stack == null) {
      stack = new Stack(name);
      stack.status = "REVIEW_IN_PROGRESS";
      stacks.put(name, stack);
    }
    ChangeSet cs = new ChangeSet(stack, csName);
    cs.type = create ? "CREATE" : "UPDATE";
    cs.looks = looks;
    cs.template =
        p.get("TemplateBody") != null ? p.get("TemplateBody") : "url:" + p.get("TemplateURL");
    // A parameter the change set does not name keeps the stack's value (a template default).
    cs.parameters = new TreeMap<>(stack.parameters);
    for (int i = 1; p.containsKey("Parameters.member." + i + ".ParameterKey"); i++) {
      String key = p.get("Parameters.member." + i + ".ParameterKey");
      cs.parameters.put(
          key,
          "true".equals(p.get("Parameters.member." + i + ".UsePreviousValue"))
              ? stack.parameters.get(key)
              : p.get("Parameters.member." + i + ".ParameterValue"));
    }
    cs.changes = nextChanges;
    if (failNextChangeSet != null) {
      cs.failure = failNextChangeSet;
      failNextChangeSet = null;
    } else if (!create
        && cs.template.equals(stack.template)
        && cs.parameters.equals(stack.parameters)) {
      cs.failure = NO_CHANGES;
    }
    nextChanges = List.of();
    changeSets.put(name + "/" + csName, cs);
    return ok("CreateChangeSet", "<Id>" + cs.id + "</Id><StackId>" + stack.id + "</StackId>");
  }

  private ResponseDefinition describeChangeSet(Map<String, String> p) {
    ChangeSet cs = changeSet(p);
    if (cs == null) {
      return error(
          404, "ChangeSetNotFound", "ChangeSet [" + p.get("ChangeSetName") + "] does not exist");
    }
    if (cs.status.equals("CREATE_PENDING") && cs.looks-- <= 0) {
      cs.status = cs.failure == null ? "CREATE_COMPLETE" : "FAILED";
      cs.execution = cs.failure == null ? "AVAILABLE" : "UNAVAILABLE";
    }
    StringBuilder changes = new StringBuilder("<Changes>");
    if (cs.status.equals("CREATE_COMPLETE")) {
      for (Change c : cs.changes) {
        changes
            .append("<member><Type>Resource</Type><ResourceChange><Action>")
            .append(c.action())
            .append("</Action><LogicalResourceId>")
            .append(c.logicalId())
            .append("</LogicalResourceId><ResourceType>")
            .append(c.type())
            .append("</ResourceType>")
            .append(
                c.replacement() == null ? "" : "<Replacement>" + c.replacement() + "</Replacement>")
            .append("<Scope>")
            .append(c.scope() == null ? "" : "<member>" + c.scope() + "</member>")
            .append("</Scope><Details /></ResourceChange></member>");
      }
    }
    changes.append("</Changes>");
    return ok(
        "DescribeChangeSet",
        "<ChangeSetName>"
            + cs.name
            + "</ChangeSetName><ChangeSetId>"
            + cs.id
            + "</ChangeSetId><StackId>"
            + cs.stack.id
            + "</StackId><StackName>"
            + cs.stack.name
            + "</StackName><CreationTime>2026-01-05T10:00:00.000Z</CreationTime><ExecutionStatus>"
            + cs.execution
            + "</ExecutionStatus><Status>"
            + cs.status
            + "</Status>"
            + (cs.status.equals("FAILED")
                ? "<StatusReason>" + esc(cs.failure) + "</StatusReason>"
                : "")
            + changes);
  }

  private ResponseDefinition executeChangeSet(Map<String, String> p) {
    ChangeSet cs = changeSet(p);
    if (cs == null) {
      return error(
          404, "ChangeSetNotFound", "ChangeSet [" + p.get("ChangeSetName") + "] does not exist");
    }
    if (!cs.execution.equals("AVAILABLE")) {
      return error(
          400,
          "InvalidChangeSetStatus",
          "ChangeSet ["
              + cs.id
              + "] cannot be executed in its current status of ["
              + cs.status
              + "]");
    }
    Stack stack = cs.stack;
    cs.execution = "EXECUTE_IN_PROGRESS";
    stack.running = cs;
    stack.looks = executionLooks == null ? looks : executionLooks;
    stack.token = p.get("ClientRequestToken");
    stack.status = cs.type.equals("CREATE") ? "CREATE_IN_PROGRESS" : "UPDATE_IN_PROGRESS";
    stack.failure = failNextExecution;
    failNextExecution = null;
    obsolete(stack.name, cs);
    return ok("ExecuteChangeSet", "");
  }

  private ResponseDefinition deleteStack(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    if (stack == null) {
      return ok("DeleteStack", null);
    }
    if (stack.terminationProtection) {
      return error(
          400,
          "ValidationError",
          "Stack [" + stack.name + "] cannot be deleted while TerminationProtection is enabled");
    }
    if (!stack.status.equals("DELETE_IN_PROGRESS")) {
      stack.status = "DELETE_IN_PROGRESS";
      stack.looks = looks;
      stack.running = null;
      stack.failure = failNextDeletion;
      failNextDeletion = null;
    }
    return ok("DeleteStack", null);
  }

  private ResponseDefinition describeEvents(Map<String, String> p) {
    Stack stack = live(p.get("StackName"));
    if (stack == null) {
      return noStack(p.get("StackName"));
    }
    StringBuilder out = new StringBuilder("<StackEvents>");
    for (int i = stack.events.size() - 1; i >= 0; i--) {
      String[] e = stack.events.get(i);
      out.append("<member><StackId>")
          .append(stack.id)
          .append("</StackId><EventId>")
          .append(UUID.randomUUID())
          .append("</EventId><StackName>")
          .append(stack.name)
          .append("</StackName><LogicalResourceId>")
          .append(e[0])
          .append(
              "</LogicalResourceId><ResourceType>AWS::Lambda::Function</ResourceType><Timestamp>2026-01-05T10:00:00.000Z</Timestamp><ResourceStatus>")
          .append(e[1])
          .append("</ResourceStatus>")
          .append(
              e[2] == null ? "" : "<ResourceStatusReason>" + esc(e[2]) + "</ResourceStatusReason>")
          .append(
              stack.token == null
                  ? ""
                  : "<ClientRequestToken>" + stack.token + "</ClientRequestToken>")
          .append("</member>");
    }
    return ok("DescribeStackEvents", out + "</StackEvents>");
  }

  /** Moves a stack's operation on by one look. */
  private void advance(Stack stack) {
    if (!stack.status.endsWith("_IN_PROGRESS") || stack.status.equals("REVIEW_IN_PROGRESS")) {
      return;
    }
    if (stack.looks-- > 0) {
      return;
    }
    if (stack.status.equals("DELETE_IN_PROGRESS")) {
      if (stack.failure != null) {
        stack.events.add(
            new String[] {stack.failure.split(":", 2)[0], "DELETE_FAILED", stack.failure});
        stack.status = "DELETE_FAILED";
      } else {
        stack.status = "DELETE_COMPLETE";
      }
      return;
    }
    ChangeSet cs = stack.running;
    boolean create = cs.type.equals("CREATE");
    if (stack.failure != null) {
      String resource = stack.failure.split(":", 2)[0];
      stack.events.add(
          new String[] {resource, create ? "CREATE_FAILED" : "UPDATE_FAILED", stack.failure});
      stack.status = create ? "ROLLBACK_COMPLETE" : "UPDATE_ROLLBACK_COMPLETE";
      stack.reason = "The following resource(s) failed to update: [" + resource + "].";
      cs.execution = "EXECUTE_FAILED";
    } else {
      stack.template = cs.template;
      stack.parameters = cs.parameters;
      stack.status = create ? "CREATE_COMPLETE" : "UPDATE_COMPLETE";
      stack.reason = null;
      cs.execution = "EXECUTE_COMPLETE";
    }
    stack.running = null;
  }

  private void obsolete(String stack, ChangeSet except) {
    changeSets.values().stream()
        .filter(c -> c.stack.name.equals(stack) && c != except && c.execution.equals("AVAILABLE"))
        .forEach(c -> c.execution = "OBSOLETE");
  }

  private Stack live(String nameOrId) {
    for (Stack s : stacks.values()) {
      if ((s.name.equals(nameOrId) || s.id.equals(nameOrId))
          && !s.status.equals("DELETE_COMPLETE")) {
        return s;
      }
    }
    return null;
  }

  private ChangeSet changeSet(Map<String, String> p) {
    String name = p.get("ChangeSetName");
    for (ChangeSet cs : changeSets.values()) {
      if (cs.id.equals(name)
          || (cs.name.equals(name) && cs.stack.name.equals(p.get("StackName")))) {
        return cs;
      }
    }
    return null;
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new LinkedHashMap<>();
    if (body == null || body.isEmpty()) {
      return out;
    }
    for (String pair : body.split("&")) {
      int eq = pair.indexOf('=');
      String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
      String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
      out.put(k, v);
    }
    return out;
  }

  private ResponseDefinition noStack(String name) {
    return error(400, "ValidationError", "Stack with id " + name + " does not exist");
  }

  private static ResponseDefinition ok(String action, String result) {
    return xml(
        200,
        "<"
            + action
            + "Response xmlns=\""
            + NS
            + "\">"
            + (result == null ? "" : "<" + action + "Result>" + result + "</" + action + "Result>")
            + "<ResponseMetadata><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ResponseMetadata></"
            + action
            + "Response>");
  }

  private static ResponseDefinition error(int status, String code, String message) {
    return xml(
        status,
        "<ErrorResponse xmlns=\""
            + NS
            + "\"><Error><Type>Sender</Type><Code>"
            + code
            + "</Code><Message>"
            + esc(message)
            + "</Message></Error><RequestId>"
            + UUID.randomUUID()
            + "</RequestId></ErrorResponse>");
  }

  private static ResponseDefinition xml(int status, String body) {
    return new com.github.tomakehurst.wiremock.client.ResponseDefinitionBuilder()
        .withStatus(status)
        .withHeader("Content-Type", "text/xml")
        .withHeader("x-amzn-RequestId", UUID.randomUUID().toString())
        .withBody("<?xml version=\"1.0\"?>\n" + body)
        .build();
  }

  private static String esc(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  private static final class Stack {
    final String name;
    final String id;
    String status;
    String reason;
    String template = "";
    Map<String, String> parameters = new TreeMap<>();
    Set<String> noEcho = Set.of();
    boolean terminationProtection;
    ChangeSet running;
    String failure;
    String token;
    int looks;
    final List<String[]> events = new ArrayList<>();

    Stack(String name) {
      this.name = name;
      this.id =
          "arn:aws:cloudformation:eu-west-1:"
              + ACCOUNT
              + ":stack/"
              + name
              + "/"
              + UUID.randomUUID();
    }
  }

  private static final class ChangeSet {
    final Stack stack;
    final String name;
    final String id;
    String type;
    String status = "CREATE_PENDING";
    String execution = "UNAVAILABLE";
    String failure;
    String template;
    Map<String, String> parameters;
    List<Change> changes = List.of();
    int looks;

    ChangeSet(Stack stack, String name) {
      this.stack = stack;
      this.name = name;
      this.id =
          "arn:aws:cloudformation:eu-west-1:"
              + ACCOUNT
              + ":changeSet/"
              + name
              + "/"
              + UUID.randomUUID();
    }
  }

  private static final class Drift {
    final String id;
    final Stack stack;
    final List<String> drifted;
    int looks = 1;

    Drift(String id, Stack stack, List<String> drifted) {
      this.id = id;
      this.stack = stack;
      this.drifted = drifted;
    }
  }
}
