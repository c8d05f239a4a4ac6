/**
 * Models are code: the parse listener that allows only Countersign's beans and a safe expression
 * subset in BPMN and DMN, the models evidence chain of deployments, and the pinning of the model
 * versions a release runs. It may import process and evidence.
 */
package io.countersign.models;
