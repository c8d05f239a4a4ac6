package io.countersign.engine;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.camunda.spin.DataFormats;
import org.camunda.spin.impl.json.jackson.format.JacksonJsonDataFormat;
import org.junit.jupiter.api.Test;

/** Spin, as the engine finds it (service loader), names collections by a class that exists. */
class PlainCollectionTypesTest {
  private final JacksonJsonDataFormat json = (JacksonJsonDataFormat) DataFormats.json();

  @Test
  void listsAndMapsAreStoredUnderAPlainCollectionClass() {
    assertThat(json.getCanonicalTypeName(new ArrayList<>(List.of("a"))))
        .isEqualTo("java.util.ArrayList");
    assertThat(json.getCanonicalTypeName(List.of("a", "b"))).isEqualTo("java.util.ArrayList");
    assertThat(json.getCanonicalTypeName(Map.of("k", 1))).isEqualTo("java.util.LinkedHashMap");
    // Anything else keeps Spin's own name.
    assertThat(json.getCanonicalTypeName("text")).isEqualTo("java.lang.String");
  }

  @Test
  void aValueReadsBackAsTheSameListsMapsStringsAndNumbers() {
    Map<String, Object> progress = new LinkedHashMap<>();
    progress.put("phase", "deployed");
    progress.put("weight", 10);
    List<Object> value = List.of("api_handler", progress, List.of(1.5, true));
    Object internal = json.getMapper().mapJavaToInternal(value);

    Object back = json.getMapper().mapInternalToJava(internal, json.getCanonicalTypeName(value));

    assertThat(back).isInstanceOf(ArrayList.class).isEqualTo(value);
    // Values stored before, under Spin's generic names, still read.
    assertThat(
            (Object)
                json.getMapper()
                    .mapInternalToJava(internal, "java.util.ArrayList<java.lang.Object>"))
        .isEqualTo(value);
  }
}
