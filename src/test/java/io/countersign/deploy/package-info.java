/**
 * Tests of what installs and runs Countersign: the Kubernetes manifests under {@code
 * deploy/countersign/}, the compose file, the Dockerfile and its build context, and the layered jar
 * the image is built from. No Docker engine, kubectl or kustomize runs here, so the files are
 * parsed and checked as the tools would read them.
 */
package io.countersign.deploy;
