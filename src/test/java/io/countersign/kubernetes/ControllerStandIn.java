package io.countersign.kubernetes;

import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.ContainerBuilder;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.apps.DeploymentBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentConditionBuilder;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatus;
import io.fabric8.kubernetes.api.model.apps.DeploymentStatusBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.RollableScalableResource;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The mock API server has no controllers: this plays the Deployment controller, writing
 * metadata.annotations (revision) and status the way a cluster would after Countersign changed a
 * Deployment's template.
 */
final class ControllerStandIn {
  // The mock server logs every request at INFO (java.util.logging); held here so the setting is not
  // collected.
  private static final Logger MOCK_SERVER_LOG = quiet(Logger.getLogger("io.fabric8.mockwebserver"));

  private final KubernetesClient client;

  ControllerStandIn(KubernetesClient client) {
    this.client = client;
  }

  /** A stable Deployment at revision 3; containers as name, image, name, image, … */
  Deployment deploy(String namespace, String name, int replicas, String... containersAndImages) {
    List<Container> containers = new ArrayList<>();
    for (int i = 0; i < containersAndImages.length; i += 2) {
      containers.add(
          new ContainerBuilder()
              .withName(containersAndImages[i])
              .withImage(containersAndImages[i + 1])
              .build());
    }
    return client
        .apps()
        .deployments()
        .inNamespace(namespace)
        .resource(
            new DeploymentBuilder()
                .withNewMetadata()
                .withName(name)
                .withNamespace(namespace)
                .addToAnnotations(LiveKubernetesTarget.REVISION_ANNOTATION, "3")
                .endMetadata()
                .withNewSpec()
                .withReplicas(replicas)
                .withNewSelector()
                .addToMatchLabels("app", name)
                .endSelector()
                .withNewTemplate()
                .withNewMetadata()
                .addToLabels("app", name)
                .endMetadata()
                .withNewSpec()
                .withContainers(containers)
                .endSpec()
                .endTemplate()
                .endSpec()
                // Created as the controller would leave it once stable (the mock keeps the status
                // it is given).
                .withStatus(
                    new DeploymentStatusBuilder()
                        .withObservedGeneration(1L)
                        .withReplicas(replicas)
                        .withUpdatedReplicas(replicas)
                        .withAvailableReplicas(replicas)
                        .withReadyReplicas(replicas)
                        .build())
                .build())
        .create();
  }

  /**
   * Observes the current generation (a new revision if the template changed) with this many new
   * replicas.
   */
  Deployment progressing(String namespace, String name, int updated, int available) {
    Deployment observed = observe(namespace, name);
    int desired = observed.getSpec().getReplicas();
    return status(
        namespace,
        name,
        new DeploymentStatusBuilder()
            .withObservedGeneration(observed.getMetadata().getGeneration())
            .withReplicas(desired + (updated < desired ? 1 : 0)) // surge: one old pod still running
            .withUpdatedReplicas(updated)
            .withAvailableReplicas(available)
            .withReadyReplicas(available)
            .addToConditions(
                new DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("True")
                    .withReason("ReplicaSetUpdated")
                    .build())
            .build());
  }

  Deployment complete(String namespace, String name) {
    Deployment observed = observe(namespace, name);
    int desired = observed.getSpec().getReplicas();
    return status(
        namespace,
        name,
        new DeploymentStatusBuilder()
            .withObservedGeneration(observed.getMetadata().getGeneration())
            .withReplicas(desired)
            .withUpdatedReplicas(desired)
            .withAvailableReplicas(desired)
            .withReadyReplicas(desired)
            .addToConditions(
                new DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("True")
                    .withReason("NewReplicaSetAvailable")
                    .build())
            .build());
  }

  /**
   * What the controller reports when the new pods never become available (e.g. an image that cannot
   * be pulled).
   */
  Deployment progressDeadlineExceeded(String namespace, String name) {
    Deployment observed = observe(namespace, name);
    int desired = observed.getSpec().getReplicas();
    return status(
        namespace,
        name,
        new DeploymentStatusBuilder()
            .withObservedGeneration(observed.getMetadata().getGeneration())
            .withReplicas(desired + 1)
            .withUpdatedReplicas(1)
            .withAvailableReplicas(desired - 1)
            .withReadyReplicas(desired - 1)
            .addToConditions(
                new DeploymentConditionBuilder()
                    .withType("Progressing")
                    .withStatus("False")
                    .withReason("ProgressDeadlineExceeded")
                    .withMessage("ReplicaSet \"" + name + "-7d9f\" has timed out progressing.")
                    .build())
            .build());
  }

  Map<String, String> images(String namespace, String name) {
    Map<String, String> images = new LinkedHashMap<>();
    get(namespace, name)
        .getSpec()
        .getTemplate()
        .getSpec()
        .getContainers()
        .forEach(c -> images.put(c.getName(), c.getImage()));
    return images;
  }

  Deployment get(String namespace, String name) {
    return deployment(namespace, name).get();
  }

  /**
   * A new template generation becomes a new revision, as the controller numbers its ReplicaSets.
   */
  private Deployment observe(String namespace, String name) {
    Deployment current = get(namespace, name);
    DeploymentStatus status = current.getStatus();
    long observed =
        status == null || status.getObservedGeneration() == null
            ? 0
            : status.getObservedGeneration();
    if (observed > 0 && current.getMetadata().getGeneration() > observed) {
      int revision =
          Integer.parseInt(
              current.getMetadata().getAnnotations().get(LiveKubernetesTarget.REVISION_ANNOTATION));
      return deployment(namespace, name)
          .edit(
              d ->
                  new DeploymentBuilder(d)
                      .editMetadata()
                      .addToAnnotations(
                          LiveKubernetesTarget.REVISION_ANNOTATION, String.valueOf(revision + 1))
                      .endMetadata()
                      .build());
    }
    return current;
  }

  private Deployment status(String namespace, String name, DeploymentStatus status) {
    return deployment(namespace, name)
        .editStatus(d -> new DeploymentBuilder(d).withStatus(status).build());
  }

  private static Logger quiet(Logger logger) {
    logger.setLevel(Level.WARNING);
    return logger;
  }

  private RollableScalableResource<Deployment> deployment(String namespace, String name) {
    return client.apps().deployments().inNamespace(namespace).withName(name);
  }
}
