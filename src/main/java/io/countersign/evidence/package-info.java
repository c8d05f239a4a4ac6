/**
 * The evidence log: hash-chained, Ed25519-signed entries per release (and the models chain), signed
 * checkpoints outside the database (file, S3 Object Lock), bundle export and verification. It
 * imports no capability (ArchitectureTest); only aws for the S3 sink and identity's group names for
 * its endpoints.
 */
package io.countersign.evidence;
