package io.countersign.manifest;

import java.util.List;
import java.util.stream.Collectors;
import org.springframework.http.MediaType;

/** A manifest sent with a content type Countersign does not read; answered as HTTP 415. */
public class UnsupportedManifestTypeException extends RuntimeException {
  private final transient MediaType contentType;
  private final transient List<MediaType> supported;

  public UnsupportedManifestTypeException(MediaType contentType, List<MediaType> supported) {
    this(
        (contentType == null
                ? "a Content-Type header is required"
                : "content type '" + contentType + "' is not supported")
            + "; send the manifest as "
            + supported.stream().map(MediaType::toString).collect(Collectors.joining(", ")),
        contentType,
        supported);
  }

  private UnsupportedManifestTypeException(
      String message, MediaType contentType, List<MediaType> supported) {
    super(message);
    this.contentType = contentType;
    this.supported = List.copyOf(supported);
  }

  /** A supported type in a charset other than UTF-8. */
  static UnsupportedManifestTypeException charset(
      MediaType contentType, List<MediaType> supported) {
    return new UnsupportedManifestTypeException(
        "charset '"
            + contentType.getCharset().name()
            + "' is not supported; send the manifest as UTF-8 (or without a charset)",
        contentType,
        supported);
  }

  /** The content type that was sent; null when the request had none. */
  public MediaType contentType() {
    return contentType;
  }

  public List<MediaType> supported() {
    return supported;
  }
}
