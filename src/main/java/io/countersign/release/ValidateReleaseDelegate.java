package io.countersign.release;

import io.countersign.engine.Variables;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Validates the manifest again inside the process: a release started another way than through
 * the API (engine REST, a migrated instance) gets the same checks and is refused the same way.
 */
@Component("validateRelease")
class ValidateReleaseDelegate implements JavaDelegate {
  private final ManifestReader reader;

  ValidateReleaseDelegate(ManifestReader reader) {
    this.reader = reader;
  }

  @Override
  public void execute(DelegateExecution execution) {
    Object manifest = execution.getVariable(Variables.MANIFEST);
    if (manifest == null) {
      throw new BpmnError("invalidManifest", "The release has no manifest");
    }
    try {
      reader.read(manifest.toString().getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON);
    } catch (InvalidManifestException e) {
      String detail = e.errors().stream().map(f -> f.path() + ": " + f.message()).collect(Collectors.joining("; "));
      throw new BpmnError("invalidManifest", "Invalid manifest: " + detail);
    }
  }
}
