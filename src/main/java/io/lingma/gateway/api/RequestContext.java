package io.lingma.gateway.api;

/**
 * Per-request inputs of normalisation that do not come from the body.
 *
 * @param requestId   the gateway request id ({@code x-request-id}, client-api.md §2.5)
 * @param apiKeyScope the name of the caller's API key ({@code -} when anonymous): what logs record and the tenant
 *                    scope of caches
 * @param settings    the client-API settings in force
 */
public record RequestContext(String requestId, String apiKeyScope, ApiSettings settings) {

    public RequestContext {
        java.util.Objects.requireNonNull(settings, "settings");
    }
}
