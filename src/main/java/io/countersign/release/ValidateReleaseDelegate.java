package io.countersign.release;

import io.countersign.manifest.InvalidManifestException;
import io.countersign.manifest.ManifestReader;
import io.countersign.process.ManifestStore;
import java.nio.charset.StandardCharsets;
import java.util.stream.Collectors;
import org.camunda.bpm.engine.delegate.BpmnError;
import org.camunda.bpm.engine.delegate.DelegateExecution;
import org.camunda.bpm.engine.delegate.JavaDelegate;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;

/**
 * Validates the stored manifest again inside the process, against the configuration as it is when
 * the release starts (targets and allow-lists may have changed since a resubmission was accepted).
 */
@Component("validateRelease")
class ValidateReleaseDelegate implements JavaDelegate {
  private final ManifestReader reader;
  private final ManifestStore manifests;

  ValidateReleaseDelegate(ManifestReader reader, ManifestStore manifests) {
    this.reader = reader;
    this.manifests = manifests;
  }

  @Override
  public void execute(DelegateExecution execution) {
    String json = manifests.canonicalText(execution.getProcessBusinessKey());
    try {
      reader.read(json.getBytes(StandardCharsets.UTF_8), MediaType.APPLICATION_JSON);
    } catch (InvalidManifestException e) {
      String detail =
          e.errors().stream()
              .map(f -> f.path() + ": " + f.message())
              .collect(Collectors.joining("; "));
      throw new BpmnError("invalidManifest", "Invalid manifest: " + detail);
    }
  }
}
