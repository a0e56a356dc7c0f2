package io.lingma.gateway.error;

/**
 * Client-facing error kinds with their HTTP status and the type/code each client API uses
 * (client-api.md §2.7, §2.8).
 */
public enum ErrorKind {
    INVALID_REQUEST(400, "invalid_request_error", null, "invalid_request_error"),
    INVALID_API_KEY(401, "invalid_request_error", "invalid_api_key", "authentication_error"),
    FORBIDDEN(403, "invalid_request_error", "forbidden", "permission_error"),
    MODEL_NOT_FOUND(404, "invalid_request_error", "model_not_found", "not_found_error"),
    UNKNOWN_URL(404, "invalid_request_error", "unknown_url", "not_found_error"),
    METHOD_NOT_ALLOWED(405, "invalid_request_error", "method_not_allowed", "invalid_request_error"),
    REQUEST_TIMEOUT(408, "invalid_request_error", "request_timeout", "invalid_request_error"),
    REQUEST_TOO_LARGE(413, "invalid_request_error", "request_too_large", "request_too_large"),
    URI_TOO_LONG(414, "invalid_request_error", "uri_too_long", "invalid_request_error"),
    UNSUPPORTED_MEDIA_TYPE(415, "invalid_request_error", "unsupported_media_type", "invalid_request_error"),
    RATE_LIMITED(429, "rate_limit_error", "rate_limit_exceeded", "rate_limit_error"),
    UPSTREAM_QUOTA(429, "rate_limit_error", "insufficient_quota", "rate_limit_error"),
    HEADERS_TOO_LARGE(431, "invalid_request_error", "request_header_fields_too_large", "invalid_request_error"),
    INTERNAL(500, "api_error", "internal_error", "api_error"),
    UPSTREAM_ERROR(502, "api_error", "upstream_error", "api_error"),
    UPSTREAM_AUTH_ERROR(502, "api_error", "upstream_auth_error", "api_error"),
    UPSTREAM_INCOMPLETE(502, "api_error", "upstream_incomplete", "api_error"),
    UPSTREAM_EMPTY_REPLY(502, "api_error", "upstream_empty_reply", "api_error"),
    BACKEND_UNAVAILABLE(503, "api_error", "backend_unavailable", "overloaded_error"),
    BACKEND_UNSUPPORTED(503, "api_error", "backend_unsupported", "overloaded_error"),
    UPSTREAM_TIMEOUT(504, "api_error", "upstream_timeout", "api_error");

    private final int status;
    private final String openAiType;
    private final String openAiCode;
    private final String anthropicType;

    ErrorKind(int status, String openAiType, String openAiCode, String anthropicType) {
        this.status = status;
        this.openAiType = openAiType;
        this.openAiCode = openAiCode;
        this.anthropicType = anthropicType;
    }

    /** @return the HTTP status */
    public int status() {
        return status;
    }

    /** @return OpenAI {@code error.type} */
    public String openAiType() {
        return openAiType;
    }

    /** @return OpenAI {@code error.code}, or null */
    public String openAiCode() {
        return openAiCode;
    }

    /** @return Anthropic {@code error.type} */
    public String anthropicType() {
        return anthropicType;
    }

    /** @return true for 5xx kinds caused by the upstream, which count as circuit-breaker failures */
    public boolean upstreamFault() {
        return status >= 502;
    }
}
