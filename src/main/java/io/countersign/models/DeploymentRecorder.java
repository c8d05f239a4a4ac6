package io.countersign.models;

import io.countersign.evidence.EvidenceLog;
import io.countersign.process.StepSupport;
import java.io.ByteArrayInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilderFactory;
import org.camunda.bpm.engine.BadUserRequestException;
import org.camunda.bpm.engine.impl.context.Context;
import org.camunda.bpm.engine.impl.persistence.deploy.Deployer;
import org.camunda.bpm.engine.impl.persistence.entity.DeploymentEntity;
import org.camunda.bpm.engine.impl.persistence.entity.ResourceEntity;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.NamedNodeMap;
import org.w3c.dom.Node;

/**
 * Runs before the engine's own deployers on every new deployment: only BPMN, DMN and Camunda Form
 * resources are accepted, DMN expressions must be FEEL without external (Java) functions, and the
 * deployment — who, when, and each resource's name and SHA-256 — is written to the models evidence
 * chain in the deployment's own transaction, so a refused or failed deployment leaves no entry.
 */
class DeploymentRecorder implements Deployer {
  private static final List<String> ACCEPTED =
      List.of(".bpmn", ".bpmn20.xml", ".dmn", ".dmn11.xml", ".form");
  private static final Set<String> FEEL =
      Set.of(
          "feel",
          "https://www.omg.org/spec/dmn/20191111/feel/",
          "http://www.omg.org/spec/feel/20140401");

  private final EvidenceLog evidence;

  DeploymentRecorder(EvidenceLog evidence) {
    this.evidence = evidence;
  }

  @Override
  public void deploy(DeploymentEntity deployment) {
    if (!deployment.isNew()) {
      return; // a deployment loaded into the cache again after a restart was checked and recorded
      // when it was made
    }
    List<String> problems = new ArrayList<>();
    Map<String, String> digests = new TreeMap<>();
    for (ResourceEntity resource : deployment.getResources().values()) {
      String name = resource.getName();
      if (ACCEPTED.stream().noneMatch(name.toLowerCase(Locale.ROOT)::endsWith)) {
        problems.add(name + ": only BPMN, DMN and Camunda Form resources may be deployed");
      } else if (name.endsWith(".dmn") || name.endsWith(".dmn11.xml")) {
        problems.addAll(dmnProblems(name, resource.getBytes()));
      }
      digests.put(name, sha256(resource.getBytes()));
    }
    if (!problems.isEmpty()) {
      throw new BadUserRequestException("Deployment refused: " + String.join("; ", problems));
    }
    String user = Context.getCommandContext().getAuthenticatedUserId();
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("deploymentId", deployment.getId());
    payload.put("name", deployment.getName());
    payload.put("source", deployment.getSource());
    payload.put(
        "resources",
        digests.entrySet().stream()
            .map(e -> Map.of("name", e.getKey(), "sha256", e.getValue()))
            .toList());
    evidence.record(
        EvidenceLog.MODELS_CHAIN,
        "models-deployed",
        user == null ? StepSupport.ACTOR : user,
        payload);
  }

  /**
   * Non-FEEL expression languages (JUEL, scripts) can call Java; so can FEEL's external functions.
   */
  static List<String> dmnProblems(String name, byte[] xml) {
    List<String> problems = new ArrayList<>();
    try {
      DocumentBuilderFactory factory = DocumentBuilderFactory.newInstance();
      factory.setNamespaceAware(true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      Document document = factory.newDocumentBuilder().parse(new ByteArrayInputStream(xml));
      checkDmn(name, document.getDocumentElement(), problems);
    } catch (Exception e) {
      problems.add(name + ": not readable as DMN XML (" + e.getMessage() + ")");
    }
    return problems;
  }

  private static void checkDmn(String name, Element element, List<String> problems) {
    String where =
        name
            + " "
            + element.getLocalName()
            + (element.hasAttribute("id") ? " '" + element.getAttribute("id") + "'" : "");
    NamedNodeMap attributes = element.getAttributes();
    for (int i = 0; i < attributes.getLength(); i++) {
      Node attribute = attributes.item(i);
      if ("expressionLanguage".equals(attribute.getLocalName())
          && !FEEL.contains(attribute.getNodeValue().trim().toLowerCase(Locale.ROOT))) {
        problems.add(
            where
                + ": expression language '"
                + attribute.getNodeValue()
                + "' is not allowed; use FEEL");
      }
    }
    if ("text".equals(element.getLocalName())
        && element.getTextContent().matches("(?s).*\\bexternal\\b.*")) {
      problems.add(where + ": FEEL external functions are not allowed");
    }
    for (Node child = element.getFirstChild(); child != null; child = child.getNextSibling()) {
      if (child instanceof Element childElement) {
        checkDmn(name, childElement, problems);
      }
    }
  }

  private static String sha256(byte[] bytes) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
