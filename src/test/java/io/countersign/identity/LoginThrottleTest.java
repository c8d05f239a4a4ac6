package io.countersign.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;

/** The throttle's arithmetic on a clock the test moves: no sleeps. */
class LoginThrottleTest {
  private static final String ATTACKER = "192.0.2.66";
  private static final String OWNER = "198.51.100.7";

  private final MovableClock clock = new MovableClock();
  private final LoginThrottle throttle =
      new LoginThrottle(
          new LoginThrottleSettings(
              3, Duration.ofSeconds(2), Duration.ofSeconds(60), Duration.ofMinutes(10), 100),
          clock);

  @Test
  void freeFailuresCostNothingThenTheWaitDoublesUpToTheCap() {
    assertThat(throttle.delayAfter(1)).isZero();
    assertThat(throttle.delayAfter(3)).isZero();
    assertThat(throttle.delayAfter(4)).hasSeconds(2);
    assertThat(throttle.delayAfter(5)).hasSeconds(4);
    assertThat(throttle.delayAfter(8)).hasSeconds(32);
    assertThat(throttle.delayAfter(9)).hasSeconds(60);
    assertThat(throttle.delayAfter(Integer.MAX_VALUE)).hasSeconds(60);
  }

  @Test
  void aClientIsAdmittedDuringItsFreeFailuresAndThenWaits() {
    for (int i = 0; i < 3; i++) {
      assertThat(throttle.admit(ATTACKER)).isZero();
      throttle.failed(ATTACKER);
    }
    // The fourth attempt may still go; its failure costs 2 s.
    assertThat(throttle.admit(ATTACKER)).isZero();
    throttle.failed(ATTACKER);
    assertThat(throttle.admit(ATTACKER)).hasSeconds(2);

    clock.advance(Duration.ofMillis(1500));
    assertThat(throttle.admit(ATTACKER)).hasMillis(500);

    clock.advance(Duration.ofMillis(500));
    assertThat(throttle.admit(ATTACKER)).isZero();
    throttle.failed(ATTACKER);
    assertThat(throttle.admit(ATTACKER)).hasSeconds(4);
  }

  @Test
  void anotherClientIsNotSlowedDown() {
    for (int i = 0; i < 10; i++) {
      throttle.failed(ATTACKER);
    }
    assertThat(throttle.admit(ATTACKER)).isPositive();

    assertThat(throttle.admit(OWNER)).isZero();
    throttle.succeeded(OWNER);
    assertThat(throttle.admit(ATTACKER)).isPositive();
  }

  @Test
  void aSuccessStartsTheCountOver() {
    for (int i = 0; i < 3; i++) {
      throttle.failed(OWNER);
    }
    throttle.succeeded(OWNER);

    for (int i = 0; i < 3; i++) {
      assertThat(throttle.admit(OWNER)).isZero();
      throttle.failed(OWNER);
    }
    assertThat(throttle.admit(OWNER)).isZero(); // the fourth failure in a row, not the seventh
  }

  @Test
  void pastItsFreeFailuresOneAttemptPerWaitGetsThrough() {
    for (int i = 0; i < 3; i++) {
      throttle.failed(ATTACKER);
    }
    // Parallel guesses: the first is admitted and holds the next wait until its outcome is known.
    assertThat(throttle.admit(ATTACKER)).isZero();
    assertThat(throttle.admit(ATTACKER)).hasSeconds(2);
    assertThat(throttle.admit(ATTACKER)).hasSeconds(2);

    // It was the right password after all: the client is free again.
    throttle.succeeded(ATTACKER);
    assertThat(throttle.admit(ATTACKER)).isZero();
  }

  @Test
  void aQuietClientIsForgottenOnlyOnceItsWaitIsOver() {
    LoginThrottle longWaits =
        new LoginThrottle(
            new LoginThrottleSettings(
                0, Duration.ofMinutes(20), Duration.ofMinutes(20), Duration.ofMinutes(10), 100),
            clock);
    longWaits.failed(ATTACKER);

    clock.advance(Duration.ofMinutes(15)); // quiet for longer than forget-after, but still blocked
    assertThat(longWaits.admit(ATTACKER)).hasMinutes(5);

    clock.advance(Duration.ofMinutes(5));
    assertThat(longWaits.admit(ATTACKER)).isZero();
    assertThat(longWaits.tracked()).isZero();
    longWaits.failed(ATTACKER);
    assertThat(longWaits.admit(ATTACKER)).hasMinutes(20); // counted from one again
  }

  @Test
  void memoryIsBoundedAndTheLongestQuietClientGoesFirst() {
    LoginThrottle small =
        new LoginThrottle(
            new LoginThrottleSettings(
                0, Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofHours(1), 3),
            clock);
    small.failed("10.0.0.1");
    small.failed("10.0.0.2");
    small.failed("10.0.0.3");
    small.admit("10.0.0.1"); // seen again: no longer the quietest

    small.failed("10.0.0.4");

    assertThat(small.tracked()).isEqualTo(3);
    assertThat(small.admit("10.0.0.2")).isZero();
    assertThat(small.admit("10.0.0.1")).isPositive();
    assertThat(small.admit("10.0.0.4")).isPositive();
    for (int i = 0; i < 10_000; i++) {
      small.failed("10.1." + (i / 256) + "." + (i % 256));
    }
    assertThat(small.tracked()).isEqualTo(3);
  }

  @Test
  void ipv6ClientsAreCountedByTheirSlash64() {
    assertThat(LoginThrottle.clientKey("2001:db8:1:2:aaaa::1"))
        .isEqualTo(LoginThrottle.clientKey("2001:db8:1:2:bbbb::2"))
        .isNotEqualTo(LoginThrottle.clientKey("2001:db8:1:3::1"));
    assertThat(LoginThrottle.clientKey("127.0.0.2")).isEqualTo("127.0.0.2");
    assertThat(LoginThrottle.clientKey("::ffff:127.0.0.2")).isEqualTo("127.0.0.2");
    assertThat(LoginThrottle.clientKey("0:0:0:0:0:0:0:1"))
        .isEqualTo(LoginThrottle.clientKey("::1"));
    assertThat(LoginThrottle.clientKey(null)).isEqualTo("unknown");
    assertThat(LoginThrottle.clientKey("not:an:address")).isEqualTo("not:an:address");
  }

  @Test
  void settingsThatWouldSwitchTheThrottleOffStopTheStart() {
    assertThat(new LoginThrottleSettings(null, null, null, null, null))
        .isEqualTo(
            new LoginThrottleSettings(
                5, Duration.ofSeconds(1), Duration.ofMinutes(15), Duration.ofHours(1), 10_000));
    assertThatThrownBy(() -> new LoginThrottleSettings(5, Duration.ZERO, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(
            () ->
                new LoginThrottleSettings(
                    5, Duration.ofMinutes(2), Duration.ofMinutes(1), null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LoginThrottleSettings(-1, null, null, null, null))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new LoginThrottleSettings(5, null, null, null, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static final class MovableClock extends Clock {
    private Instant now = Instant.parse("2026-11-30T12:00:00Z");

    void advance(Duration duration) {
      now = now.plus(duration);
    }

    @Override
    public Instant instant() {
      return now;
    }

    @Override
    public ZoneOffset getZone() {
      return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(java.time.ZoneId zone) {
      throw new UnsupportedOperationException();
    }
  }
}
