package io.lingma.gateway.lingma.remote;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Every {@code gateway.remote.*} setting of the Lingma remote HTTP client (lingma-remote.md §2–§10, §12;
 * client-api.md §9.6, §10.1). Immutable; build variants with {@link #toBuilder()}. {@link #toString()} never
 * shows the credential values.
 *
 * @param baseUrl            {@code gateway.remote.base-url}: explicit API base such as
 *                           {@code https://lingma.alibabacloud.com}; empty (default) = resolve (§2.2). An explicit
 *                           value bypasses the host allow-list and may use {@code http}
 * @param baseUrlStateFile   {@code gateway.remote.base-url-state-file}: where a probed base URL is remembered
 *                           for 30 days (§2.4); null (default) = {@code ~/.lingma-gateway/remote-base-url.json}
 * @param cacheDir           {@code gateway.remote.cache-dir}: the only plugin cache directory to search (§3.2);
 *                           null (default) = env {@code LINGMA_CACHE_DIR}, else the built-in list
 * @param cachePrefer        {@code gateway.remote.cache-prefer}: {@code qodercn} (default) or {@code lingma}:
 *                           which family of cache directories is tried first (§3.2)
 * @param authFile           {@code gateway.remote.auth-file}: explicit credential file (§3.6); null (default) =
 *                           env {@code LINGMA_REMOTE_AUTH_FILE}, else discovery
 * @param cosyKey            {@code gateway.remote.cosy-key}: credential value given directly (secret); empty
 *                           (default) = not given. All four direct values must be set to be used (§3.1)
 * @param encryptUserInfo    {@code gateway.remote.encrypt-user-info}: direct value (secret); default empty
 * @param userId             {@code gateway.remote.user-id}: direct value; default empty
 * @param machineId          {@code gateway.remote.machine-id}: direct value (secret); default empty
 * @param version            {@code gateway.remote.version}: {@code Cosy-Version} header, auth-payload
 *                           {@code cosyVersion} and {@code business.version}; default {@code 2.11.2} (§4.2)
 * @param userType           {@code gateway.remote.user-type}: {@code aliyun_user_type}; empty (default) =
 *                           {@code enterprise_standard} on {@code *.rdc.aliyuncs.com}, else
 *                           {@code personal_standard} (§6.2)
 * @param businessProfile    {@code gateway.remote.business-profile}: {@code jb_plugin} (default, JetBrains plugin
 *                           shape) or {@code ide} (standalone IDE shape) of the chat {@code business} object (§6.2)
 * @param encodeBody         {@code gateway.remote.encode-body}: send the chat body with {@code Encode=1} (§5);
 *                           default false
 * @param headers            {@code gateway.remote.headers.<Name>}: header overrides applied after the default
 *                           set (§4.2); an empty value removes the header; default none
 * @param connectTimeout     {@code gateway.remote.connect-timeout}: TCP/TLS connect timeout; default 10 s (§10)
 * @param firstByteTimeout   {@code gateway.remote.first-byte-timeout}: wait for response headers; default 60 s
 * @param idleTimeout        {@code gateway.remote.idle-timeout}: longest silence between SSE lines; default
 *                           120 s
 * @param attemptTimeout     {@code gateway.remote.attempt-timeout}: deadline of one chat attempt; default
 *                           600 s; {@link Duration#ZERO} = none
 * @param modelsTimeout      {@code gateway.remote.models-timeout}: model-list call timeout; default 15 s
 * @param modelsTtl          {@code gateway.remote.models-ttl}: lifetime of the cached model list; default 5 min
 * @param showDisabledModels {@code gateway.remote.show-disabled-models}: list {@code enable:false} models too
 *                           (§6.1); default false
 * @param fallbackEnabled    {@code gateway.remote.fallback.enabled}: ordered model fallback (§9.2); default true
 * @param fallbackModels     {@code gateway.remote.fallback.models}: model keys in fallback order; default the
 *                           §9.2 list {@code kmodel, mmodel, dashscope_qwen3_coder, dashscope_qmodel,
 *                           dashscope_qwen_max_latest, dashscope_qwen_plus_20250428_thinking}
 * @param fallbackMaxAttempts {@code gateway.remote.fallback.max-attempts}: attempts per request, primary
 *                           included; default 4
 * @param busyRetries        {@code gateway.remote.busy-retries}: same-model retries after a {@code busy} answer
 *                           (§8.3); default 2
 * @param busyRetryDelay     {@code gateway.remote.busy-retry-delay}: wait before a busy retry when the upstream
 *                           gives no {@code retryAfterSeconds}; default 2 s
 * @param doneGrace          {@code gateway.remote.done-grace}: how long to keep reading after an envelope
 *                           {@code [DONE]} for the finish frame (§7.4); default 2 s
 * @param forwardMaxTokens   {@code gateway.remote.forward-max-tokens}: send {@code parameters.max_tokens}
 *                           (§6.2); default false
 * @param maxTokensCap       {@code gateway.remote.max-tokens-cap}: upper bound of a forwarded
 *                           {@code max_tokens}, in tokens; default 16384
 * @param toolMode           {@code gateway.remote.tool-mode}: {@code native} (default, tools in the body) or
 *                           {@code emulate} (no {@code tools}/{@code tool_choice} sent; client-api.md §10.1)
 * @param defaultTemperature {@code gateway.remote.default-temperature}: {@code parameters.temperature} when the
 *                           client sends none; default 0.1
 * @param maxSseLine         {@code gateway.remote.max-sse-line}: longest accepted SSE line, in characters;
 *                           default 16 MiB (§7.2)
 * @param expiryMargin       {@code gateway.remote.expiry-margin}: a credential counts as expired this long before
 *                           its {@code expire_time} (§3.7, reported only); default 60 s
 * @param maxBufferedBytes   {@code gateway.stream.max-buffered-bytes}: characters of content read ahead of a
 *                           client that reads slowly; then the gateway stops reading the stream until the client
 *                           catches up (TCP backpressure upstream); default 1 MiB
 */
public record RemoteSettings(String baseUrl, Path baseUrlStateFile, Path cacheDir, CachePrefer cachePrefer,
                             Path authFile, String cosyKey, String encryptUserInfo, String userId, String machineId,
                             String version, String userType, BusinessProfile businessProfile, boolean encodeBody,
                             Map<String, String> headers, Duration connectTimeout, Duration firstByteTimeout,
                             Duration idleTimeout, Duration attemptTimeout, Duration modelsTimeout,
                             Duration modelsTtl, boolean showDisabledModels, boolean fallbackEnabled,
                             List<String> fallbackModels, int fallbackMaxAttempts, int busyRetries,
                             Duration busyRetryDelay, Duration doneGrace, boolean forwardMaxTokens, int maxTokensCap,
                             ToolMode toolMode, double defaultTemperature, int maxSseLine, Duration expiryMargin,
                             long maxBufferedBytes) {

    /** Which family of plugin cache directories is searched first (lingma-remote.md §3.2). */
    public enum CachePrefer {
        QODERCN, LINGMA
    }

    /** Shape of the chat body's {@code business} object (lingma-remote.md §6.2). */
    public enum BusinessProfile {
        /** JetBrains plugin shape used by lingma-proxy: {@code product:"jb_plugin"}, {@code type:"memory"}. */
        JB_PLUGIN,
        /** Standalone Lingma IDE shape used by lingma-tap: {@code product:"ide"}, {@code type:"chat"}. */
        IDE
    }

    /** How tools reach the remote model (client-api.md §10.1). */
    public enum ToolMode {
        /** {@code tools}/{@code tool_choice} forwarded in the body. */
        NATIVE,
        /** Nothing forwarded; the caller puts a tool contract in the system message. */
        EMULATE
    }

    /** Normalises nulls; validates ranges. */
    public RemoteSettings {
        baseUrl = trimToEmpty(baseUrl);
        Objects.requireNonNull(cachePrefer, "cachePrefer");
        cosyKey = trimToEmpty(cosyKey);
        encryptUserInfo = trimToEmpty(encryptUserInfo);
        userId = trimToEmpty(userId);
        machineId = trimToEmpty(machineId);
        version = trimToEmpty(version);
        userType = trimToEmpty(userType);
        Objects.requireNonNull(businessProfile, "businessProfile");
        headers = headers == null ? Map.of() : java.util.Collections.unmodifiableMap(new LinkedHashMap<>(headers));
        fallbackModels = List.copyOf(fallbackModels);
        Objects.requireNonNull(toolMode, "toolMode");
        Objects.requireNonNull(connectTimeout, "connectTimeout");
        Objects.requireNonNull(firstByteTimeout, "firstByteTimeout");
        Objects.requireNonNull(idleTimeout, "idleTimeout");
        Objects.requireNonNull(attemptTimeout, "attemptTimeout");
        Objects.requireNonNull(modelsTimeout, "modelsTimeout");
        Objects.requireNonNull(modelsTtl, "modelsTtl");
        Objects.requireNonNull(busyRetryDelay, "busyRetryDelay");
        Objects.requireNonNull(doneGrace, "doneGrace");
        Objects.requireNonNull(expiryMargin, "expiryMargin");
        if (version.isEmpty()) {
            throw new IllegalArgumentException("gateway.remote.version must not be empty");
        }
        if (fallbackMaxAttempts < 1) {
            throw new IllegalArgumentException("gateway.remote.fallback.max-attempts must be >= 1");
        }
        if (busyRetries < 0) {
            throw new IllegalArgumentException("gateway.remote.busy-retries must be >= 0");
        }
        if (maxTokensCap < 1) {
            throw new IllegalArgumentException("gateway.remote.max-tokens-cap must be >= 1");
        }
        if (maxSseLine < 1024) {
            throw new IllegalArgumentException("gateway.remote.max-sse-line must be >= 1024");
        }
        if (maxBufferedBytes < 1) {
            throw new IllegalArgumentException("gateway.stream.max-buffered-bytes must be >= 1");
        }
    }

    /** @return true when all four credential values were given directly (lingma-remote.md §3.1) */
    public boolean hasDirectCredential() {
        return !cosyKey.isEmpty() && !encryptUserInfo.isEmpty() && !userId.isEmpty() && !machineId.isEmpty();
    }

    /** @return true when any of the four credential values was given directly */
    public boolean hasAnyDirectCredentialValue() {
        return !cosyKey.isEmpty() || !encryptUserInfo.isEmpty() || !userId.isEmpty() || !machineId.isEmpty();
    }

    /** @return a builder pre-filled with these values */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * @return an empty builder; every setting must be given (the defaults live in application.properties only,
     * read by the gateway's settings factory)
     */
    public static Builder builder() {
        return new Builder();
    }

    /** Never shows credential values; direct values are reported as set/unset only. */
    @Override
    public String toString() {
        return "RemoteSettings[baseUrl=" + baseUrl + ", cacheDir=" + cacheDir + ", cachePrefer=" + cachePrefer
                + ", authFile=" + authFile + ", directCredential=" + (hasAnyDirectCredentialValue() ? "set" : "unset")
                + ", version=" + version + ", userType=" + userType + ", businessProfile=" + businessProfile
                + ", encodeBody=" + encodeBody + ", headers=" + headers.keySet() + ", connectTimeout="
                + connectTimeout + ", firstByteTimeout=" + firstByteTimeout + ", idleTimeout=" + idleTimeout
                + ", attemptTimeout=" + attemptTimeout + ", modelsTimeout=" + modelsTimeout + ", modelsTtl="
                + modelsTtl + ", showDisabledModels=" + showDisabledModels + ", fallbackEnabled=" + fallbackEnabled
                + ", fallbackModels=" + fallbackModels + ", fallbackMaxAttempts=" + fallbackMaxAttempts
                + ", busyRetries=" + busyRetries + ", doneGrace=" + doneGrace + ", forwardMaxTokens="
                + forwardMaxTokens + ", maxTokensCap=" + maxTokensCap + ", toolMode=" + toolMode + "]";
    }

    private static String trimToEmpty(String value) {
        return value == null ? "" : value.trim();
    }


    /** Mutable builder of {@link RemoteSettings}; each setter names its property key. */
    public static final class Builder {
        private String baseUrl;
        private Path baseUrlStateFile;
        private Path cacheDir;
        private CachePrefer cachePrefer;
        private Path authFile;
        private String cosyKey;
        private String encryptUserInfo;
        private String userId;
        private String machineId;
        private String version;
        private String userType;
        private BusinessProfile businessProfile;
        private boolean encodeBody;
        private Map<String, String> headers;
        private Duration connectTimeout;
        private Duration firstByteTimeout;
        private Duration idleTimeout;
        private Duration attemptTimeout;
        private Duration modelsTimeout;
        private Duration modelsTtl;
        private boolean showDisabledModels;
        private boolean fallbackEnabled;
        private List<String> fallbackModels;
        private int fallbackMaxAttempts;
        private int busyRetries;
        private Duration busyRetryDelay;
        private Duration doneGrace;
        private boolean forwardMaxTokens;
        private int maxTokensCap;
        private ToolMode toolMode;
        private double defaultTemperature;
        private int maxSseLine;
        private Duration expiryMargin;
        private long maxBufferedBytes;

        private Builder() {
            headers = new LinkedHashMap<>();
        }

        private Builder(RemoteSettings s) {
            baseUrl = s.baseUrl;
            baseUrlStateFile = s.baseUrlStateFile;
            cacheDir = s.cacheDir;
            cachePrefer = s.cachePrefer;
            authFile = s.authFile;
            cosyKey = s.cosyKey;
            encryptUserInfo = s.encryptUserInfo;
            userId = s.userId;
            machineId = s.machineId;
            version = s.version;
            userType = s.userType;
            businessProfile = s.businessProfile;
            encodeBody = s.encodeBody;
            headers = new LinkedHashMap<>(s.headers);
            connectTimeout = s.connectTimeout;
            firstByteTimeout = s.firstByteTimeout;
            idleTimeout = s.idleTimeout;
            attemptTimeout = s.attemptTimeout;
            modelsTimeout = s.modelsTimeout;
            modelsTtl = s.modelsTtl;
            showDisabledModels = s.showDisabledModels;
            fallbackEnabled = s.fallbackEnabled;
            fallbackModels = s.fallbackModels;
            fallbackMaxAttempts = s.fallbackMaxAttempts;
            busyRetries = s.busyRetries;
            busyRetryDelay = s.busyRetryDelay;
            doneGrace = s.doneGrace;
            forwardMaxTokens = s.forwardMaxTokens;
            maxTokensCap = s.maxTokensCap;
            toolMode = s.toolMode;
            defaultTemperature = s.defaultTemperature;
            maxSseLine = s.maxSseLine;
            expiryMargin = s.expiryMargin;
            maxBufferedBytes = s.maxBufferedBytes;
        }

        /** @param v {@code gateway.remote.base-url} @return this */
        public Builder baseUrl(String v) { baseUrl = v; return this; }

        /** @param v {@code gateway.remote.base-url-state-file} @return this */
        public Builder baseUrlStateFile(Path v) { baseUrlStateFile = v; return this; }

        /** @param v {@code gateway.remote.cache-dir} @return this */
        public Builder cacheDir(Path v) { cacheDir = v; return this; }

        /** @param v {@code gateway.remote.cache-prefer} @return this */
        public Builder cachePrefer(CachePrefer v) { cachePrefer = v; return this; }

        /** @param v {@code gateway.remote.auth-file} @return this */
        public Builder authFile(Path v) { authFile = v; return this; }

        /**
         * Sets the four credential values given directly (secrets).
         *
         * @param cosyKey         {@code gateway.remote.cosy-key}
         * @param encryptUserInfo {@code gateway.remote.encrypt-user-info}
         * @param userId          {@code gateway.remote.user-id}
         * @param machineId       {@code gateway.remote.machine-id}
         * @return this
         */
        public Builder credential(String cosyKey, String encryptUserInfo, String userId, String machineId) {
            this.cosyKey = cosyKey;
            this.encryptUserInfo = encryptUserInfo;
            this.userId = userId;
            this.machineId = machineId;
            return this;
        }

        /** @param v {@code gateway.remote.version} @return this */
        public Builder version(String v) { version = v; return this; }

        /** @param v {@code gateway.remote.user-type} @return this */
        public Builder userType(String v) { userType = v; return this; }

        /** @param v {@code gateway.remote.business-profile} @return this */
        public Builder businessProfile(BusinessProfile v) { businessProfile = v; return this; }

        /** @param v {@code gateway.remote.encode-body} @return this */
        public Builder encodeBody(boolean v) { encodeBody = v; return this; }

        /** @param v {@code gateway.remote.headers.*}: name → value, empty value removes @return this */
        public Builder headers(Map<String, String> v) { headers = new LinkedHashMap<>(v); return this; }

        /** @param name header name @param value value, empty removes @return this */
        public Builder header(String name, String value) { headers.put(name, value); return this; }

        /** @param v {@code gateway.remote.connect-timeout} @return this */
        public Builder connectTimeout(Duration v) { connectTimeout = v; return this; }

        /** @param v {@code gateway.remote.first-byte-timeout} @return this */
        public Builder firstByteTimeout(Duration v) { firstByteTimeout = v; return this; }

        /** @param v {@code gateway.remote.idle-timeout} @return this */
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }

        /** @param v {@code gateway.remote.attempt-timeout} @return this */
        public Builder attemptTimeout(Duration v) { attemptTimeout = v; return this; }

        /** @param v {@code gateway.remote.models-timeout} @return this */
        public Builder modelsTimeout(Duration v) { modelsTimeout = v; return this; }

        /** @param v {@code gateway.remote.models-ttl} @return this */
        public Builder modelsTtl(Duration v) { modelsTtl = v; return this; }

        /** @param v {@code gateway.remote.show-disabled-models} @return this */
        public Builder showDisabledModels(boolean v) { showDisabledModels = v; return this; }

        /** @param v {@code gateway.remote.fallback.enabled} @return this */
        public Builder fallbackEnabled(boolean v) { fallbackEnabled = v; return this; }

        /** @param v {@code gateway.remote.fallback.models} @return this */
        public Builder fallbackModels(List<String> v) { fallbackModels = v; return this; }

        /** @param v {@code gateway.remote.fallback.max-attempts} @return this */
        public Builder fallbackMaxAttempts(int v) { fallbackMaxAttempts = v; return this; }

        /** @param v {@code gateway.remote.busy-retries} @return this */
        public Builder busyRetries(int v) { busyRetries = v; return this; }

        /** @param v {@code gateway.remote.busy-retry-delay} @return this */
        public Builder busyRetryDelay(Duration v) { busyRetryDelay = v; return this; }

        /** @param v {@code gateway.remote.done-grace} @return this */
        public Builder doneGrace(Duration v) { doneGrace = v; return this; }

        /** @param v {@code gateway.remote.forward-max-tokens} @return this */
        public Builder forwardMaxTokens(boolean v) { forwardMaxTokens = v; return this; }

        /** @param v {@code gateway.remote.max-tokens-cap} @return this */
        public Builder maxTokensCap(int v) { maxTokensCap = v; return this; }

        /** @param v {@code gateway.remote.tool-mode} @return this */
        public Builder toolMode(ToolMode v) { toolMode = v; return this; }

        /** @param v {@code gateway.remote.default-temperature} @return this */
        public Builder defaultTemperature(double v) { defaultTemperature = v; return this; }

        /** @param v {@code gateway.remote.max-sse-line} @return this */
        public Builder maxSseLine(int v) { maxSseLine = v; return this; }

        /** @param v {@code gateway.remote.expiry-margin} @return this */
        public Builder expiryMargin(Duration v) { expiryMargin = v; return this; }

        /** @param v {@code gateway.stream.max-buffered-bytes} @return this */
        public Builder maxBufferedBytes(long v) { maxBufferedBytes = v; return this; }

        /**
         * @return the settings
         * @throws IllegalArgumentException when a value is out of range
         */
        public RemoteSettings build() {
            return new RemoteSettings(baseUrl, baseUrlStateFile, cacheDir, cachePrefer, authFile, cosyKey,
                    encryptUserInfo, userId, machineId, version, userType, businessProfile, encodeBody, headers,
                    connectTimeout, firstByteTimeout, idleTimeout, attemptTimeout, modelsTimeout, modelsTtl,
                    showDisabledModels, fallbackEnabled, fallbackModels, fallbackMaxAttempts, busyRetries,
                    busyRetryDelay, doneGrace, forwardMaxTokens, maxTokensCap, toolMode, defaultTemperature,
                    maxSseLine, expiryMargin, maxBufferedBytes);
        }
    }
}
