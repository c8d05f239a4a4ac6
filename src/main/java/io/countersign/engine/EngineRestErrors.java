package io.countersign.engine;

import jakarta.annotation.Priority;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.ext.ExceptionMapper;
import java.util.LinkedHashMap;
import java.util.Map;
import org.camunda.bpm.engine.AuthorizationException;
import org.camunda.bpm.engine.ProcessEngineException;
import org.camunda.bpm.engine.impl.form.validator.FormFieldValidationException;
import org.camunda.bpm.engine.rest.exception.ExceptionHandlerHelper;
import org.camunda.bpm.engine.rest.exception.RestException;
import org.springframework.boot.autoconfigure.jersey.ResourceConfigCustomizer;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The engine wraps whatever a task listener throws, so the engine REST API would answer a
 * four-eyes refusal or a missing comment with 500. These mappers find the cause and answer 403
 * or 400 with its message, in the engine REST API's own error format; anything else is answered
 * as the engine REST API always does.
 */
@Configuration
class EngineRestErrors {

  @Bean
  ResourceConfigCustomizer engineRestErrorMappers() {
    return config -> config.register(RestErrors.class).register(EngineErrors.class);
  }

  static Response mapped(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (t instanceof AuthorizationException && t.getClass() != AuthorizationException.class) {
        return body(Response.Status.FORBIDDEN, "AuthorizationException", t.getMessage());
      }
      if (t instanceof FormFieldValidationException) {
        return body(Response.Status.BAD_REQUEST, "FormFieldValidationException", t.getMessage());
      }
    }
    return null;
  }

  private static Response body(Response.Status status, String type, String message) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("type", type);
    body.put("message", message);
    body.put("code", 0);
    return Response.status(status).type(MediaType.APPLICATION_JSON_TYPE).entity(body).build();
  }

  @Priority(1)
  public static class RestErrors implements ExceptionMapper<RestException> {
    @Override
    public Response toResponse(RestException e) {
      Response response = mapped(e);
      return response != null ? response : ExceptionHandlerHelper.getInstance().getResponse(e);
    }
  }

  @Priority(1)
  public static class EngineErrors implements ExceptionMapper<ProcessEngineException> {
    @Override
    public Response toResponse(ProcessEngineException e) {
      Response response = mapped(e);
      return response != null ? response : ExceptionHandlerHelper.getInstance().getResponse(e);
    }
  }
}
