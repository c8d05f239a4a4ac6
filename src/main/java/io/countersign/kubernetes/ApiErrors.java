package io.countersign.kubernetes;

import io.countersign.aws.TargetRefusedException;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * Sorts API server answers into what retrying can fix and what it cannot, with a message an
 * operator can act on.
 */
final class ApiErrors {
  private ApiErrors() {}

  /**
   * {@code action}: what was attempted ("read", "patch"); {@code what}: "Deployment/backend in
   * namespace x on target y". 404, 403 and rejected requests are {@link TargetRefusedException};
   * throttling, 5xx, 409, 401 and I/O errors or timeouts (no code) are ordinary exceptions, retried
   * by the engine.
   */
  static RuntimeException translate(
      KubernetesClientException e, String action, String what, String namespace) {
    int code = e.getCode();
    String reason =
        e.getStatus() != null && e.getStatus().getMessage() != null
            ? e.getStatus().getMessage()
            : e.getMessage();
    if (code <= 0) {
      // fabric8's code for no HTTP answer at all: connection refused, TLS failure, timeout.
      return new IllegalStateException(
          "no answer from the API server to "
              + action
              + " "
              + what
              + " (timeout or I/O error, retried): "
              + rootMessage(e),
          e);
    }
    return switch (code) {
      case 404 ->
          new TargetRefusedException(
              what
                  + " does not exist"
                  // The API server's own word names what is missing (e.g. the namespace).
                  + (e.getStatus() != null && e.getStatus().getReason() != null
                      ? " (" + reason + ")"
                      : ""),
              e);
      case 403 ->
          new TargetRefusedException(
              "the cluster forbids Countersign to "
                  + action
                  + " "
                  + what
                  + " (403 Forbidden): its service account lacks RBAC permission; apply deploy/kubernetes/countersign-rbac.yaml"
                  + " in namespace "
                  + namespace
                  + " ("
                  + reason
                  + ")",
              e);
      case 400, 422 ->
          new TargetRefusedException(
              "the API server rejected the "
                  + action
                  + " of "
                  + what
                  + " ("
                  + code
                  + "): "
                  + reason,
              e);
      case 401 ->
          new IllegalStateException(
              "the API server did not accept Countersign's credentials (401) to "
                  + action
                  + " "
                  + what
                  + "; check the kubeconfig or service account token",
              e);
      default ->
          new IllegalStateException(
              "the API server answered "
                  + code
                  + " to "
                  + action
                  + " "
                  + what
                  + " (retried): "
                  + reason,
              e);
    };
  }

  private static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root == e
        ? String.valueOf(e.getMessage())
        : root.getClass().getSimpleName() + ": " + root.getMessage();
  }
}
