package io.countersign.webhook;

import io.countersign.manifest.Patterns;
import jakarta.validation.constraints.NotNull;
import jakarta.validation.constraints.Pattern;
import jakarta.validation.constraints.Size;
import java.util.List;

/**
 * The manifest's {@code webhooks} section: the endpoints to tell of the deployment (and of its
 * rollback), by the names the server configures. A manifest never carries a URL the server would
 * post to.
 */
record WebhookChange(
    @NotNull @Size(min = 1, max = 5)
        List<@NotNull @Pattern(regexp = Patterns.NAME, message = Patterns.NAME_MESSAGE) String>
            endpoints) {}
