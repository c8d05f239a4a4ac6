package io.countersign.release;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;

/** A manifest sent with a content type Countersign does not read; answered as HTTP 415. */
public class UnsupportedManifestTypeException extends RuntimeException {
  private final transient MediaType contentType;
  private final transient List<MediaType> supported;

  public UnsupportedManifestTypeException(MediaType contentType, List<MediaType> supported) {
    super((contentType == null ? "a Content-Type header is required" : "content type '" + contentType + "' is not supported")
        + "; send the manifest as "
        + supported.stream().map(MediaType::toString).collect(Collectors.joining(", ")));
    this.contentType = contentType;
    this.supported = List.copyOf(supported);
  }

  /** The content type that was sent; null when the request had none. */
  public MediaType contentType() {
    return contentType;
  }

  public List<MediaType> supported() {
    return supported;
  }
}
