package io.countersign.release;

import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.util.Collections;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.HttpHeaders;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.web.servlet.HandlerInterceptor;
import org.springframework.web.servlet.config.annotation.InterceptorRegistry;
import org.springframework.web.servlet.config.annotation.WebMvcConfigurer;

/**
 * Refuses a {@code Content-Type} that is not one concrete media type (syntax errors such as {@code
 * a/b/c}, an unknown or empty charset, wildcards) on every {@code /api} request, with 415, before a
 * controller or Spring's body reading sees it. Left to them, some of these ended in 500 (a parse
 * error in the manifest endpoint, a wildcard in Spring's own request headers). Which types an
 * endpoint reads is still the endpoint's business.
 */
@Configuration
class ContentTypeCheck implements WebMvcConfigurer, HandlerInterceptor {

  @Override
  public void addInterceptors(InterceptorRegistry registry) {
    registry.addInterceptor(this).addPathPatterns("/api/**");
  }

  @Override
  public boolean preHandle(
      HttpServletRequest request, HttpServletResponse response, Object handler) {
    for (String header : Collections.list(request.getHeaders(HttpHeaders.CONTENT_TYPE))) {
      parse(header);
    }
    return true;
  }

  /**
   * The media type of a Content-Type header.
   *
   * @throws InvalidContentTypeException when it is not a concrete media type with a known charset
   */
  static MediaType parse(String header) {
    MediaType type;
    try {
      type =
          MediaType.parseMediaType(
              header); // also resolves the charset parameter: unknown names fail here
    } catch (InvalidMediaTypeException e) {
      throw new InvalidContentTypeException(
          "the Content-Type header is not a valid media type: " + e.getMessage());
    }
    if (type.isWildcardType() || type.isWildcardSubtype()) {
      throw new InvalidContentTypeException(
          "the Content-Type header must name one media type, not '" + header + "'");
    }
    return type;
  }

  /**
   * A Content-Type header that names no media type Countersign could read; answered as HTTP 415.
   */
  static final class InvalidContentTypeException extends RuntimeException {
    InvalidContentTypeException(String message) {
      super(message);
    }
  }
}
