package io.countersign.database;

import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The database part of {@code countersign.targets}; the other kinds there are bound by their
 * capabilities.
 */
@ConfigurationProperties("countersign.targets")
record DatabaseTargetsProperties(Map<String, DatabaseTargetProperties> databases) {

  DatabaseTargetsProperties {
    databases = databases == null ? Map.of() : Map.copyOf(databases);
  }
}
