package io.lingma.gateway.api;

/**
 * Per-request context.
 *
 * @param requestId   request id
 * @param apiKeyScope key scope
 * @param settings    API settings
 */
public record RequestContext(String requestId, String apiKeyScope, ApiSettings settings) {
}
