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
     * @param props     the gateway properties
     * @param baseUrl   a base URL overriding {@code gateway.remote.base-url} (the embedded simulator's), or null
     * @param cacheDir  a plugin cache directory overriding {@code gateway.remote.cache-dir}, or null
     * @param stateFile a state file overriding {@code gateway.remote.base-url-state-file} (the embedded
     *                  simulator's), or null
     * @return the remote settings; unset keys keep {@link RemoteSettings#defaults()}
     * @throws IllegalArgumentException for invalid values (fatal at start)
     */
    static RemoteSettings from(GatewayProperties props, String baseUrl, Path cacheDir, Path stateFile) {
        RemoteSettings d = RemoteSettings.defaults();
        String cache = props.string("gateway.remote.cache-dir", "");
        String auth = props.string("gateway.remote.auth-file", "");
        String models = props.string("gateway.remote.fallback.models", "");
        String state = props.string("gateway.remote.base-url-state-file", "");
        RemoteSettings.Builder b = d.toBuilder()
                .baseUrl(baseUrl != null ? baseUrl : props.string("gateway.remote.base-url", d.baseUrl()))
                .cacheDir(cacheDir != null ? cacheDir : cache.isEmpty() ? d.cacheDir() : Path.of(cache))
                .cachePrefer(RemoteSettings.CachePrefer.parse(props.string("gateway.remote.cache-prefer", "qodercn")))
                .authFile(auth.isEmpty() ? d.authFile() : Path.of(auth))
                .credential(props.string("gateway.remote.cosy-key", ""),
                        props.string("gateway.remote.encrypt-user-info", ""),
                        props.string("gateway.remote.user-id", ""), props.string("gateway.remote.machine-id", ""))
                .version(props.string("gateway.remote.version", d.version()))
                .userType(props.string("gateway.remote.user-type", d.userType()))
                .businessProfile(RemoteSettings.BusinessProfile.parse(
                        props.string("gateway.remote.business-profile", "jb_plugin")))
                .headers(props.group("gateway.remote.headers."))
                .encodeBody(props.bool("gateway.remote.encode-body", d.encodeBody()))
                .connectTimeout(props.duration("gateway.remote.connect-timeout", d.connectTimeout()))
                .firstByteTimeout(props.duration("gateway.remote.first-byte-timeout", d.firstByteTimeout()))
                .idleTimeout(props.duration("gateway.remote.idle-timeout", d.idleTimeout()))
                .attemptTimeout(props.duration("gateway.remote.attempt-timeout", d.attemptTimeout()))
                .modelsTimeout(props.duration("gateway.remote.models-timeout", d.modelsTimeout()))
                .modelsTtl(props.duration("gateway.remote.models-ttl", d.modelsTtl()))
                .showDisabledModels(props.bool("gateway.remote.show-disabled-models", d.showDisabledModels()))
                .fallbackEnabled(props.bool("gateway.remote.fallback.enabled", d.fallbackEnabled()))
                .fallbackModels(models.isEmpty() ? d.fallbackModels() : csv(models))
                .fallbackMaxAttempts(props.integer("gateway.remote.fallback.max-attempts", d.fallbackMaxAttempts()))
                .busyRetries(props.integer("gateway.remote.busy-retries", d.busyRetries()))
                .busyRetryDelay(props.duration("gateway.remote.busy-retry-delay", d.busyRetryDelay()))
                .doneGrace(props.duration("gateway.remote.done-grace", d.doneGrace()))
                .forwardMaxTokens(props.bool("gateway.remote.forward-max-tokens", d.forwardMaxTokens()))
                .maxTokensCap(props.integer("gateway.remote.max-tokens-cap", d.maxTokensCap()))
                .maxSseLine(props.integer("gateway.remote.max-sse-line", d.maxSseLine()))
                .defaultTemperature(Double.parseDouble(props.string("gateway.remote.default-temperature", "0.1")))
                .expiryMargin(props.duration("gateway.remote.expiry-margin", d.expiryMargin()))
                .toolMode(RemoteSettings.ToolMode.parse(props.string("gateway.remote.tool-mode", "native")))
                .maxBufferedBytes(props.bytes("gateway.stream.max-buffered-bytes", d.maxBufferedBytes()));
        if (stateFile != null || !state.isEmpty()) {
            b.baseUrlStateFile(stateFile != null ? stateFile : Path.of(state));
        }
        return b.build();
    }

    private static List<String> csv(String value) {
        return Arrays.stream(value.split("[,\\n]")).map(String::trim).filter(s -> !s.isEmpty()).toList();
    }
}
