package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/**
 * The production profile refuses demo users and default or short administrator passwords at start.
 */
class ProductionGuardTest {

  private static AccessSetup setUp(
      String profile, boolean demo, String adminId, String adminPassword) {
    MockEnvironment environment = new MockEnvironment();
    environment.setActiveProfiles(profile);
    return new AccessSetup(
        null, null, null, null, environment, demo, "demo", adminId, adminPassword, List.of());
  }

  @Test
  void productionRefusesDemoUsers() {
    assertThatThrownBy(() -> setUp("production", true, "", ""))
        .hasMessageContaining("countersign.demo.enabled must be false");
  }

  @Test
  void productionRefusesADefaultOrShortAdministratorPassword() {
    for (String weak : new String[] {"demo", "Admin", "changeme", "short-1"}) {
      assertThatThrownBy(() -> setUp("production", false, "root-admin", weak))
          .hasMessageContaining("at least 12 characters and not a default");
    }
    assertThatCode(() -> setUp("production", false, "root-admin", "a-long-unique-passphrase"))
        .doesNotThrowAnyException();
    assertThatCode(() -> setUp("production", false, "", "")).doesNotThrowAnyException();
  }

  @Test
  void theEmbeddedDefaultKeepsItsDemoUsers() {
    assertThatCode(() -> setUp("demo", true, "", "")).doesNotThrowAnyException();
  }
}
