package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.countersign.ProcessTestSupport;
import org.junit.jupiter.api.Test;

/**
 * A dry run walks the same path as a live release: each function's before-traffic check, its
 * traffic steps, the final gate and its after-traffic check, recording what it would invoke and
 * passing, with no hold (there is no traffic to hold).
 */
class LambdaTrafficCheckDryRunProcessTest extends ProcessTestSupport {

  @Test
  void aDryRunRecordsEachCheckAsWouldInvokeAndIsReleased() {
    ObjectNode manifest = example("staging");
    ArrayNode functions = (ArrayNode) manifest.at("/lambda/functions");
    ObjectNode first = (ObjectNode) functions.get(0);
    first.put("traffic", "canary10-5");
    first.putObject("beforeTraffic").putObject("event").put("path", "/health");
    first
        .putObject("afterTraffic")
        .put("jsonField", "$.statusCode")
        .put("jsonValue", "200")
        .put("timeout", "PT5S")
        .putObject("event")
        .put("path", "/health");
    String id = submit(manifest);

    approveAll(id);

    assertThat(status(id)).isEqualTo("released");
    assertThat(payloads(id, TrafficChecks.EVIDENCE))
        .filteredOn(p -> p.path("function").asText().equals("data_ingestion"))
        .extracting(p -> p.path("phase").asText() + ": " + p.path("detail").asText())
        .containsExactly(
            "before: dry-run: would invoke data_ingestion:dry-run (RequestResponse, timeout PT30S)"
                + " and require HTTP 200 without a function error",
            "after: dry-run: would invoke data_ingestion:dry-run (RequestResponse, timeout PT5S)"
                + " and require HTTP 200 without a function error and $.statusCode = '200'");
    // The other functions have no checks: recorded as such, and gated at 100 % like the canary.
    assertThat(payloads(id, TrafficChecks.EVIDENCE)).hasSize(6);
    assertThat(payloads(id, "lambda-traffic-gate"))
        .extracting(p -> p.path("function").asText() + "@" + p.path("percent").asInt())
        .containsExactly("data_ingestion@100", "alert_generator@100", "api_handler@100");
    assertThat(payloads(id, "lambda-traffic-gate"))
        .as("no traffic moved: the gates are not asked about a version that was not deployed")
        .allSatisfy(p -> assertThat(p.path("gates").asText()).startsWith("dry-run: would ask "));
    assertThat(evidenceTypes(id))
        .containsSubsequence(
            "lambda-version-published",
            TrafficChecks.EVIDENCE,
            "lambda-traffic-shifted",
            "lambda-traffic-shifted",
            "lambda-traffic-gate",
            TrafficChecks.EVIDENCE,
            "lambda-deployed",
            "release-released");
    fireTimer(id, "rollbackWindowOver");
  }
}
