package io.countersign.verification;

import static com.github.tomakehurst.wiremock.client.WireMock.aResponse;
import static com.github.tomakehurst.wiremock.client.WireMock.equalTo;
import static com.github.tomakehurst.wiremock.client.WireMock.get;
import static com.github.tomakehurst.wiremock.client.WireMock.urlPathEqualTo;

import com.github.tomakehurst.wiremock.WireMockServer;

/**
 * WireMock answering as Prometheus' instant query API does ({@code GET /api/v1/query}), with the
 * JSON shapes of Prometheus 2.x/3.x: success with an instant vector or a scalar, and its error
 * envelope.
 */
final class PrometheusStubs {
  static final String ERROR_RATE =
      "sum(rate(http_requests_total{app=\"medication-backend\",status=~\"5..\"}[1m]))"
          + " / sum(rate(http_requests_total{app=\"medication-backend\"}[1m]))";
  static final String P95 =
      "histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket"
          + "{app=\"medication-backend\"}[1m])) by (le))";

  private PrometheusStubs() {}

  /** One aggregated series (no labels), as sum(...) or histogram_quantile(...) return. */
  static String vector(String value) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + "{\"metric\":{},\"value\":[1736503200.781,\""
        + value
        + "\"]}]}}";
  }

  static String vectorBy(String label, String... namesAndValues) {
    StringBuilder series = new StringBuilder();
    for (int i = 0; i < namesAndValues.length; i += 2) {
      series
          .append(i == 0 ? "" : ",")
          .append("{\"metric\":{\"")
          .append(label)
          .append("\":\"")
          .append(namesAndValues[i])
          .append("\"},\"value\":[1736503200.781,\"")
          .append(namesAndValues[i + 1])
          .append("\"]}");
    }
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        + series
        + "]}}";
  }

  static String empty() {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
  }

  static String scalar(String value) {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1736503200.781,\""
        + value
        + "\"]}}";
  }

  static String matrix() {
    return "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
        + "\"values\":[[1736503140,\"0.1\"],[1736503200,\"0.2\"]]}]}}";
  }

  static String badData() {
    return "{\"status\":\"error\",\"errorType\":\"bad_data\","
        + "\"error\":\"invalid parameter \\\"query\\\": 1:6: parse error: unexpected end of input\"}";
  }

  /** Answers {@code query} with {@code status} and {@code body}. */
  static void answer(WireMockServer server, String query, int status, String body) {
    server.stubFor(
        get(urlPathEqualTo("/api/v1/query"))
            .withQueryParam("query", equalTo(query))
            .willReturn(
                aResponse()
                    .withStatus(status)
                    .withHeader("Content-Type", "application/json")
                    .withBody(body)));
  }

  static void answer(WireMockServer server, String query, String body) {
    answer(server, query, 200, body);
  }
}
