package io.countersign.aws;

import java.util.concurrent.CopyOnWriteArrayList;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;

/**
 * What the WireMock fakes of AWS share: test credentials and failures injected by method and path.
 */
public abstract class FakeApiSupport {
  /** Credentials for test servers only (they sign requests; no server here checks them). */
  public static final AwsCredentialsProvider TEST_CREDENTIALS =
      StaticCredentialsProvider.create(
          AwsBasicCredentials.create("AKIDTESTONLY", "test-secret-not-real"));

  private final CopyOnWriteArrayList<Injected> injected = new CopyOnWriteArrayList<>();

  /**
   * The next {@code times} requests whose method matches and whose path ends with {@code pathEnd}
   * fail so.
   */
  public void fail(
      String method, String pathEnd, int times, int status, String code, String message) {
    injected.add(new Injected(method, pathEnd, new int[] {times}, status, code, message));
  }

  protected void clearInjected() {
    injected.clear();
  }

  /** The failure to answer with, or null; counts it down. */
  protected synchronized Injected injected(String method, String path) {
    for (Injected i : injected) {
      if (i.method.equals(method) && path.endsWith(i.pathEnd) && i.remaining[0] > 0) {
        i.remaining[0]--;
        return i;
      }
    }
    return null;
  }

  protected record Injected(
      String method, String pathEnd, int[] remaining, int status, String code, String message) {}
}
