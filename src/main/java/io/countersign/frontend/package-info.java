/**
 * Front-end target capability: upload a static site under its release prefix in S3, switch
 * CloudFront's origin path to it, wait for the change in a timer loop, restore it on rollback. It
 * may import manifest, process, evidence, aws and other targets' ports only; never release,
 * signoff, engine, identity or models (ArchitectureTest).
 */
package io.countersign.frontend;
