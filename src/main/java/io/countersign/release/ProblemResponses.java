package io.countersign.release;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParseException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.InvalidNullException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.exc.ValueInstantiationException;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.JsonPaths;
import io.countersign.manifest.PayloadTooLargeException;
import io.countersign.manifest.UnsupportedManifestTypeException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.http.converter.HttpMessageNotReadableException;
import org.springframework.validation.ObjectError;
import org.springframework.web.HttpMediaTypeNotSupportedException;
import org.springframework.web.bind.MethodArgumentNotValidException;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Every error of the REST API as {@code application/problem+json} (RFC 9457). Invalid bodies list
 * each invalid field with its JSON path in an {@code errors} property, so a pipeline can fix them
 * all in one go. Spring MVC's own exceptions get problem details from the base class.
 */
@RestControllerAdvice
class ProblemResponses extends ResponseEntityExceptionHandler {
  static final String TYPES = "https://countersign.io/problems/";
  static final URI INVALID_MANIFEST = URI.create(TYPES + "invalid-manifest");
  static final URI INVALID_REQUEST = URI.create(TYPES + "invalid-request");
  static final URI UNSUPPORTED_MEDIA_TYPE = URI.create(TYPES + "unsupported-media-type");
  static final URI PAYLOAD_TOO_LARGE = URI.create(TYPES + "payload-too-large");

  private static final ObjectMapper ENUM_NAMES = new ObjectMapper();

  @ExceptionHandler(InvalidManifestException.class)
  ResponseEntity<Object> invalid(InvalidManifestException e, WebRequest request) {
    return handleExceptionInternal(
        e,
        invalidBody(e.isManifest(), e.errors()),
        new HttpHeaders(),
        HttpStatus.BAD_REQUEST,
        request);
  }

  @ExceptionHandler(UnsupportedManifestTypeException.class)
  ResponseEntity<Object> unsupported(UnsupportedManifestTypeException e, WebRequest request) {
    ProblemDetail body =
        ProblemDetail.forStatusAndDetail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    body.setType(UNSUPPORTED_MEDIA_TYPE);
    body.setTitle("Unsupported media type");
    body.setProperty("supported", e.supported().stream().map(MediaType::toString).toList());
    HttpHeaders headers = new HttpHeaders();
    headers.setAccept(e.supported());
    return handleExceptionInternal(e, body, headers, HttpStatus.UNSUPPORTED_MEDIA_TYPE, request);
  }

  @ExceptionHandler(ContentTypeCheck.InvalidContentTypeException.class)
  ResponseEntity<Object> invalidContentType(
      ContentTypeCheck.InvalidContentTypeException e, WebRequest request) {
    ProblemDetail body =
        ProblemDetail.forStatusAndDetail(HttpStatus.UNSUPPORTED_MEDIA_TYPE, e.getMessage());
    body.setType(UNSUPPORTED_MEDIA_TYPE);
    body.setTitle("Unsupported media type");
    return handleExceptionInternal(
        e, body, new HttpHeaders(), HttpStatus.UNSUPPORTED_MEDIA_TYPE, request);
  }

  @ExceptionHandler(PayloadTooLargeException.class)
  ResponseEntity<Object> tooLarge(PayloadTooLargeException e, WebRequest request) {
    ProblemDetail body =
        ProblemDetail.forStatusAndDetail(HttpStatus.PAYLOAD_TOO_LARGE, e.getMessage());
    body.setType(PAYLOAD_TOO_LARGE);
    body.setTitle("Request body too large");
    body.setProperty("limitBytes", e.limitBytes());
    return handleExceptionInternal(
        e, body, new HttpHeaders(), HttpStatus.PAYLOAD_TOO_LARGE, request);
  }

