package io.countersign.manifest;

/** A request body over the limit; answered as HTTP 413. Thrown before the body is parsed. */
public class PayloadTooLargeException extends RuntimeException {
  private final long limitBytes;

  public PayloadTooLargeException(long limitBytes) {
    super("the request body is larger than " + limitBytes + " bytes");
    this.limitBytes = limitBytes;
  }

  public long limitBytes() {
    return limitBytes;
  }
}
