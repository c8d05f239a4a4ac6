package io.countersign.identity;

import static org.assertj.core.api.Assumptions.assumeThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * HTTP/1.0 written by hand on a socket bound to a chosen loopback address (127.0.0.2, 127.0.0.3,
 * ...), so one test can be several clients at once without trusting any forwarded-for header. Linux
 * routes all of 127/8 to the loopback interface; elsewhere the tests using this are skipped.
 */
final class LoopbackHttp {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final int port;

  LoopbackHttp(int port) {
    this.port = port;
  }

  record Reply(int status, Map<String, List<String>> headers, String body) {
    String header(String name) {
      List<String> values = headers.get(name.toLowerCase(Locale.ROOT));
      return values == null ? null : values.get(0);
    }

    List<String> cookies() {
      return headers.getOrDefault("set-cookie", List.of());
    }

    JsonNode json() {
      try {
        return JSON.readTree(body);
      } catch (IOException e) {
        throw new UncheckedIOException("not JSON (status " + status + "): " + body, e);
      }
    }

    @Override
    public String toString() {
      return status + " " + body;
    }
  }

  /** Skips the calling test where the second loopback address cannot be bound (not Linux). */
  static void assumeLoopbackAddresses() {
    boolean bound;
    try (Socket socket = new Socket()) {
      socket.bind(new InetSocketAddress("127.0.0.2", 0));
      bound = true;
    } catch (IOException e) {
      bound = false;
    }
    assumeThat(bound).as("127.0.0.2 can be bound (Linux loopback)").isTrue();
  }

  static String basic(String user, String password) {
    return "Basic "
        + Base64.getEncoder()
            .encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
  }

  Reply get(String from, String path, Map<String, String> headers) {
    return send(from, "GET", path, headers, null);
  }

  Reply send(String from, String method, String path, Map<String, String> headers, byte[] body) {
    try (Socket socket = new Socket()) {
      socket.setSoTimeout(30_000);
      socket.bind(new InetSocketAddress(from, 0));
      socket.connect(new InetSocketAddress("127.0.0.1", port), 5_000);
      StringBuilder request =
          new StringBuilder(method)
              .append(' ')
              .append(path)
              .append(" HTTP/1.0\r\n")
              .append("Host: 127.0.0.1:")
              .append(port)
              .append("\r\n")
              .append("Accept: application/json, application/problem+json\r\n");
      headers.forEach(
          (name, value) -> request.append(name).append(": ").append(value).append("\r\n"));
      if (body != null) {
        request.append("Content-Length: ").append(body.length).append("\r\n");
      }
      request.append("\r\n");
      OutputStream out = socket.getOutputStream();
      out.write(request.toString().getBytes(StandardCharsets.ISO_8859_1));
      if (body != null) {
        out.write(body);
      }
      out.flush();
      return parse(
          socket.getInputStream()); // HTTP/1.0: the server closes the connection after the response
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Reply parse(InputStream in) throws IOException {
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    in.transferTo(all);
    String text = all.toString(StandardCharsets.ISO_8859_1);
    int end = text.indexOf("\r\n\r\n");
    String[] lines = text.substring(0, end).split("\r\n");
    int status = Integer.parseInt(lines[0].split(" ")[1]);
    Map<String, List<String>> headers = new LinkedHashMap<>();
    for (int i = 1; i < lines.length; i++) {
      int colon = lines[i].indexOf(':');
      headers
          .computeIfAbsent(
              lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT), k -> new ArrayList<>())
          .add(lines[i].substring(colon + 1).trim());
    }
    byte[] bytes = all.toByteArray();
    String body = new String(bytes, end + 4, bytes.length - end - 4, StandardCharsets.UTF_8);
    return new Reply(status, headers, body);
  }
}
