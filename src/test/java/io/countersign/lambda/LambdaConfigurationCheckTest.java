package io.countersign.lambda;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.countersign.FakeExecution;
import io.countersign.manifest.FieldErrors;
import io.countersign.manifest.FieldErrors.FieldError;
import io.countersign.manifest.ReleaseManifest;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The manifest check of a function's configuration: every bad field by its path, and the ways
 * around the allow-lists and the literal-secret rule that it must refuse. No message quotes a
 * value.
 */
class LambdaConfigurationCheckTest {
  private static final String PATH = "$.lambda.functions[0].configuration.environment.";
  private static final String ACCOUNT_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:";

  private final LambdaManifestCheck check =
      new LambdaManifestCheck(
          new LambdaProperties(
              "dry-run",
              Map.of(
                  "medication-aws",
                  new LambdaProperties.Target(
                      "eu-west-1",
                      List.of("medication-artifacts"),
                      null,
                      null,
                      null,
                      null,
                      null,
                      List.of("medication/staging/", ACCOUNT_ARN + "medication/staging/"),
                      List.of("/medication/staging/")),
                  "bare-aws",
                  new LambdaProperties.Target("eu-west-1", List.of("medication-artifacts")))));

  @Test
  void referencesOnTheAllowListsAndHarmlessLiteralsPass() {
    assertThat(
            errors(
                "{\"memory\":512,\"timeout\":60,\"environment\":{"
                    + "\"STAGE\":{\"value\":\"staging\"},"
                    + "\"DB_PASSWORD\":{\"secretsManager\":\"medication/staging/db\",\"jsonKey\":\"password\",\"versionId\":\"v1\"},"
                    + "\"DB_URL\":{\"secretsManager\":\""
                    + ACCOUNT_ARN
                    + "medication/staging/db-url-AbCdEf\"},"
                    + "\"API_TOKEN\":{\"parameterStore\":\"/medication/staging/api-token:3\"}}}"))
        .isEmpty();
  }

  @Test
  void eachVariableTakesExactlyOneSource() {
    assertThat(
            errors(
                "{\"environment\":{"
                    + "\"NONE\":{},"
                    + "\"BOTH\":{\"value\":\"x\",\"parameterStore\":\"/medication/staging/x\"},"
                    + "\"KEYED\":{\"parameterStore\":\"/medication/staging/x\",\"jsonKey\":\"k\",\"versionId\":\"v1\"}}}"))
        .containsExactly(
            new FieldError(
                PATH + "NONE", "give exactly one of value, secretsManager or parameterStore"),
            new FieldError(
                PATH + "BOTH", "give exactly one of value, secretsManager or parameterStore"),
            new FieldError(PATH + "KEYED.jsonKey", "only with secretsManager"),
            new FieldError(
                PATH + "KEYED.versionId",
                "only with secretsManager (a parameter's version goes after its name: name:3)"));
  }

  @Test
  void literalSecretsAreRefusedByNameAndByLookWithoutQuotingThem() {
    String pem = "-----BEGIN RSA PRIVATE KEY-----\\nMIIEow\\n-----END RSA PRIVATE KEY-----";
    List<FieldError> errors =
        errors(
            "{\"environment\":{"
                + "\"db_password\":{\"value\":\"hunter2-literal\"},"
                + "\"STRIPE_API_KEY\":{\"value\":\"sk_live_x\"},"
                + "\"GitHubToken\":{\"value\":\"ghp_x\"},"
                + "\"SERVICE_CREDENTIALS\":{\"value\":\"x\"},"
                + "\"UPSTREAM\":{\"value\":\"key AKIAIOSFODNN7EXAMPLE inside\"},"
                + "\"SESSION\":{\"value\":\"ASIAIOSFODNN7EXAMPLE\"},"
                + "\"SIGNING\":{\"value\":\""
                + pem
                + "\"}}}");
    String use = "; use secretsManager or parameterStore for secrets";
    assertThat(errors)
        .containsExactly(
            new FieldError(
                PATH + "db_password.value", "the variable's name says it holds a secret" + use),
            new FieldError(
                PATH + "STRIPE_API_KEY.value", "the variable's name says it holds a secret" + use),
            new FieldError(
                PATH + "GitHubToken.value", "the variable's name says it holds a secret" + use),
            new FieldError(
                PATH + "SERVICE_CREDENTIALS.value",
                "the variable's name says it holds a secret" + use),
            new FieldError(
                PATH + "UPSTREAM.value", "the value looks like an AWS access key id" + use),
            new FieldError(
                PATH + "SESSION.value", "the value looks like an AWS access key id" + use),
            new FieldError(PATH + "SIGNING.value", "the value holds a PEM private key" + use));
    assertThat(errors.toString())
        .doesNotContain("hunter2", "sk_live", "AKIAIOSFODNN7EXAMPLE", "MIIEow");
  }

