package io.countersign.release;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URI;
import java.sql.SQLException;
import java.sql.SQLNonTransientConnectionException;
import java.sql.SQLTransientConnectionException;
import org.springframework.boot.web.servlet.error.ErrorController;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.jdbc.CannotGetJdbcConnectionException;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The error page the servlet container forwards to (Spring Security's 401 and 403, an exception
 * nothing else answered), as problem+json with the real status. It replaces Spring Boot's
 * controller, which answered a direct request to {@code /error} with 500 (its "status 999"): with
 * no error forwarded, {@code /error} is just a resource that does not exist.
 */
@RestController
class ErrorEndpoint implements ErrorController {

  @RequestMapping("${server.error.path:${error.path:/error}}")
  ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
    // Only the container sets these attributes; a client cannot send them.
    if (!(request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE) instanceof Integer code)) {
      return problem(HttpStatus.NOT_FOUND, "No resource at " + request.getRequestURI(), null);
    }
    if (code >= 500
        && databaseUnreachable(request.getAttribute(RequestDispatcher.ERROR_EXCEPTION))) {
      ProblemDetail body = DatabaseDownFilter.problem(null);
      body.setInstance(instance(request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI)));
      return ResponseEntity.status(HttpStatus.SERVICE_UNAVAILABLE)
          .header(HttpHeaders.RETRY_AFTER, "5")
          .contentType(MediaType.APPLICATION_PROBLEM_JSON)
          .body(body);
    }
    HttpStatus status = HttpStatus.resolve(code);
    if (status == null || !status.isError()) {
      status = HttpStatus.INTERNAL_SERVER_ERROR;
    }
    // A client error repeats what the container was told; a server error tells nothing of the
    // internals.
    String detail =
        status.is4xxClientError()
                && request.getAttribute(RequestDispatcher.ERROR_MESSAGE) instanceof String m
                && !m.isBlank()
            ? m
            : null;
    return problem(status, detail, request.getAttribute(RequestDispatcher.ERROR_REQUEST_URI));
  }

  private static ResponseEntity<ProblemDetail> problem(
      HttpStatus status, String detail, Object uri) {
    ProblemDetail body = ProblemDetail.forStatusAndDetail(status, detail);
    body.setTitle(status.getReasonPhrase());
    body.setInstance(instance(uri));
    return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(body);
  }

  private static URI instance(Object uri) {
    if (uri instanceof String path) {
      try {
        return URI.create(path);
      } catch (IllegalArgumentException notAUri) {
        // The path the client sent is not a valid URI reference; the problem is complete without
        // it.
      }
    }
    return null;
  }

  /**
   * Whether a request failed because no database connection could be had (the pool's wait ran out,
   * the server refused or dropped the connection): SQL state class 08, before the heartbeat
   * noticed.
   */
  static boolean databaseUnreachable(Object error) {
    for (Throwable t = error instanceof Throwable e ? e : null; t != null; t = t.getCause()) {
      if (t instanceof SQLTransientConnectionException
          || t instanceof SQLNonTransientConnectionException
          || t instanceof CannotGetJdbcConnectionException
          || (t instanceof SQLException sql
              && sql.getSQLState() != null
              && sql.getSQLState().startsWith("08"))) {
        return true;
      }
    }
    return false;
  }
}
