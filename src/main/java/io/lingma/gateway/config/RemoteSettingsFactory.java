package io.lingma.gateway.config;

import io.lingma.gateway.lingma.remote.RemoteSettings;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;

/** Reads {@link RemoteSettings} from the {@code gateway.remote.*} properties (lingma-remote.md). */
final class RemoteSettingsFactory {

    private RemoteSettingsFactory() {
    }

    /**
     * @param props     the gateway properties (defaults: application.properties)
     * @param baseUrl   a base URL overriding {@code gateway.remote.base-url} (the embedded simulator's), or null
     * @param cacheDir  a plugin cache directory overriding {@code gateway.remote.cache-dir}, or null
     * @param stateFile a state file overriding {@code gateway.remote.base-url-state-file} (the embedded
     *                  simulator's), or null
     * @return the remote settings
     * @throws InvalidSettingException for a missing or invalid value (fatal at start)
     */
    static RemoteSettings from(GatewayProperties props, String baseUrl, Path cacheDir, Path stateFile) {
        String url = props.string("gateway.remote.base-url");
        String state = props.string("gateway.remote.base-url-state-file");
        String cache = props.string("gateway.remote.cache-dir");
        String auth = props.string("gateway.remote.auth-file");
        return RemoteSettings.builder()
                .baseUrl(baseUrl != null ? baseUrl : url)
                .baseUrlStateFile(stateFile != null ? stateFile : state.isEmpty() ? null : Path.of(state))
                .cacheDir(cacheDir != null ? cacheDir : cache.isEmpty() ? null : Path.of(cache))
                .cachePrefer(props.enumValue("gateway.remote.cache-prefer", RemoteSettings.CachePrefer.class))
                .authFile(auth.isEmpty() ? null : Path.of(auth))
                .credential(props.string("gateway.remote.cosy-key"), props.string("gateway.remote.encrypt-user-info"),
                        props.string("gateway.remote.user-id"), props.string("gateway.remote.machine-id"))
                .expiryMargin(props.duration("gateway.remote.expiry-margin"))
                .version(props.parsed("gateway.remote.version", RemoteSettingsFactory::nonEmpty, "a version such as 2.11.2"))
                .userType(props.string("gateway.remote.user-type"))
                .businessProfile(props.enumValue("gateway.remote.business-profile",
                        RemoteSettings.BusinessProfile.class))
                .encodeBody(props.bool("gateway.remote.encode-body"))
                .headers(props.group("gateway.remote.headers."))
                .connectTimeout(props.positiveDuration("gateway.remote.connect-timeout"))
                .firstByteTimeout(props.positiveDuration("gateway.remote.first-byte-timeout"))
                .idleTimeout(props.positiveDuration("gateway.remote.idle-timeout"))
                .attemptTimeout(props.duration("gateway.remote.attempt-timeout"))
                .modelsTimeout(props.positiveDuration("gateway.remote.models-timeout"))
                .modelsTtl(props.duration("gateway.remote.models-ttl"))
                .showDisabledModels(props.bool("gateway.remote.show-disabled-models"))
                .fallbackEnabled(props.bool("gateway.remote.fallback.enabled"))
                .fallbackModels(csv(props.string("gateway.remote.fallback.models")))
                .fallbackMaxAttempts(props.integer("gateway.remote.fallback.max-attempts", 1))
                .busyRetries(props.integer("gateway.remote.busy-retries", 0))
                .busyRetryDelay(props.duration("gateway.remote.busy-retry-delay"))
                .doneGrace(props.duration("gateway.remote.done-grace"))
                .maxSseLine(props.integer("gateway.remote.max-sse-line", 1024))
                .forwardMaxTokens(props.bool("gateway.remote.forward-max-tokens"))
                .maxTokensCap(props.integer("gateway.remote.max-tokens-cap", 1))
                .defaultTemperature(props.parsed("gateway.remote.default-temperature",
                        RemoteSettingsFactory::temperature, "a number from 0 to 2"))
                .toolMode(props.enumValue("gateway.remote.tool-mode", RemoteSettings.ToolMode.class))
                .maxBufferedBytes(props.bytes("gateway.stream.max-buffered-bytes", 1, Long.MAX_VALUE))
                .build();
    }

    private static List<String> csv(String value) {
        return Arrays.stream(value.split("[,\\n]")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }

    private static String nonEmpty(String value) {
        if (value.isEmpty()) {
            throw new IllegalArgumentException("empty");
        }
        return value;
    }

    private static double temperature(String value) {
        double t = Double.parseDouble(value);
        if (!(t >= 0 && t <= 2)) {
            throw new IllegalArgumentException("out of range");
        }
        return t;
    }
}
