package io.countersign.engine;

import java.util.List;
import java.util.Map;
import org.camunda.spin.impl.json.jackson.format.JacksonJsonDataFormat;
import org.camunda.spin.spi.DataFormatConfigurator;
import org.camunda.spin.spi.TypeDetector;

/**
 * Lists and maps in process variables are stored as JSON under a plain collection type
 * ("java.util.ArrayList", "java.util.LinkedHashMap") instead of Spin's generic names such as
 * "java.util.ArrayList&lt;java.lang.String&gt;". Spin reads a value back by first asking the class
 * loader for its type name: a generic name is never a class, so every read of such a variable cost
 * a failed class look-up through every jar of the packaged application (about half of the
 * class-loader samples in a release's CPU profile; README "Performance"). A plain name is found at
 * once, and the value reads back as the same lists, maps, strings and numbers. Variables stored
 * before keep their names and still read.
 */
public class PlainCollectionTypes implements DataFormatConfigurator<JacksonJsonDataFormat> {
  @Override
  public Class<JacksonJsonDataFormat> getDataFormatClass() {
    return JacksonJsonDataFormat.class;
  }

  @Override
  public void configure(JacksonJsonDataFormat format) {
    // Added first, so it is asked before Spin's own detectors.
    format.addTypeDetector(
        new TypeDetector() {
          @Override
          public boolean canHandle(Object value) {
            return value instanceof List || value instanceof Map;
          }

          @Override
          public String detectType(Object value) {
            return value instanceof List ? "java.util.ArrayList" : "java.util.LinkedHashMap";
          }
        });
  }
}
