package io.countersign.evidencecheck;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.xml.XMLConstants;
import javax.xml.parsers.DocumentBuilder;
import javax.xml.parsers.DocumentBuilderFactory;
import javax.xml.parsers.ParserConfigurationException;
import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.xml.sax.ErrorHandler;
import org.xml.sax.InputSource;
import org.xml.sax.SAXException;
import org.xml.sax.SAXParseException;

/**
 * A JUnit XML report as Surefire, Gradle, pytest and jest-junit write it: a {@code <testsuite>}
 * root, or a {@code <testsuites>} root holding several (nested, in some tools). Counts come from
 * the innermost suites that list test cases, so a parent that repeats its children's totals is not
 * counted twice; a figure is never lower than what the {@code <testcase>} elements themselves show.
 */
final class JUnitReport {
  private static final String NOT = "not a JUnit report: ";
  private static final int MAX_NAMES = 10;
  private static final int NAMES_IN_SENTENCE = 3;

  private JUnitReport() {}

  static Reading read(byte[] content, Thresholds t) {
    if (EvidenceReaders.isBlank(content)) {
      return Reading.unreadable(NOT + "the file is empty");
    }
    Document document;
    try {
      document = parse(content);
    } catch (SAXParseException invalid) {
      return Reading.unreadable(NOT + describe(invalid, content));
    } catch (SAXException | IOException invalid) {
      return Reading.unreadable(
          NOT + "not XML (" + EvidenceReaders.shorten(invalid.getMessage()) + ")");
    }
    Element root = document.getDocumentElement();
    String rootName = localName(root);
    if (!rootName.equals("testsuite") && !rootName.equals("testsuites")) {
      return Reading.unreadable(
          NOT
              + "its root element is <"
              + EvidenceReaders.shorten(rootName)
              + ">, not <testsuite> or <testsuites>");
    }

    Totals totals = new Totals();
    for (Element suite : countedSuites(root)) {
      totals.add(suite);
    }

    Map<String, Object> figures = new LinkedHashMap<>();
    figures.put("tests", totals.tests);
    figures.put("failures", totals.failures);
    figures.put("errors", totals.errors);
    figures.put("skipped", totals.skipped);
    figures.put("suites", totals.suites);
    List<String> failed = new ArrayList<>();
    failed.addAll(totals.failedNames);
    failed.addAll(totals.errorNames);
    figures.put("failedTests", List.copyOf(failed.subList(0, Math.min(MAX_NAMES, failed.size()))));

    List<String> failures = new ArrayList<>();
    if (totals.failures > 0) {
      failures.add(count(totals.failures) + " failed" + names(totals.failedNames, totals.failures));
    }
    if (totals.errors > 0) {
      failures.add(
          count(totals.errors) + " ended in an error" + names(totals.errorNames, totals.errors));
    }
    if (t.minTests() != null && totals.tests < t.minTests()) {
      failures.add(count(totals.tests) + " ran, fewer than the " + t.minTests() + " required");
    }
    return Reading.of(figures, failures);
  }

