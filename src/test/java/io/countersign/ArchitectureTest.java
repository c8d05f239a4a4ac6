package io.countersign;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import io.countersign.process.TargetCapability;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The package rules, checked on the compiled main classes. The manifest is a leaf; step support
 * (process) depends on nothing but the manifest and the evidence; target capabilities never import
 * the API, the sign-off or each other except through another capability's port; evidence imports no
 * capability; no cycles; every package says what it is and what it may import in its
 * package-info.java.
 */
class ArchitectureTest {
  private static final JavaClasses CLASSES =
      new ClassFileImporter()
          // Main classes only, wherever the build directory is (-Dbuild.dir): ArchUnit's own option
          // expects target/.
          .withImportOption(location -> !location.contains("/test-classes/"))
          .importPackages("io.countersign");

  /**
   * The packages of the target capabilities: a new target type is held to the rules as soon as it
   * registers.
   */
  private static final List<String> TARGETS =
      CLASSES.stream()
          .filter(c -> c.isAssignableTo(TargetCapability.class) && !c.isInterface())
          .map(c -> c.getPackageName().substring("io.countersign.".length()))
          .distinct()
          .sorted()
          .toList();

  @Test
  void theTargetsAreTheCapabilitiesThatRegister() {
    assertThat(TARGETS).contains("database", "lambda", "frontend", "kubernetes", "verification");
  }

  @Test
  void theCommandLineClientStandsAlone() {
    noClasses()
        .that()
        .resideInAPackage("io.countersign.cli..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages("io.countersign.cli..", "java..", "com.fasterxml..", "picocli..")
        .check(CLASSES);
  }

  @Test
  void theManifestIsALeaf() {
    noClasses()
        .that()
        .resideInAPackage("io.countersign.manifest..")
        .should()
        .dependOnClassesThat()
        .resideOutsideOfPackages(
            "io.countersign.manifest..",
            "java..",
            "javax..",
            "jakarta..",
            "com.fasterxml..",
            "org.springframework..",
            "org.yaml..",
            "org.slf4j..")
        .check(CLASSES);
  }

  @Test
  void stepSupportDependsOnlyOnTheManifestAndTheEvidence() {
    noClasses()
        .that()
        .resideInAPackage("io.countersign.process..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(packages("release", "signoff", "engine", "identity", "models"))
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(packages(TARGETS))
        .check(CLASSES);
  }

  @Test
  void targetsNeverImportTheApiTheSignOffOrTheEngineConfiguration() {
    for (String target : TARGETS) {
      noClasses()
          .that()
          .resideInAPackage("io.countersign." + target + "..")
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(
              "io.countersign.release..",
              "io.countersign.signoff..",
              "io.countersign.engine..",
              "io.countersign.identity..",
              "io.countersign.models..")
          .check(CLASSES);
    }
  }

  @Test
  void targetsReachEachOtherOnlyThroughPorts() {
    for (String target : TARGETS) {
      for (String other : TARGETS) {
        if (!other.equals(target)) {
          // A port is an interface of the other capability (verification implements lambda's
          // TrafficGate).
          noClasses()
              .that()
              .resideInAPackage("io.countersign." + target + "..")
              .should()
              .dependOnClassesThat(
                  com.tngtech.archunit.base.DescribedPredicate.describe(
                      "classes of " + other + " other than its ports",
                      c -> c.getPackageName().startsWith("io.countersign." + other) && !isPort(c)))
              .check(CLASSES);
        }
      }
    }
  }

  /** A port: an interface, or a type declared inside one (its results). */
  private static boolean isPort(JavaClass type) {
    return type.isInterface() || type.getEnclosingClass().map(JavaClass::isInterface).orElse(false);
  }

  @Test
  void evidenceImportsNoCapability() {
    noClasses()
        .that()
        .resideInAPackage("io.countersign.evidence..")
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(
            packages("release", "signoff", "engine", "models", "process", "manifest"))
        .orShould()
        .dependOnClassesThat()
        .resideInAnyPackage(packages(TARGETS))
        .check(CLASSES);
  }

  private static String[] packages(String... names) {
    return packages(List.of(names));
  }

  private static String[] packages(List<String> names) {
    return names.stream().map(name -> "io.countersign." + name + "..").toArray(String[]::new);
  }

  @Test
  void noPackageCycles() {
    slices().matching("io.countersign.(*)..").should().beFreeOfCycles().check(CLASSES);
  }

  @Test
  void everyPackageHasAPackageInfo() throws IOException {
    // From the sources, not the classes: javac writes no package-info.class for a javadoc-only
    // file.
    Path main = Path.of("src", "main", "java");
    try (Stream<Path> dirs = Files.walk(main)) {
      List<String> without =
          dirs.filter(Files::isDirectory)
              .filter(dir -> hasJavaFiles(dir) && !Files.exists(dir.resolve("package-info.java")))
              .map(
                  dir ->
                      main.relativize(dir)
                          .toString()
                          .replace(dir.getFileSystem().getSeparator(), "."))
              .toList();
      assertThat(without).as("packages without a package-info.java (ARCHITECTURE.md)").isEmpty();
    }
  }

  private static boolean hasJavaFiles(Path dir) {
    try (Stream<Path> files = Files.list(dir)) {
      return files.anyMatch(f -> f.toString().endsWith(".java"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
