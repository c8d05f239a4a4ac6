package io.countersign.identity;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Failed logins counted per client address, not per account. The engine's own per-user lock let
 * anyone lock any named account by guessing wrong; here a client that keeps failing waits longer
 * and longer (exponential back-off up to a cap) while the account's owner, from another address,
 * logs in as usual. A success starts the client's count over. Clients sharing one address (a NAT, a
 * proxy) share one count.
 */
final class LoginThrottle {
  private final LoginThrottleSettings settings;
  private final Clock clock;

  /**
   * Least recently seen first, so the longest-quiet client is the one forgotten when the map is
   * full.
   */
  private final Map<String, Client> clients;

  LoginThrottle(LoginThrottleSettings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    this.clients =
        new LinkedHashMap<>(64, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Client> eldest) {
            return size() > settings.maxClients();
          }
        };
  }

  private static final class Client {
    int failures;
    Instant lastFailure;
    Instant blockedUntil;
  }

  /**
   * Zero when the client may try a password now, else how long it has to wait. Past its free
   * failures an admitted attempt counts as failed until it succeeds, so that a burst of parallel
   * guesses cannot all slip through the moment a wait ends: one gets through per wait.
   */
  synchronized Duration admit(String client) {
    Instant now = clock.instant();
    Client c = current(client, now);
    if (c == null) {
      return Duration.ZERO;
    }
    if (now.isBefore(c.blockedUntil)) {
      return Duration.between(now, c.blockedUntil);
    }
    if (c.failures >= settings.freeFailures()) {
      c.blockedUntil = now.plus(delayAfter(c.failures + 1));
    }
    return Duration.ZERO;
  }

  synchronized void failed(String client) {
    Instant now = clock.instant();
    Client c = current(client, now);
    if (c == null) {
      c = new Client();
      c.blockedUntil = now;
      clients.put(client, c);
    }
    c.failures = c.failures == Integer.MAX_VALUE ? c.failures : c.failures + 1;
    c.lastFailure = now;
    Instant until = now.plus(delayAfter(c.failures));
    if (until.isAfter(c.blockedUntil)) {
      c.blockedUntil = until;
    }
  }

  synchronized void succeeded(String client) {
    clients.remove(client);
  }

  /**
   * The wait after the n-th failure in a row: none while free, then the initial delay doubling up
   * to the cap.
   */
  Duration delayAfter(int failures) {
    long past = (long) failures - settings.freeFailures();
    if (past <= 0) {
      return Duration.ZERO;
    }
    Duration delay = settings.initialDelay();
    for (long i = 1; i < past && delay.compareTo(settings.maxDelay()) < 0; i++) {
      delay = delay.multipliedBy(2);
    }
    return delay.compareTo(settings.maxDelay()) > 0 ? settings.maxDelay() : delay;
  }

  synchronized int tracked() {
    return clients.size();
  }

  /**
   * The client's record, or null (and forgotten) when it has none or has been quiet and unblocked
   * long enough.
   */
  private Client current(String client, Instant now) {
    Client c = clients.get(client);
    if (c != null
        && !now.isBefore(c.blockedUntil)
        && !now.isBefore(c.lastFailure.plus(settings.forgetAfter()))) {
      clients.remove(client);
      return null;
    }
    return c;
  }

  /**
   * The key a remote address is counted under: an IPv4 address as it is, an IPv6 address by its /64
   * network (one host or home usually holds a whole /64, so single IPv6 addresses are free to an
   * attacker).
   */
  static String clientKey(String remoteAddress) {
    if (remoteAddress == null || remoteAddress.isBlank()) {
      return "unknown";
    }
    if (remoteAddress.indexOf(':') < 0) {
      return remoteAddress;
    }
    try {
      // In brackets the JDK parses it as an IPv6 literal and never asks DNS.
      String literal = remoteAddress.startsWith("[") ? remoteAddress : "[" + remoteAddress + "]";
      byte[] address = InetAddress.getByName(literal).getAddress();
      if (address.length == 4) {
        return InetAddress.getByAddress(address).getHostAddress(); // an IPv4-mapped IPv6 address
      }
      Arrays.fill(address, 8, 16, (byte) 0);
      return InetAddress.getByAddress(address).getHostAddress() + "/64";
    } catch (UnknownHostException notAnAddress) {
      return remoteAddress;
    }
  }
}