  /**
   * The JDK's own parser (not whichever one the classpath offers), locked down: no DOCTYPE at all,
   * so no entity of any kind (XXE, entity expansion) can be declared, and nothing fetched.
   */
  private static Document parse(byte[] content) throws SAXException, IOException {
    DocumentBuilderFactory factory = DocumentBuilderFactory.newDefaultInstance();
    DocumentBuilder builder;
    try {
      factory.setFeature(XMLConstants.FEATURE_SECURE_PROCESSING, true);
      factory.setFeature("http://apache.org/xml/features/disallow-doctype-decl", true);
      factory.setFeature("http://xml.org/sax/features/external-general-entities", false);
      factory.setFeature("http://xml.org/sax/features/external-parameter-entities", false);
      factory.setFeature("http://apache.org/xml/features/nonvalidating/load-external-dtd", false);
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_DTD, "");
      factory.setAttribute(XMLConstants.ACCESS_EXTERNAL_SCHEMA, "");
      factory.setXIncludeAware(false);
      factory.setExpandEntityReferences(false);
      factory.setNamespaceAware(false);
      factory.setValidating(false);
      builder = factory.newDocumentBuilder();
    } catch (ParserConfigurationException unsupported) {
      throw new IllegalStateException(
          "the JDK's XML parser refused a hardening feature", unsupported);
    }
    // The default handler prints each error to standard error; the reason goes in the reading.
    builder.setErrorHandler(
        new ErrorHandler() {
          @Override
          public void warning(SAXParseException exception) {
            // not an error: the document is still read
          }

          @Override
          public void error(SAXParseException exception) throws SAXException {
            throw exception;
          }

          @Override
          public void fatalError(SAXParseException exception) throws SAXException {
            throw exception;
          }
        });
    builder.setEntityResolver(
        (publicId, systemId) -> {
          throw new SAXException("external entities are not read");
        });
    return builder.parse(new InputSource(new ByteArrayInputStream(content)));
  }

  private static String describe(SAXParseException invalid, byte[] content) {
    String message = invalid.getMessage() == null ? "" : invalid.getMessage();
    if (message.contains("DOCTYPE")
        || new String(content, StandardCharsets.ISO_8859_1).contains("<!DOCTYPE")) {
      return "it has a DOCTYPE declaration, which evidence may not have (DTDs and entities are"
          + " refused)";
    }
    return "not well-formed XML (line "
        + invalid.getLineNumber()
        + ": "
        + EvidenceReaders.shorten(message)
        + ")";
  }

  /**
   * The suites whose figures count, in document order: each element that lists test cases itself,
   * and each {@code <testsuite>} with neither cases nor nested suites (a summary-only suite). A
   * suite that only groups other suites is looked into, not counted. Iterative, so a deeply nested
   * file cannot exhaust the stack.
   */
  private static List<Element> countedSuites(Element root) {
    List<Element> counted = new ArrayList<>();
    Deque<Element> pending = new ArrayDeque<>();
    pending.push(root);
    while (!pending.isEmpty()) {
      Element suite = pending.pop();
      List<Element> nested = children(suite, "testsuite");
      boolean listsCases = !children(suite, "testcase").isEmpty();
      if (listsCases || (nested.isEmpty() && localName(suite).equals("testsuite"))) {
        counted.add(suite);
      } else {
        for (int i = nested.size() - 1; i >= 0; i--) {
          pending.push(nested.get(i));
        }
      }
    }
    return counted;
  }

  /** What the counted suites add up to. */
  private static final class Totals {
    int tests;
    int failures;
    int errors;
    int skipped;
    int suites;
    final List<String> failedNames = new ArrayList<>();
    final List<String> errorNames = new ArrayList<>();

    void add(Element suite) {
      int cases = 0;
      int failed = 0;
      int erred = 0;
      int skips = 0;
      for (Element testcase : descendants(suite, "testcase")) {
        cases++;
        if (!children(testcase, "failure").isEmpty()) {
          failed++;
          failedNames.add(name(testcase));
        }
        if (!children(testcase, "error").isEmpty()) {
          erred++;
          errorNames.add(name(testcase));
        }
        if (!children(testcase, "skipped").isEmpty()) {
          skips++;
        }
      }
      // The attributes, where a tool wrote them, cover cases it did not list; the elements
      // cover a tool (or a hand) that wrote failures="0" beside a <failure>.
      tests = sum(tests, Math.max(cases, attribute(suite, "tests")));
      failures = sum(failures, Math.max(failed, attribute(suite, "failures")));
      errors = sum(errors, Math.max(erred, attribute(suite, "errors")));
      skipped = sum(skipped, Math.max(skips, attribute(suite, "skipped")));
      suites++;
    }

    /** Saturating: huge counts in a hostile file must not wrap round to 0 or below. */
    private static int sum(int total, int more) {
      return (int) Math.min(Integer.MAX_VALUE, (long) total + more);
    }
  }

  /** "classname.name", or the name alone when there is no class name. */
  private static String name(Element testcase) {
    String classname = testcase.getAttribute("classname").strip();
    String name = testcase.getAttribute("name").strip();
    return classname.isEmpty() ? name : classname + "." + name;
  }

  /** A whole, non-negative count attribute; 0 when absent or not a count. */
  private static int attribute(Element element, String name) {
    String value = element.getAttribute(name).strip();
    if (value.isEmpty()) {
      return 0;
    }
    try {
      return Math.max(0, Integer.parseInt(value));
    } catch (NumberFormatException notACount) {
      return 0;
    }
  }

  private static List<Element> children(Element parent, String localName) {
    List<Element> found = new ArrayList<>();
    for (Node node = parent.getFirstChild(); node != null; node = node.getNextSibling()) {
      if (node instanceof Element element && localName(element).equals(localName)) {
        found.add(element);
      }
    }
    return found;
  }

  /** Descendant elements of that local name, in document order, without recursion. */
  private static List<Element> descendants(Element parent, String localName) {
    List<Element> found = new ArrayList<>();
    Deque<Node> pending = new ArrayDeque<>();
    for (Node node = parent.getLastChild(); node != null; node = node.getPreviousSibling()) {
      pending.push(node);
    }
    while (!pending.isEmpty()) {
      Node node = pending.pop();
      if (!(node instanceof Element element)) {
        continue;
      }
      if (localName(element).equals(localName)) {
        found.add(element);
      }
      for (Node child = node.getLastChild(); child != null; child = child.getPreviousSibling()) {
        pending.push(child);
      }
    }
    return found;
  }

  /** The element's name without a namespace prefix (the parser is not namespace aware). */
  private static String localName(Element element) {
    String name = element.getNodeName();
    return name.substring(name.indexOf(':') + 1);
  }

  private static String count(int tests) {
    return tests + (tests == 1 ? " test" : " tests");
  }

  /** ": a, b, c and 2 more" from the names the file gave, or nothing when it gave none. */
  private static String names(List<String> names, int total) {
    if (names.isEmpty()) {
      return "";
    }
    List<String> shown = names.subList(0, Math.min(NAMES_IN_SENTENCE, names.size()));
    int more = Math.max(total, names.size()) - shown.size();
    return ": " + String.join(", ", shown) + (more > 0 ? " and " + more + " more" : "");
  }
}
