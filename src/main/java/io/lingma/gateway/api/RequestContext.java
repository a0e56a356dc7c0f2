package io.lingma.gateway.api;

/**
 * Per-request inputs of normalisation that do not come from the body.
 *
 * @param requestId   the gateway request id ({@code x-request-id}, client-api.md §2.5)
 * @param apiKeyScope tenant scope for caches (short hash of the caller's API key) or {@code -}
 * @param settings    the client-API settings in force
 */
public record RequestContext(String requestId, String apiKeyScope, ApiSettings settings) {

    public RequestContext {
        java.util.Objects.requireNonNull(settings, "settings");
    }
}
