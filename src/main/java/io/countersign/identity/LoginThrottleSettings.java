package io.countersign.identity;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code countersign.security.login-throttle}: how failed logins slow down the client that makes
 * them.
 *
 * @param freeFailures failures in a row a client may make without any wait (mistyped passwords)
 * @param initialDelay the wait after the first failure past the free ones; it doubles with each
 *     further failure
 * @param maxDelay the longest wait
 * @param forgetAfter a client's count starts over once it has been quiet (and unblocked) this long
 * @param maxClients clients remembered at once; past it the longest-quiet one is forgotten (bounded
 *     memory)
 */
@ConfigurationProperties("countersign.security.login-throttle")
record LoginThrottleSettings(
    Integer freeFailures,
    Duration initialDelay,
    Duration maxDelay,
    Duration forgetAfter,
    Integer maxClients) {

  LoginThrottleSettings {
    freeFailures = freeFailures == null ? 5 : freeFailures;
    initialDelay = initialDelay == null ? Duration.ofSeconds(1) : initialDelay;
    maxDelay = maxDelay == null ? Duration.ofMinutes(15) : maxDelay;
    forgetAfter = forgetAfter == null ? Duration.ofHours(1) : forgetAfter;
    maxClients = maxClients == null ? 10_000 : maxClients;
    // A setting that would switch the throttle off or overflow it stops the start instead.
    if (freeFailures < 0
        || initialDelay.isNegative()
        || initialDelay.isZero()
        || maxDelay.compareTo(initialDelay) < 0
        || maxDelay.compareTo(Duration.ofDays(1)) > 0
        || forgetAfter.isNegative()
        || forgetAfter.isZero()
        || maxClients < 1) {
      throw new IllegalArgumentException(
          "countersign.security.login-throttle: free-failures >= 0, "
              + "0 < initial-delay <= max-delay <= P1D, forget-after > 0 and max-clients >= 1 are required");
    }
  }
}
