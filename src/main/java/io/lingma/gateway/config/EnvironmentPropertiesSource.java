package io.lingma.gateway.config;

import org.apache.camel.Ordered;
import org.apache.camel.spi.PropertiesSource;

import java.util.Locale;
import java.util.Map;

/**
 * Environment variables as a property source ranked above the property files: {@code gateway.http.port} is read
 * from {@code GATEWAY_HTTP_PORT} (upper case, {@code .} and {@code -} become {@code _}), and a few names of the
 * existing Lingma proxies are accepted as aliases (client-api.md §15 "Compatibility names").
 */
public final class EnvironmentPropertiesSource implements PropertiesSource, Ordered {

    private static final Map<String, String> ALIASES = Map.ofEntries(
            Map.entry("gateway.http.host", "LINGMA_PROXY_HOST"),
            Map.entry("gateway.http.port", "LINGMA_PROXY_PORT"),
            Map.entry("gateway.backend", "LINGMA_PROXY_BACKEND"),
            Map.entry("gateway.default-model", "LINGMA_PROXY_MODEL"),
            Map.entry("gateway.concurrency.max-in-flight", "LINGMA_PROXY_MAX_CONCURRENT"),
            Map.entry("gateway.ipc.session-mode", "LINGMA_PROXY_SESSION_MODE"),
            Map.entry("gateway.ipc.ws-url", "LINGMA_PROXY_WS_URL"),
            Map.entry("gateway.ipc.discovery-file", "LINGMA_SHARED_CLIENT_INFO"),
            Map.entry("gateway.ipc.cwd", "LINGMA_PROXY_CWD"),
            Map.entry("gateway.ipc.mode", "LINGMA_PROXY_MODE"),
            Map.entry("gateway.ipc.shell-type", "LINGMA_PROXY_SHELL_TYPE"),
            Map.entry("gateway.ipc.current-file-path", "LINGMA_PROXY_CURRENT_FILE_PATH"),
            Map.entry("gateway.remote.auth-file", "LINGMA_REMOTE_AUTH_FILE"),
            Map.entry("gateway.auth.api-keys", "API_KEYS"),
            Map.entry("gateway.auth.admin-token", "ADMIN_TOKEN"),
            Map.entry("gateway.auth.metrics-token", "METRICS_TOKEN"),
            Map.entry("gateway.tools.aggregate-stream", "LINGMA_AGGREGATE_TOOL_STREAM"),
            Map.entry("gateway.tools.allowlist", "TOOL_ALLOWLIST"),
            Map.entry("gateway.remote.version", "LINGMA_REMOTE_VERSION"),
            Map.entry("gateway.remote.fallback.enabled", "LINGMA_REMOTE_FALLBACK_ENABLED"),
            Map.entry("gateway.remote.fallback.models", "LINGMA_REMOTE_FALLBACK_MODELS"));

    private final Map<String, String> env;

    /** @param env the process environment (injectable for tests) */
    public EnvironmentPropertiesSource(Map<String, String> env) {
        this.env = env;
    }

    /**
     * @param key a property key such as {@code gateway.http.port}
     * @return the environment name it is read from, e.g. {@code GATEWAY_HTTP_PORT}
     */
    public static String environmentName(String key) {
        return key.toUpperCase(Locale.ROOT).replace('.', '_').replace('-', '_');
    }

    @Override
    public String getName() {
        return "ENV";
    }

    @Override
    public String getProperty(String name) {
        if (!name.startsWith("gateway.")) {
            return null; // camel.* keys keep Camel's own CAMEL_* handling
        }
        String value = env.get(environmentName(name));
        if (value == null && ALIASES.containsKey(name)) {
            value = env.get(ALIASES.get(name));
        }
        return value;
    }

    @Override
    public int getOrder() {
        return Ordered.HIGHEST;
    }
}