  @Test
  void referencesOutsideTheAllowListsAndTheWaysAroundThemAreRefused() {
    assertThat(
            errors(
                "{\"environment\":{"
                    + "\"A\":{\"secretsManager\":\"medication/production/db\"},"
                    // A name prefix does not admit the ARN of a secret of another account.
                    + "\"B\":{\"secretsManager\":\"arn:aws:secretsmanager:eu-west-1:999999999999:secret:medication/staging/db-AbCdEf\"},"
                    + "\"C\":{\"secretsManager\":\"medication/staging db\"},"
                    + "\"D\":{\"parameterStore\":\"/medication/production/api-token\"},"
                    + "\"E\":{\"parameterStore\":\"/medication/staging/../production/api-token\"},"
                    + "\"F\":{\"parameterStore\":\"arn:aws:ssm:eu-west-1:999999999999:parameter/medication/staging/x\"},"
                    + "\"G\":{\"parameterStore\":\"/medication/staging/x:latest\"},"
                    + "\"H\":{\"parameterStore\":\"medication/staging/x\"}}}"))
        .containsExactly(
            new FieldError(
                PATH + "A.secretsManager",
                "secret 'medication/production/db' is not under the target's secret-prefixes"
                    + " (medication/staging/)"),
            new FieldError(
                PATH + "B.secretsManager",
                "secret 'arn:aws:secretsmanager:eu-west-1:999999999999:secret:medication/staging/db-AbCdEf'"
                    + " is not under the target's secret-prefixes ("
                    + ACCOUNT_ARN
                    + "medication/staging/)"),
            new FieldError(PATH + "C.secretsManager", "not a Secrets Manager secret name or ARN"),
            new FieldError(
                PATH + "D.parameterStore",
                "parameter '/medication/production/api-token' is not under the target's"
                    + " parameter-prefixes (/medication/staging/)"),
            new FieldError(
                PATH + "E.parameterStore",
                "not a Parameter Store name, optionally with a version (/app/db-password:3)"),
            new FieldError(
                PATH + "F.parameterStore",
                "not a Parameter Store name, optionally with a version (/app/db-password:3)"),
            new FieldError(
                PATH + "G.parameterStore",
                "not a Parameter Store name, optionally with a version (/app/db-password:3)"),
            new FieldError(
                PATH + "H.parameterStore",
                "parameter 'medication/staging/x' is not under the target's parameter-prefixes"
                    + " (/medication/staging/)"));
  }

  @Test
  void aTargetWithoutAllowListsAdmitsNoReference() {
    assertThat(
            errors(
                "bare-aws",
                "{\"environment\":{"
                    + "\"A\":{\"secretsManager\":\"medication/staging/db\"},"
                    + "\"B\":{\"parameterStore\":\"/medication/staging/x\"}}}"))
        .containsExactly(
            new FieldError(
                PATH + "A.secretsManager",
                "secret 'medication/staging/db' is not under the target's secret-prefixes (none for names)"),
            new FieldError(
                PATH + "B.parameterStore",
                "parameter '/medication/staging/x' is not under the target's parameter-prefixes (none)"));
  }

  @Test
  void aSecretThroughParameterStoreIsRefusedWhateverTheParameterPrefixes() {
    LambdaManifestCheck wide =
        new LambdaManifestCheck(
            new LambdaProperties(
                "dry-run",
                Map.of(
                    "medication-aws",
                    new LambdaProperties.Target(
                        "eu-west-1",
                        List.of("medication-artifacts"),
                        null,
                        null,
                        null,
                        null,
                        null,
                        List.of("medication/staging/"),
                        List.of("/")))));
    FieldErrors errors = new FieldErrors();
    try {
      wide.check(
          new ObjectMapper()
              .readValue(
                  FakeExecution.manifest(
                      "\"lambda\":{\"target\":\"medication-aws\",\"functions\":[{\"name\":\"api_handler\","
                          + "\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"a.zip\"},"
                          + "\"configuration\":{\"environment\":{"
                          + "\"DB_PASSWORD\":{\"parameterStore\":\"/aws/reference/secretsmanager/medication/production/db\"}}}}]}"),
                  ReleaseManifest.class),
          errors);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    assertThat(errors.list())
        .containsExactly(
            new FieldError(
                PATH + "DB_PASSWORD.parameterStore",
                "a Secrets Manager secret through Parameter Store; use secretsManager (the target's"
                    + " secret-prefixes apply)"));
  }

  @Test
  void variableNamesFollowLambdasRules() {
    assertThat(
            errors(
                "{\"environment\":{"
                    + "\"AWS_REGION\":{\"value\":\"us-east-1\"},"
                    + "\"1ST\":{\"value\":\"x\"},"
                    + "\"with-dash\":{\"value\":\"x\"}}}"))
        .containsExactly(
            new FieldError(PATH + "AWS_REGION", "reserved by Lambda: it sets this variable itself"),
            new FieldError(
                "$.lambda.functions[0].configuration.environment['1ST']",
                "not a Lambda environment variable name (a letter, then letters, digits and '_')"),
            new FieldError(
                "$.lambda.functions[0].configuration.environment['with-dash']",
                "not a Lambda environment variable name (a letter, then letters, digits and '_')"));
  }

  private List<FieldError> errors(String configuration) {
    return errors("medication-aws", configuration);
  }

  private List<FieldError> errors(String target, String configuration) {
    String sections =
        "\"lambda\":{\"target\":\""
            + target
            + "\",\"functions\":[{\"name\":\"api_handler\","
            + "\"artifact\":{\"bucket\":\"medication-artifacts\",\"key\":\"a.zip\"},"
            + "\"configuration\":"
            + configuration
            + "}]}";
    FieldErrors errors = new FieldErrors();
    try {
      check.check(
          new ObjectMapper().readValue(FakeExecution.manifest(sections), ReleaseManifest.class),
          errors);
    } catch (Exception e) {
      throw new AssertionError(e);
    }
    return errors.list();
  }
}
