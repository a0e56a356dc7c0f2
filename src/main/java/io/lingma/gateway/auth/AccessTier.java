package io.lingma.gateway.auth;

/**
 * Who may call an endpoint (issue 9 §1, client-api.md §2.1, §2.2).
 */
public enum AccessTier {
    /** Liveness, readiness, version: anyone, and they reveal nothing secret. */
    OPEN,
    /** The client APIs ({@code /v1/*}, {@code /api/*}, {@code /responses}): an API key. */
    API,
    /** Admin endpoints ({@code /internal/*}): {@code gateway.auth.admin-token}, else an API key. */
    ADMIN,
    /** The management port's {@code /observe/metrics}: {@code gateway.auth.metrics-token}, else an API key. */
    METRICS;

    /**
     * @param path a route's path template on the client port, e.g. {@code /v1/models/{model}}
     * @return the tier that protects it
     */
    public static AccessTier forPath(String path) {
        String p = path == null || path.isEmpty() ? "/" : path.startsWith("/") ? path : "/" + path;
        if (p.equals("/internal") || p.startsWith("/internal/")) {
            return ADMIN;
        }
        if (p.startsWith("/v1/") || p.equals("/v1") || p.startsWith("/api/") || p.equals("/responses")) {
            return API;
        }
        return OPEN;
    }
}
