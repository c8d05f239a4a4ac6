package io.countersign.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The progress line and summary wait and status print, from the API's JSON shape. */
class CliProgressTest {

  private static JsonNode release(String json) throws Exception {
    return ApiClient.JSON.readTree(json.replace('\'', '"'));
  }

  @Test
  void theLineNamesTheStatusTheActiveStepAndWhoMaySign() throws Exception {
    JsonNode deploying =
        release(
            "{'id':'rel-1','status':'deploying','statusReason':null,'pendingSignOffs':[],"
                + "'steps':[{'id':'migrateDatabase','name':'Migrate database','state':'completed'},"
                + "{'id':'deployLambda','name':'Deploy Lambda functions','state':'active'},"
                + "{'id':'publishFrontend','name':null,'state':'not-run'}]}");
    assertThat(Cli.progress(deploying))
        .isEqualTo("rel-1 deploying | step: Deploy Lambda functions");

    JsonNode signing =
        release(
            "{'id':'rel-2','status':'awaiting-sign-off','pendingSignOffs':['qa-leads','tech-leads'],"
                + "'steps':[]}");
    assertThat(Cli.progress(signing))
        .isEqualTo("rel-2 awaiting-sign-off | waiting for sign-off by: qa-leads, tech-leads");

    JsonNode held =
        release(
            "{'id':'rel-3','status':'requested','statusReason':'missing evidence:\\n security-scan',"
                + "'steps':[]}");
    assertThat(Cli.progress(held)).isEqualTo("rel-3 requested | missing evidence: security-scan");
  }

  @Test
  void elapsedTimeIsMinutesAndSecondsThenHours() {
    assertThat(Cli.elapsed(Duration.ofSeconds(5))).isEqualTo("0m05s");
    assertThat(Cli.elapsed(Duration.ofSeconds(754))).isEqualTo("12m34s");
    assertThat(Cli.elapsed(Duration.ofSeconds(3 * 3600 + 62))).isEqualTo("3h01m02s");
  }

  @Test
  void aProblemBecomesOneLineWithEveryFieldPath() {
    String line =
        ApiClient.problem(
            400,
            "/api/releases",
            "{\"title\":\"Invalid release manifest\",\"detail\":\"2 fields are invalid\","
                + "\"errors\":[{\"path\":\"$.environment\",\"message\":\"unknown\"},"
                + "{\"path\":\"$.version\",\"message\":\"must not be\\nblank\"}]}");
    assertThat(line)
        .isEqualTo(
            "HTTP 400 Invalid release manifest: 2 fields are invalid "
                + "[$.environment unknown; $.version must not be blank] (/api/releases)");
    assertThat(ApiClient.problem(502, "/api/releases/x", "<html>Bad gateway</html>"))
        .isEqualTo("HTTP 502 (/api/releases/x)");
  }
}