  @Override
  protected ResponseEntity<Object> handleMethodArgumentNotValid(
      MethodArgumentNotValidException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    List<FieldErrors.FieldError> errors = new ArrayList<>();
    for (org.springframework.validation.FieldError error : e.getBindingResult().getFieldErrors()) {
      errors.add(
          new FieldErrors.FieldError(JsonPaths.ofBindingField(error.getField()), message(error)));
    }
    for (ObjectError error : e.getBindingResult().getGlobalErrors()) {
      errors.add(new FieldErrors.FieldError(JsonPaths.ROOT, message(error)));
    }
    errors.sort((a, b) -> JsonPaths.ORDER.compare(a.path(), b.path()));
    return handleExceptionInternal(e, invalidBody(false, errors), headers, status, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMessageNotReadable(
      HttpMessageNotReadableException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    return handleExceptionInternal(
        e, invalidBody(false, List.of(unreadable(e))), headers, status, request);
  }

  @Override
  protected ResponseEntity<Object> handleHttpMediaTypeNotSupported(
      HttpMediaTypeNotSupportedException e,
      HttpHeaders headers,
      HttpStatusCode status,
      WebRequest request) {
    e.getBody()
        .setType(
            UNSUPPORTED_MEDIA_TYPE); // the same problem type as a manifest in an unknown format
    return super.handleHttpMediaTypeNotSupported(e, headers, status, request);
  }

  static ProblemDetail invalidBody(boolean manifest, List<FieldErrors.FieldError> errors) {
    ProblemDetail body =
        ProblemDetail.forStatusAndDetail(
            HttpStatus.BAD_REQUEST, InvalidManifestException.detail(errors));
    body.setType(manifest ? INVALID_MANIFEST : INVALID_REQUEST);
    body.setTitle(manifest ? "Invalid release manifest" : "Invalid request");
    body.setProperty("errors", errors);
    return body;
  }

  /** The one field (or the body as a whole) that made a small JSON request body unreadable. */
  static FieldErrors.FieldError unreadable(HttpMessageNotReadableException e) {
    String duplicate = duplicateKey(e);
    if (duplicate != null) {
      // Strict duplicate detection (spring.jackson.parser): "last one wins" would hide what the
      // caller meant.
      return new FieldErrors.FieldError(duplicate, "duplicate key");
    }
    JsonProcessingException cause = jsonCause(e);
    if (cause instanceof UnrecognizedPropertyException unknown) {
      String known =
          unknown.getKnownPropertyIds() == null
              ? ""
              : "; expected one of "
                  + unknown.getKnownPropertyIds().stream()
                      .map(String::valueOf)
                      .sorted()
                      .collect(Collectors.joining(", "));
      return new FieldErrors.FieldError(JsonPaths.of(unknown.getPath()), "unknown field" + known);
    }
    if (cause instanceof InvalidNullException invalidNull) {
      return new FieldErrors.FieldError(JsonPaths.of(invalidNull.getPath()), "must not be null");
    }
    if (cause instanceof MismatchedInputException mismatch) {
      return new FieldErrors.FieldError(
          JsonPaths.of(mismatch.getPath()), typeMessage(mismatch.getTargetType()));
    }
    if (cause instanceof ValueInstantiationException instantiation) {
      Throwable reason = instantiation.getCause();
      return new FieldErrors.FieldError(
          JsonPaths.of(instantiation.getPath()),
          reason != null && reason.getMessage() != null
              ? "is invalid: " + reason.getMessage()
              : "is invalid");
    }
    if (cause instanceof JsonMappingException mapping) {
      return new FieldErrors.FieldError(JsonPaths.of(mapping.getPath()), "is invalid");
    }
    if (cause != null) {
      JsonLocation location = cause.getLocation();
      String where =
          location == null
              ? ""
              : " at line " + location.getLineNr() + ", column " + location.getColumnNr();
      String message = cause.getOriginalMessage();
      int newline = message.indexOf('\n');
      return new FieldErrors.FieldError(
          JsonPaths.ROOT,
          "invalid JSON" + where + ": " + (newline < 0 ? message : message.substring(0, newline)));
    }
    String message = e.getMessage();
    if (message != null && message.startsWith("Required request body is missing")) {
      return new FieldErrors.FieldError(JsonPaths.ROOT, "a request body is required");
    }
    return new FieldErrors.FieldError(JsonPaths.ROOT, "the request body could not be read");
  }

  /** The path of a repeated key, at whatever depth data binding wrapped the parser's refusal. */
  private static String duplicateKey(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof JsonParseException parse && JsonPaths.ofDuplicateKey(parse) != null) {
        return JsonPaths.ofDuplicateKey(parse);
      }
    }
    return null;
  }

  private static JsonProcessingException jsonCause(Throwable e) {
    for (Throwable t = e; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof JsonProcessingException json) {
        return json;
      }
    }
    return null;
  }

  private static String typeMessage(Class<?> type) {
    if (type == null) {
      return "has the wrong type";
    }
    if (type == String.class || type == char.class || type == Character.class) {
      return "must be a string";
    }
    if (type == Integer.class
        || type == int.class
        || type == Long.class
        || type == long.class
        || type == Short.class
        || type == short.class) {
      return "must be a whole number";
    }
    if (Number.class.isAssignableFrom(type) || type == double.class || type == float.class) {
      return "must be a number";
    }
    if (type == Boolean.class || type == boolean.class) {
      return "must be true or false";
    }
    if (type.isEnum()) {
      return "must be one of "
          + Arrays.stream(type.getEnumConstants())
              .map(c -> ENUM_NAMES.valueToTree(c).asText())
              .collect(Collectors.joining(", "));
    }
    if (type.isArray() || Collection.class.isAssignableFrom(type)) {
      return "must be an array";
    }
    return "must be an object";
  }

  private static String message(ObjectError error) {
    return error.getDefaultMessage() == null ? "is invalid" : error.getDefaultMessage();
  }
}
