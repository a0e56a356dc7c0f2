package io.lingma.gateway.lingma.ipc;

import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * Every {@code gateway.ipc.*} setting of the Lingma local IPC client and backend (lingma-ipc.md §3, §5, §6, §11;
 * client-api.md §11). Immutable; build variants with {@link #toBuilder()}. The Camel wiring maps properties to
 * this record; enum-like values are parsed with the {@code parse} methods of the nested enums, which reject
 * unknown values (invalid enum values are fatal at start, client-api.md §15).
 *
 * @param wsUrl                  {@code gateway.ipc.ws-url}: explicit {@code ws://}/{@code wss://} URL of the
 *                               Lingma endpoint; empty (default) = discover it (lingma-ipc.md §3.5)
 * @param wsPath                 {@code gateway.ipc.ws-path}: path of discovered WebSocket endpoints; default
 *                               {@code /}
 * @param wsHeaders              {@code gateway.ipc.ws-headers}: extra handshake headers as {@code Name: value}
 *                               pairs separated by {@code ;}; default empty
 * @param machineTokenFile       {@code gateway.ipc.machine-token-file}: path of {@code machine_token.json}; null
 *                               (default) = {@code cache/machine_token.json} next to the discovery file. When the
 *                               handshake to {@code /} is answered 401/403/404 and a token exists, the client
 *                               retries once on {@code /ws} with header {@code Cosy-MachineToken} (§3.5)
 * @param discoveryFile          {@code gateway.ipc.discovery-file}: explicit {@code .info.json}/{@code .info}
 *                               path; null (default) = the candidate list of §3.2
 * @param discoveryPrefer        {@code gateway.ipc.discovery-prefer}: {@code qodercn} (default) or
 *                               {@code lingma}: which family of discovery locations is tried first
 * @param sessionMode            {@code gateway.ipc.session-mode}: {@code auto} (default), {@code fresh} or
 *                               {@code reuse} (client-api.md §11)
 * @param handshakeTimeout       {@code gateway.ipc.handshake-timeout}: WebSocket handshake timeout; default 5 s;
 *                               also the timeout of {@code ping}
 * @param setupTimeout           {@code gateway.ipc.setup-timeout}: timeout of connect + {@code initialize},
 *                               {@code session/new} and {@code session/set_model} each; default 15 s
 * @param modelsTimeout          {@code gateway.ipc.models-timeout}: {@code config/queryModels} timeout; default
 *                               15 s
 * @param deleteTimeout          {@code gateway.ipc.delete-timeout}: {@code chat/deleteSessionById} timeout;
 *                               default 10 s
 * @param idleTimeout            {@code gateway.ipc.idle-timeout}: longest silence within a turn; default 180 s
 * @param turnTimeout            {@code gateway.ipc.turn-timeout}: deadline of a whole turn; default 600 s;
 *                               {@link Duration#ZERO} = none
 * @param finishGrace            {@code gateway.ipc.finish-grace}: how long to wait for {@code chat_finish} after
 *                               a {@code session/prompt} success carrying {@code stopReason}; default 2 s
 * @param modelsTtl              {@code gateway.ipc.models-ttl}: lifetime of the cached model catalogue; default
 *                               5 min
 * @param maxConcurrentTurns     {@code gateway.ipc.max-concurrent-turns}: open turns per connection; default 4
 * @param maxFrameBytes          {@code gateway.ipc.max-frame-bytes}: largest accepted frame body in bytes;
 *                               default 64 MiB
 * @param protocolVersion        {@code gateway.ipc.protocol-version}: {@code initialize.protocolVersion}; default
 *                               1
 * @param serverRequestReply     {@code gateway.ipc.server-request-reply}: {@code null} (default,
 *                               {@code result:null}) or {@code method-not-found} ({@code -32601})
 * @param sendCancel             {@code gateway.ipc.send-cancel}: send {@code session/cancel} when a turn is
 *                               abandoned; default true
 * @param partialOnDisconnect    {@code gateway.ipc.partial-on-disconnect}: {@code error} (default,
 *                               {@code upstream_incomplete}), {@code return-partial} or {@code resume}
 * @param cwd                    {@code gateway.ipc.cwd}: agent working directory sent in {@code session/new};
 *                               default {@code ~/.lingma-gateway/agent-cwd}, created on start
 * @param mode                   {@code gateway.ipc.mode}: {@code ai-coding/mode}; default {@code agent}; empty =
 *                               key omitted
 * @param shellType              {@code gateway.ipc.shell-type}: {@code ai-coding/shell-type}; default the
 *                               basename of {@code $SHELL}, {@code powershell} on Windows, else {@code sh}
 * @param currentFilePath        {@code gateway.ipc.current-file-path}: {@code ai-coding/current-file-path};
 *                               null (default) = key omitted
 * @param requestIdPrefix        {@code gateway.ipc.request-id-prefix}: prefix of {@code ai-coding/request-id};
 *                               default {@code gw}
 * @param retryRequestIdPrefix   {@code gateway.ipc.retry-request-id-prefix}: prefix for tool-emulation retry
 *                               prompts; default {@code gw-retry}
 * @param fileUriScheme          {@code gateway.ipc.file-uri-scheme}: {@code lingma} or {@code qodercn} for image
 *                               file URIs; empty (default) = by runtime (§5.4)
 * @param reconnectBackoffMin    {@code gateway.ipc.reconnect-backoff-min}: first reconnect delay; default 500 ms
 * @param reconnectBackoffMax    {@code gateway.ipc.reconnect-backoff-max}: largest reconnect delay; default 8 s
 * @param turnQueueSize          {@code gateway.ipc.turn-queue-size}: events buffered per turn before that turn
 *                               fails; default 4096
 * @param maxBufferedBytes       {@code gateway.stream.max-buffered-bytes}: characters of content a turn holds for a
 *                               client that reads slowly before that turn fails (Lingma cannot be paused);
 *                               default 1 MiB
 * @param sessionCacheEnabled    {@code gateway.session-cache.enabled}: prefix-hash session cache of
 *                               {@code auto} mode; default true
 * @param sessionCacheMaxEntries {@code gateway.session-cache.max-entries}: LRU capacity; default 256 (0 = off)
 * @param sessionCacheTtl        {@code gateway.session-cache.ttl}: entry lifetime since write; default 1800 s
 * @param sessionPoolSize        {@code gateway.ipc.session-pool.size}: ready sessions kept per model for fresh and
 *                               {@code auto} turns ({@link IpcSessionPool}); default 2; 0 = off
 * @param sessionPoolIdleTimeout {@code gateway.ipc.session-pool.idle-timeout}: how long a pooled session waits for
 *                               a turn before it is deleted; default 300 s
 */
public record IpcSettings(String wsUrl, String wsPath, String wsHeaders, Path machineTokenFile, Path discoveryFile,
                          DiscoveryPrefer discoveryPrefer, SessionMode sessionMode, Duration handshakeTimeout,
                          Duration setupTimeout, Duration modelsTimeout, Duration deleteTimeout,
                          Duration idleTimeout, Duration turnTimeout, Duration finishGrace, Duration modelsTtl,
                          int maxConcurrentTurns, int maxFrameBytes, int protocolVersion,
                          ServerRequestReply serverRequestReply, boolean sendCancel,
                          PartialOnDisconnect partialOnDisconnect, Path cwd, String mode, String shellType,
                          String currentFilePath, String requestIdPrefix, String retryRequestIdPrefix,
                          String fileUriScheme, Duration reconnectBackoffMin, Duration reconnectBackoffMax,
                          int turnQueueSize, long maxBufferedBytes, boolean sessionCacheEnabled, int sessionCacheMaxEntries,
                          Duration sessionCacheTtl, int sessionPoolSize, Duration sessionPoolIdleTimeout) {

    /** Which family of discovery locations is tried first (lingma-ipc.md §3.2). */
    public enum DiscoveryPrefer {
        QODERCN, LINGMA;

        /**
         * @param value {@code qodercn} or {@code lingma} (case-insensitive)
         * @return the value
         * @throws IllegalArgumentException for anything else
         */
        public static DiscoveryPrefer parse(String value) {
            return parseEnum(DiscoveryPrefer.class, value, "gateway.ipc.discovery-prefer");
        }
    }

    /** IPC session mode (client-api.md §11). */
    public enum SessionMode {
        AUTO, FRESH, REUSE;

        /**
         * @param value {@code auto}, {@code fresh} or {@code reuse} (case-insensitive)
         * @return the mode
         * @throws IllegalArgumentException for anything else
         */
        public static SessionMode parse(String value) {
            return parseEnum(SessionMode.class, value, "gateway.ipc.session-mode");
        }

        /** @return the lower-case configuration value */
        public String configValue() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /** Reply to server → client requests (lingma-ipc.md §4.4). */
    public enum ServerRequestReply {
        /** {@code {"result":null}} (LP-compatible). */
        NULL,
        /** JSON-RPC error {@code -32601}. */
        METHOD_NOT_FOUND;

        /**
         * @param value {@code null} or {@code method-not-found}
         * @return the policy
         * @throws IllegalArgumentException for anything else
         */
        public static ServerRequestReply parse(String value) {
            return parseEnum(ServerRequestReply.class, value, "gateway.ipc.server-request-reply");
        }
    }

    /** What a disconnect after partial text means (lingma-ipc.md §5.7). */
    public enum PartialOnDisconnect {
        /** Fail with {@code upstream_incomplete}. */
        ERROR,
        /** End the turn normally with the text received. */
        RETURN_PARTIAL,
        /**
         * Reconnect and replay the turn once; the reply continues where it broke off when the replayed reply
         * repeats the text already produced exactly, else {@code upstream_incomplete}.
         */
        RESUME;

        /**
         * @param value {@code error}, {@code return-partial} or {@code resume}
         * @return the policy
         * @throws IllegalArgumentException for anything else
         */
        public static PartialOnDisconnect parse(String value) {
            return parseEnum(PartialOnDisconnect.class, value, "gateway.ipc.partial-on-disconnect");
        }
    }

    public IpcSettings {
        wsUrl = wsUrl == null ? "" : wsUrl.trim();
        wsPath = wsPath == null || wsPath.isBlank() ? "/" : (wsPath.startsWith("/") ? wsPath : "/" + wsPath);
        wsHeaders = wsHeaders == null ? "" : wsHeaders;
        Objects.requireNonNull(discoveryPrefer, "discoveryPrefer");
        Objects.requireNonNull(sessionMode, "sessionMode");
        Objects.requireNonNull(serverRequestReply, "serverRequestReply");
        Objects.requireNonNull(partialOnDisconnect, "partialOnDisconnect");
        Objects.requireNonNull(cwd, "cwd");
        mode = mode == null ? "" : mode.trim();
        shellType = shellType == null || shellType.isBlank() ? defaultShellType() : shellType.trim();
        currentFilePath = currentFilePath == null || currentFilePath.isBlank() ? null : currentFilePath;
        Objects.requireNonNull(requestIdPrefix, "request-id-prefix");
        Objects.requireNonNull(retryRequestIdPrefix, "retry-request-id-prefix");
        fileUriScheme = fileUriScheme == null ? "" : fileUriScheme.trim().toLowerCase(Locale.ROOT);
        requirePositive(handshakeTimeout, "handshake-timeout");
        requirePositive(setupTimeout, "setup-timeout");
        requirePositive(modelsTimeout, "models-timeout");
        requirePositive(deleteTimeout, "delete-timeout");
        requirePositive(idleTimeout, "idle-timeout");
        Objects.requireNonNull(turnTimeout, "turn-timeout");
        Objects.requireNonNull(finishGrace, "finish-grace");
        requirePositive(modelsTtl, "models-ttl");
        requirePositive(reconnectBackoffMin, "reconnect-backoff-min");
        requirePositive(reconnectBackoffMax, "reconnect-backoff-max");
        Objects.requireNonNull(sessionCacheTtl, "session-cache.ttl");
        requirePositive(sessionPoolIdleTimeout, "session-pool.idle-timeout");
        if (sessionPoolSize < 0) {
            throw new IllegalArgumentException("gateway.ipc.session-pool.size must not be negative");
        }
        if (maxConcurrentTurns < 1 || maxFrameBytes < 1024 || turnQueueSize < 1 || maxBufferedBytes < 1
                || sessionCacheMaxEntries < 0) {
            throw new IllegalArgumentException("gateway.ipc: max-concurrent-turns, max-frame-bytes, turn-queue-size, "
                    + "gateway.stream.max-buffered-bytes must be positive and session-cache.max-entries not negative");
        }
    }

    /**
     * @return an empty builder; every setting must be given (the defaults live in application.properties only,
     * read by the gateway's settings factory)
     */
    public static Builder builder() {
        return new Builder();
    }

    /** @return a builder pre-filled with this record's values */
    public Builder toBuilder() {
        return new Builder(this);
    }

    /**
     * @return {@link #wsHeaders} parsed into name → value (insertion order); malformed pairs (no colon or empty
     * name) are skipped
     */
    public Map<String, String> wsHeaderMap() {
        Map<String, String> headers = new LinkedHashMap<>();
        for (String pair : wsHeaders.split(";")) {
            int colon = pair.indexOf(':');
            if (colon > 0 && !pair.substring(0, colon).isBlank()) {
                headers.put(pair.substring(0, colon).trim(), pair.substring(colon + 1).trim());
            }
        }
        return headers;
    }

    /** @return true when a turn deadline applies ({@link #turnTimeout} &gt; 0) */
    public boolean hasTurnDeadline() {
        return !turnTimeout.isZero() && !turnTimeout.isNegative();
    }

    /**
     * @return {@code powershell} on Windows, else the basename of {@code $SHELL}, else {@code sh}
     * (lingma-ipc.md §5.4)
     */
    public static String defaultShellType() {
        if (System.getProperty("os.name", "").toLowerCase(Locale.ROOT).startsWith("windows")) {
            return "powershell";
        }
        String shell = System.getenv("SHELL");
        if (shell == null || shell.isBlank()) {
            return "sh";
        }
        String base = Path.of(shell.trim()).getFileName() == null ? "" : Path.of(shell.trim()).getFileName().toString();
        return base.isEmpty() ? "sh" : base;
    }

    private static void requirePositive(Duration d, String key) {
        if (d == null || d.isZero() || d.isNegative()) {
            throw new IllegalArgumentException("gateway.ipc." + key + " must be a positive duration");
        }
    }

    private static <E extends Enum<E>> E parseEnum(Class<E> type, String value, String key) {
        String normalised = value == null ? "" : value.trim().toUpperCase(Locale.ROOT).replace('-', '_');
        for (E e : type.getEnumConstants()) {
            if (e.name().equals(normalised)) {
                return e;
            }
        }
        throw new IllegalArgumentException("invalid value '" + value + "' for " + key);
    }

    /** Mutable builder for {@link IpcSettings}; every setter returns the builder. */
    public static final class Builder {
        private String wsUrl;
        private String wsPath;
        private String wsHeaders;
        private Path machineTokenFile;
        private Path discoveryFile;
        private DiscoveryPrefer discoveryPrefer;
        private SessionMode sessionMode;
        private Duration handshakeTimeout;
        private Duration setupTimeout;
        private Duration modelsTimeout;
        private Duration deleteTimeout;
        private Duration idleTimeout;
        private Duration turnTimeout;
        private Duration finishGrace;
        private Duration modelsTtl;
        private int maxConcurrentTurns;
        private int maxFrameBytes;
        private int protocolVersion;
        private ServerRequestReply serverRequestReply;
        private boolean sendCancel;
        private PartialOnDisconnect partialOnDisconnect;
        private Path cwd;
        private String mode;
        private String shellType;
        private String currentFilePath;
        private String requestIdPrefix;
        private String retryRequestIdPrefix;
        private String fileUriScheme;
        private Duration reconnectBackoffMin;
        private Duration reconnectBackoffMax;
        private int turnQueueSize;
        private long maxBufferedBytes;
        private boolean sessionCacheEnabled;
        private int sessionCacheMaxEntries;
        private Duration sessionCacheTtl;
        private int sessionPoolSize;
        private Duration sessionPoolIdleTimeout = Duration.ofSeconds(300);

        private Builder() {
        }

        private Builder(IpcSettings s) {
            wsUrl = s.wsUrl;
            wsPath = s.wsPath;
            wsHeaders = s.wsHeaders;
            machineTokenFile = s.machineTokenFile;
            discoveryFile = s.discoveryFile;
            discoveryPrefer = s.discoveryPrefer;
            sessionMode = s.sessionMode;
            handshakeTimeout = s.handshakeTimeout;
            setupTimeout = s.setupTimeout;
            modelsTimeout = s.modelsTimeout;
            deleteTimeout = s.deleteTimeout;
            idleTimeout = s.idleTimeout;
            turnTimeout = s.turnTimeout;
            finishGrace = s.finishGrace;
            modelsTtl = s.modelsTtl;
            maxConcurrentTurns = s.maxConcurrentTurns;
            maxFrameBytes = s.maxFrameBytes;
            protocolVersion = s.protocolVersion;
            serverRequestReply = s.serverRequestReply;
            sendCancel = s.sendCancel;
            partialOnDisconnect = s.partialOnDisconnect;
            cwd = s.cwd;
            mode = s.mode;
            shellType = s.shellType;
            currentFilePath = s.currentFilePath;
            requestIdPrefix = s.requestIdPrefix;
            retryRequestIdPrefix = s.retryRequestIdPrefix;
            fileUriScheme = s.fileUriScheme;
            reconnectBackoffMin = s.reconnectBackoffMin;
            reconnectBackoffMax = s.reconnectBackoffMax;
            turnQueueSize = s.turnQueueSize;
            maxBufferedBytes = s.maxBufferedBytes;
            sessionCacheEnabled = s.sessionCacheEnabled;
            sessionCacheMaxEntries = s.sessionCacheMaxEntries;
            sessionCacheTtl = s.sessionCacheTtl;
            sessionPoolSize = s.sessionPoolSize;
            sessionPoolIdleTimeout = s.sessionPoolIdleTimeout;
        }

        /** @param v {@code gateway.ipc.ws-url} @return this */
        public Builder wsUrl(String v) { wsUrl = v; return this; }
        /** @param v {@code gateway.ipc.ws-path} @return this */
        public Builder wsPath(String v) { wsPath = v; return this; }
        /** @param v {@code gateway.ipc.ws-headers} @return this */
        public Builder wsHeaders(String v) { wsHeaders = v; return this; }
        /** @param v {@code gateway.ipc.machine-token-file} @return this */
        public Builder machineTokenFile(Path v) { machineTokenFile = v; return this; }
        /** @param v {@code gateway.ipc.discovery-file} @return this */
        public Builder discoveryFile(Path v) { discoveryFile = v; return this; }
        /** @param v {@code gateway.ipc.discovery-prefer} @return this */
        public Builder discoveryPrefer(DiscoveryPrefer v) { discoveryPrefer = v; return this; }
        /** @param v {@code gateway.ipc.session-mode} @return this */
        public Builder sessionMode(SessionMode v) { sessionMode = v; return this; }
        /** @param v {@code gateway.ipc.handshake-timeout} @return this */
        public Builder handshakeTimeout(Duration v) { handshakeTimeout = v; return this; }
        /** @param v {@code gateway.ipc.setup-timeout} @return this */
        public Builder setupTimeout(Duration v) { setupTimeout = v; return this; }
        /** @param v {@code gateway.ipc.models-timeout} @return this */
        public Builder modelsTimeout(Duration v) { modelsTimeout = v; return this; }
        /** @param v {@code gateway.ipc.delete-timeout} @return this */
        public Builder deleteTimeout(Duration v) { deleteTimeout = v; return this; }
        /** @param v {@code gateway.ipc.idle-timeout} @return this */
        public Builder idleTimeout(Duration v) { idleTimeout = v; return this; }
        /** @param v {@code gateway.ipc.turn-timeout} (zero = none) @return this */
        public Builder turnTimeout(Duration v) { turnTimeout = v; return this; }
        /** @param v {@code gateway.ipc.finish-grace} @return this */
        public Builder finishGrace(Duration v) { finishGrace = v; return this; }
        /** @param v {@code gateway.ipc.models-ttl} @return this */
        public Builder modelsTtl(Duration v) { modelsTtl = v; return this; }
        /** @param v {@code gateway.ipc.max-concurrent-turns} @return this */
        public Builder maxConcurrentTurns(int v) { maxConcurrentTurns = v; return this; }
        /** @param v {@code gateway.ipc.max-frame-bytes} @return this */
        public Builder maxFrameBytes(int v) { maxFrameBytes = v; return this; }
        /** @param v {@code gateway.ipc.protocol-version} @return this */
        public Builder protocolVersion(int v) { protocolVersion = v; return this; }
        /** @param v {@code gateway.ipc.server-request-reply} @return this */
        public Builder serverRequestReply(ServerRequestReply v) { serverRequestReply = v; return this; }
        /** @param v {@code gateway.ipc.send-cancel} @return this */
        public Builder sendCancel(boolean v) { sendCancel = v; return this; }
        /** @param v {@code gateway.ipc.partial-on-disconnect} @return this */
        public Builder partialOnDisconnect(PartialOnDisconnect v) { partialOnDisconnect = v; return this; }
        /** @param v {@code gateway.ipc.cwd} @return this */
        public Builder cwd(Path v) { cwd = v; return this; }
        /** @param v {@code gateway.ipc.mode} @return this */
        public Builder mode(String v) { mode = v; return this; }
        /** @param v {@code gateway.ipc.shell-type} @return this */
        public Builder shellType(String v) { shellType = v; return this; }
        /** @param v {@code gateway.ipc.current-file-path} @return this */
        public Builder currentFilePath(String v) { currentFilePath = v; return this; }
        /** @param v {@code gateway.ipc.request-id-prefix} @return this */
        public Builder requestIdPrefix(String v) { requestIdPrefix = v; return this; }
        /** @param v {@code gateway.ipc.retry-request-id-prefix} @return this */
        public Builder retryRequestIdPrefix(String v) { retryRequestIdPrefix = v; return this; }
        /** @param v {@code gateway.ipc.file-uri-scheme} @return this */
        public Builder fileUriScheme(String v) { fileUriScheme = v; return this; }
        /** @param v {@code gateway.ipc.reconnect-backoff-min} @return this */
        public Builder reconnectBackoffMin(Duration v) { reconnectBackoffMin = v; return this; }
        /** @param v {@code gateway.ipc.reconnect-backoff-max} @return this */
        public Builder reconnectBackoffMax(Duration v) { reconnectBackoffMax = v; return this; }
        /** @param v {@code gateway.ipc.turn-queue-size} @return this */
        public Builder turnQueueSize(int v) { turnQueueSize = v; return this; }
        /** @param v {@code gateway.stream.max-buffered-bytes} @return this */
        public Builder maxBufferedBytes(long v) { maxBufferedBytes = v; return this; }
        /** @param v {@code gateway.session-cache.enabled} @return this */
        public Builder sessionCacheEnabled(boolean v) { sessionCacheEnabled = v; return this; }
        /** @param v {@code gateway.session-cache.max-entries} @return this */
        public Builder sessionCacheMaxEntries(int v) { sessionCacheMaxEntries = v; return this; }
        /** @param v {@code gateway.session-cache.ttl} @return this */
        public Builder sessionCacheTtl(Duration v) { sessionCacheTtl = v; return this; }
        /** @param v {@code gateway.ipc.session-pool.size} @return this */
        public Builder sessionPoolSize(int v) { sessionPoolSize = v; return this; }
        /** @param v {@code gateway.ipc.session-pool.idle-timeout} @return this */
        public Builder sessionPoolIdleTimeout(Duration v) { sessionPoolIdleTimeout = v; return this; }

        /**
         * @return the settings
         * @throws IllegalArgumentException when a value is out of range
         */
        public IpcSettings build() {
            return new IpcSettings(wsUrl, wsPath, wsHeaders, machineTokenFile, discoveryFile, discoveryPrefer,
                    sessionMode, handshakeTimeout, setupTimeout, modelsTimeout, deleteTimeout, idleTimeout,
                    turnTimeout, finishGrace, modelsTtl, maxConcurrentTurns, maxFrameBytes, protocolVersion,
                    serverRequestReply, sendCancel, partialOnDisconnect, cwd, mode, shellType, currentFilePath,
                    requestIdPrefix, retryRequestIdPrefix, fileUriScheme, reconnectBackoffMin,
                    reconnectBackoffMax, turnQueueSize, maxBufferedBytes, sessionCacheEnabled, sessionCacheMaxEntries,
                    sessionCacheTtl, sessionPoolSize, sessionPoolIdleTimeout);
        }
    }
}
