package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongConsumer;

/**
 * The Lingma local IPC client: discovery + one JSON-RPC connection, {@code initialize} once per connection, lazy
 * connect with reconnect and exponential backoff, the model catalogue, and routing of {@code session/update}
 * notifications to running turns (lingma-ipc.md §3–§6, §9).
 *
 * <ul>
 *   <li>Start-up never fails when Lingma is down: {@link #start()} makes one non-blocking warm-up attempt.</li>
 *   <li>Every (re)connect re-runs discovery; failed attempts back off 500 ms → 8 s
 *       ({@code gateway.ipc.reconnect-backoff-*}) and keep retrying in the background so readiness recovers
 *       without a gateway restart.</li>
 *   <li>No caller waits longer than {@code gateway.ipc.setup-timeout} for a connection.</li>
 *   <li>{@code session/update} notifications are routed by {@code params._meta["ai-coding/request-id"]} with one
 *       map lookup on the event loop; updates of unknown or absent request ids, legacy notifications
 *       ({@code chat/process_step_callback}, {@code snapshot/syncAll}, {@code session/title/update}) and native
 *       tool/plan updates are counted ({@link #counters()}) and otherwise ignored.</li>
 * </ul>
 * Secrets (the machine token) are never logged.
 */
public final class LingmaIpcClient implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaIpcClient.class);
    private static final Set<String> LEGACY_NOTIFICATIONS =
            Set.of("chat/process_step_callback", "snapshot/syncAll", "session/title/update");
    private static final Set<String> NATIVE_TOOL_UPDATES =
            Set.of("tool_call", "tool_call_update", "plan", "user_message_chunk");
    private static final String MODELS_KEY = "config/queryModels";

    /** Receiver of one turn's notifications; called on the Vert.x event loop, so it must never block. */
    interface TurnSink {
        /** @param params the {@code session/update} params routed to this turn */
        void onUpdate(JsonNode params);

        /** @param cause the connection the turn ran on closed */
        void onConnectionClosed(IpcConnectionClosedException cause);
    }

    /** One live connection and its per-connection state (lingma-ipc.md §6.1). */
    static final class Link implements JsonRpcConnection.Listener {
        final long generation;
        final IpcEndpointDiscovery.Endpoint endpoint;
        final Map<String, TurnSink> turns = new ConcurrentHashMap<>();
        private final LingmaIpcClient owner;
        volatile JsonRpcConnection rpc;
        volatile JsonNode serverInfo;
        /** {@code chat/deleteSessionById} parameter name that worked on this connection, or null. */
        volatile String deleteParam;

        Link(LingmaIpcClient owner, long generation, IpcEndpointDiscovery.Endpoint endpoint) {
            this.owner = owner;
            this.generation = generation;
            this.endpoint = endpoint;
        }

        boolean isOpen() {
            JsonRpcConnection c = rpc;
            return c != null && c.isOpen();
        }

        @Override
        public void onNotification(String method, JsonNode params) {
            owner.route(this, method, params);
        }

        @Override
        public void onClosing(IpcConnectionClosedException cause) {
            owner.onLinkClosed(this, cause);
        }

        @Override
        public void onClose(IpcConnectionClosedException cause) {
            // all done in onClosing, while the link's turns were still registered
        }
    }

    private final Vertx vertx;
    private final ObjectMapper mapper;
    private final IpcSettings settings;
    private final IpcEndpointDiscovery discovery;
    private final WebSocketClient webSocketClient;
    private final Cache<String, List<ModelInfo>> modelsCache;
    private final java.util.concurrent.atomic.AtomicReference<CompletableFuture<List<ModelInfo>>> modelsLoad =
            new java.util.concurrent.atomic.AtomicReference<>();
    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();
    private final List<LongConsumer> connectListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<IpcConnectionClosedException>> lossListeners =
            new CopyOnWriteArrayList<>();
    /** Sessions to delete once a connection is open again: Lingma keeps them when only the WebSocket drops. */
    private final Set<String> orphanedSessions = ConcurrentHashMap.newKeySet();

    private final Object lock = new Object();
    private Link link;
    private CompletableFuture<Link> connecting;
    private long nextAttemptNanos;
    private Duration backoff;
    private long generations;
    private long retryTimer = -1;
    private boolean failureLogged;
    private volatile boolean closed;
    private volatile String lastError;
    private volatile IpcEndpointDiscovery.Endpoint lastEndpoint;
    private volatile JsonNode lastServerInfo;
    private volatile List<IpcEndpointDiscovery.Rejected> lastRejected = List.of();

    /**
     * @param vertx     the application's Vert.x instance
     * @param mapper    the shared JSON mapper
     * @param settings  IPC settings
     * @param discovery endpoint discovery (re-run on every connect)
     */
    public LingmaIpcClient(Vertx vertx, ObjectMapper mapper, IpcSettings settings, IpcEndpointDiscovery discovery) {
        this.vertx = vertx;
        this.mapper = mapper;
        this.settings = settings;
        this.discovery = discovery;
        int maxMessage = settings.maxFrameBytes() + 1024;
        this.webSocketClient = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxMessageSize(maxMessage).setMaxFrameSize(maxMessage)
                .setConnectTimeout((int) settings.handshakeTimeout().toMillis()));
        this.modelsCache = Caffeine.newBuilder().expireAfterWrite(settings.modelsTtl()).maximumSize(1).build();
    }

    /** Starts a non-blocking warm-up connect (lingma-ipc.md §6.5); failures are only logged. */
    public void start() {
        ensureConnected().whenComplete((l, e) -> {
            if (e != null) {
                LOG.info("Lingma IPC warm-up: not connected yet ({}); will retry in the background",
                        rootMessage(e));
            }
        });
    }

    /** @return true when a connection is open and initialised */
    public boolean ready() {
        Link l;
        synchronized (lock) {
            l = link;
        }
        return l != null && l.isOpen();
    }

    /** @return the generation of the open connection (a new one per connection attempt), or -1 when not connected */
    public long generation() {
        synchronized (lock) {
            return link != null && link.isOpen() ? link.generation : -1;
        }
    }

    /**
     * @param listener called with the new generation after every successful (re)connect; must not block
     */
    public void onConnected(LongConsumer listener) {
        connectListeners.add(listener);
    }

    /**
     * @param listener called once per unexpected loss of a connection that had turns in flight (never for a close
     *                 by the gateway), on the Vert.x event loop before those turns are told; must not block. A lost
     *                 connection is one upstream event however many turns it ended.
     */
    public void onConnectionLost(java.util.function.Consumer<IpcConnectionClosedException> listener) {
        lossListeners.add(listener);
    }

    /**
     * Calls a method on the current connection, connecting first if needed.
     *
     * @param method  JSON-RPC method
     * @param params  params object ({@code {}} when null)
     * @param timeout per-call timeout (null = none)
     * @return the result; fails with {@link IpcTransportException} when Lingma is unreachable within the setup
     * timeout, {@link JsonRpcException}, {@link JsonRpcTimeoutException} or {@link IpcConnectionClosedException}
     */
    public CompletableFuture<JsonNode> call(String method, ObjectNode params, Duration timeout) {
        return link().thenCompose(l -> l.rpc.call(method, params, timeout));
    }

    /**
     * Health probe: {@code ping} with {@code {}} and the handshake timeout (lingma-ipc.md §5.10).
     *
     * @return the ping result; fails like {@link #call}
     */
    public CompletableFuture<JsonNode> ping() {
        return call("ping", mapper.createObjectNode(), settings.handshakeTimeout());
    }

    /**
     * The model catalogue (lingma-ipc.md §5.9), cached for {@code gateway.ipc.models-ttl} and refreshed after every
     * reconnect. Blocks the calling thread (never call it on the event loop).
     *
     * @return the models (empty when Lingma lists none)
     * @throws GatewayException 503 {@code backend_unavailable} when Lingma is unreachable, 502
     *                          {@code upstream_error} when the listing fails or times out
     */
    public List<ModelInfo> models() {
        CompletableFuture<List<ModelInfo>> future = modelsAsync();
        try {
            return future.get(settings.setupTimeout().plus(settings.modelsTimeout()).toMillis(),
                    TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "interrupted while listing Lingma models", e);
        } catch (TimeoutException e) {
            throw new GatewayException(ErrorKind.UPSTREAM_ERROR, "Lingma IPC config/queryModels timed out", e);
        } catch (ExecutionException e) {
            throw modelsError(e.getCause());
        }
    }

    /** @return the model catalogue without blocking; failures as {@link #call} */
    public CompletableFuture<List<ModelInfo>> modelsAsync() {
        List<ModelInfo> cached = modelsCache.getIfPresent(MODELS_KEY);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        // one listing in flight at a time; only successful listings are cached
        CompletableFuture<List<ModelInfo>> load = new CompletableFuture<>();
        CompletableFuture<List<ModelInfo>> running = modelsLoad.compareAndExchange(null, load);
        if (running != null) {
            return running;
        }
        call("config/queryModels", mapper.createObjectNode(), settings.modelsTimeout())
                .thenApply(IpcModelCatalog::parse)
                .whenComplete((models, e) -> {
                    modelsLoad.set(null);
                    if (e == null) {
                        modelsCache.put(MODELS_KEY, models);
                        load.complete(models);
                    } else {
                        load.completeExceptionally(unwrap(e));
                    }
                });
        return load;
    }

    /**
     * @return health details: {@code transport}, {@code endpoint}, {@code endpoint_source}, {@code connected},
     * {@code server_info}, {@code last_error}, {@code rejected_candidates} (non-missing ones with reasons),
     * {@code missing_candidates} (count), {@code generation}, {@code notifications} (ignored-notification counters).
     * Never contains secrets.
     */
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        IpcEndpointDiscovery.Endpoint ep = lastEndpoint;
        status.put("transport", "websocket");
        status.put("endpoint", ep == null ? null : ep.url());
        status.put("endpoint_source", ep == null ? null : ep.source());
        status.put("connected", ready());
        JsonNode info = lastServerInfo;
        status.put("server_info", info == null || info.isNull() ? null : mapper.convertValue(info, Map.class));
        status.put("last_error", lastError);
        List<Map<String, String>> rejected = new ArrayList<>();
        long missing = 0;
        for (IpcEndpointDiscovery.Rejected r : lastRejected) {
            if (r.reason().equals("not found")) {
                missing++;
            } else {
                rejected.add(Map.of("candidate", r.candidate(), "reason", r.reason()));
            }
        }
        status.put("rejected_candidates", rejected);
        status.put("missing_candidates", missing);
        status.put("generation", generation());
        status.put("notifications", counters());
        return status;
    }

    /**
     * @return counters of routed/ignored notifications: {@code routed_updates}, {@code unknown_request_id},
     * {@code missing_request_id}, {@code legacy_notifications}, {@code native_tool_updates},
     * {@code other_notifications}
     */
    public Map<String, Long> counters() {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    /** Closes the connection and stops reconnecting. Idempotent, non-blocking. */
    @Override
    public void close() {
        Link l;
        synchronized (lock) {
            if (closed) {
                return;
            }
            closed = true;
            l = link;
            link = null;
            if (retryTimer >= 0) {
                vertx.cancelTimer(retryTimer);
            }
        }
        if (l != null && l.rpc != null) {
            l.rpc.close();
        }
        webSocketClient.close();
    }

    // ---- package API for the backend ----

    /**
     * @return the open connection, connecting if needed; fails with {@link IpcTransportException} when none is
     * available within the setup timeout
     */
    CompletableFuture<Link> link() {
        CompletableFuture<Link> shared = ensureConnected();
        if (shared.isDone()) {
            return shared;
        }
        Duration timeout = settings.setupTimeout();
        return shared.copy().orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            if (cause instanceof TimeoutException) {
                String last = lastError;
                return CompletableFuture.failedFuture(new IpcTransportException("no Lingma IPC connection within "
                        + timeout.toMillis() + " ms" + (last == null ? "" : "; last error: " + last), cause));
            }
            return CompletableFuture.failedFuture(cause);
        });
    }

    /** @return the open connection without connecting, or null */
    Link currentLink() {
        synchronized (lock) {
            return link != null && link.isOpen() ? link : null;
        }
    }

    /**
     * Registers a turn for notification routing under a fresh request id
     * ({@code <prefix>-<unixMillis>-<8 hex>}, unique per connection; lingma-ipc.md §5.4).
     *
     * @param l     the connection
     * @param sink  the turn
     * @param retry true for a tool-emulation retry prompt ({@code gateway.ipc.retry-request-id-prefix})
     * @return the request id
     * @throws IpcConnectionClosedException when the connection already closed
     */
    String register(Link l, TurnSink sink, boolean retry) {
        String prefix = retry ? settings.retryRequestIdPrefix() : settings.requestIdPrefix();
        while (true) {
            String id = prefix + "-" + System.currentTimeMillis() + "-" + Ids.hex("", 8);
            if (l.turns.putIfAbsent(id, sink) == null) {
                if (!l.isOpen()) {
                    l.turns.remove(id);
                    throw new IpcConnectionClosedException("Lingma IPC connection closed", null);
                }
                return id;
            }
        }
    }

    /**
     * Registers a turn under the request id its pooled session was set up with ({@link IpcSessionPool}), so its
     * prompt carries the same {@code _meta} as that {@code session/set_model} (lingma-ipc.md §5.3); a fresh id when
     * that one is taken.
     *
     * @throws IpcConnectionClosedException when the connection already closed
     */
    String register(Link l, TurnSink sink, String requestId) {
        if (l.turns.putIfAbsent(requestId, sink) != null) {
            return register(l, sink, false);
        }
        if (!l.isOpen()) {
            l.turns.remove(requestId);
            throw new IpcConnectionClosedException("Lingma IPC connection closed", null);
        }
        return requestId;
    }

    /**
     * @param l         the connection
     * @param requestId a request id from {@link #register}
     */
    void unregister(Link l, String requestId) {
        if (l != null && requestId != null) {
            l.turns.remove(requestId);
        }
    }

    /**
     * Deletes a Lingma session in the background (lingma-ipc.md §5.8): {@code {"sessionId"}} first, once
     * {@code {"id"}} on error; the name that worked is remembered per connection. Lingma keeps a session when only
     * the WebSocket drops, so a session is deleted on whatever connection is open: while none is, the delete waits
     * for the reconnect (at most the setup timeout), and a session that still cannot be deleted then is kept and
     * deleted right after the next successful connect. Other failures are logged and ignored.
     *
     * @param sessionId the session
     * @return completes (never exceptionally) when deleted, given up on, or set aside for the next connect
     */
    CompletableFuture<Void> deleteSession(String sessionId) {
        if (sessionId == null || closed) {
            return CompletableFuture.completedFuture(null);
        }
        return link().thenCompose(l -> deleteOn(l, sessionId)).handle((ok, e) -> {
            if (e == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = unwrap(e);
            boolean connectionProblem = cause instanceof IpcConnectionClosedException
                    || cause instanceof IpcTransportException || cause instanceof IpcDiscoveryException;
            if (connectionProblem && !closed) {
                orphanedSessions.add(sessionId);
                LOG.debug("Lingma IPC session {} will be deleted after the next connect: {}", sessionId,
                        cause.getMessage());
                if (ready()) {
                    // a connection opened meanwhile, and its flush may have run before the add
                    flushOrphanedSessions();
                }
            } else {
                LOG.debug("Lingma IPC could not delete session {}: {}", sessionId, cause.getMessage());
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /** @return how many sessions wait for a connection to be deleted on */
    int orphanedSessionCount() {
        return orphanedSessions.size();
    }

    /**
     * Deletes on one connection; fails only with {@link IpcConnectionClosedException} (the connection went away
     * before the answer), every other outcome completes normally.
     */
    private CompletableFuture<Void> deleteOn(Link l, String sessionId) {
        String known = l.deleteParam;
        String first = known != null ? known : "sessionId";
        return deleteWith(l, first, sessionId).handle((ok, e) -> {
            if (e == null) {
                l.deleteParam = first;
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (unwrap(e) instanceof IpcConnectionClosedException closedError) {
                return CompletableFuture.<Void>failedFuture(closedError);
            }
            if (known == null && unwrap(e) instanceof JsonRpcException) {
                String second = first.equals("sessionId") ? "id" : "sessionId";
                return deleteWith(l, second, sessionId).handle((ok2, e2) -> {
                    if (e2 == null) {
                        l.deleteParam = second;
                        LOG.debug("Lingma IPC chat/deleteSessionById works with '{}' on this connection", second);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (unwrap(e2) instanceof IpcConnectionClosedException closedError) {
                        return CompletableFuture.<Void>failedFuture(closedError);
                    }
                    LOG.debug("Lingma IPC could not delete session {}: {}", sessionId, rootMessage(e2));
                    return CompletableFuture.<Void>completedFuture(null);
                }).thenCompose(f -> f);
            }
            LOG.debug("Lingma IPC could not delete session {}: {}", sessionId, rootMessage(e));
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    private void flushOrphanedSessions() {
        for (String sessionId : List.copyOf(orphanedSessions)) {
            if (orphanedSessions.remove(sessionId)) {
                deleteSession(sessionId);
            }
        }
    }

    /** @return the shared JSON mapper */
    ObjectMapper mapper() {
        return mapper;
    }

    /** @return the Vert.x instance */
    Vertx vertx() {
        return vertx;
    }

    // ---- connection management ----

    private CompletableFuture<Link> ensureConnected() {
        synchronized (lock) {
            if (closed) {
                return CompletableFuture.failedFuture(new IpcTransportException("Lingma IPC client is closed", null));
            }
            if (link != null && link.isOpen()) {
                return CompletableFuture.completedFuture(link);
            }
            if (connecting != null) {
                return connecting;
            }
            CompletableFuture<Link> target = new CompletableFuture<>();
            connecting = target;
            if (retryTimer >= 0) {
                vertx.cancelTimer(retryTimer);
                retryTimer = -1;
            }
            long delayMs = TimeUnit.NANOSECONDS.toMillis(nextAttemptNanos - System.nanoTime());
            if (delayMs > 0) {
                vertx.setTimer(delayMs, t -> attempt(target));
            } else {
                attempt(target);
            }
            return target;
        }
    }

    private record Prepared(IpcEndpointDiscovery.Result result, Map<IpcEndpointDiscovery.Endpoint, String> tokens) {
    }

    private void attempt(CompletableFuture<Link> target) {
        // discovery reads files: run it on a worker thread, never on the event loop
        vertx.executeBlocking(this::prepare, false).toCompletionStage().toCompletableFuture()
                .thenCompose(prepared -> {
                    lastRejected = prepared.result().rejected();
                    return tryEndpoints(prepared, 0, new ArrayList<>());
                })
                .whenComplete((l, e) -> attemptDone(target, l, e));
    }

    private Prepared prepare() {
        IpcEndpointDiscovery.Result result;
        try {
            result = discovery.discover();
        } catch (IpcDiscoveryException e) {
            lastRejected = e.rejected();
            throw e;
        }
        Map<IpcEndpointDiscovery.Endpoint, String> tokens = new HashMap<>();
        for (IpcEndpointDiscovery.Endpoint ep : result.endpoints()) {
            String token = readMachineToken(ep);
            if (token != null) {
                tokens.put(ep, token);
            }
        }
        return new Prepared(result, tokens);
    }

    private String readMachineToken(IpcEndpointDiscovery.Endpoint ep) {
        Path file = settings.machineTokenFile();
        if (file == null && ep.infoFile() != null && ep.infoFile().getParent() != null) {
            file = ep.infoFile().getParent().resolve("cache").resolve("machine_token.json");
        }
        if (file == null || !Files.isRegularFile(file)) {
            return null;
        }
        try {
            JsonNode node = mapper.readTree(Files.readString(file, StandardCharsets.UTF_8));
            String token = node == null ? "" : node.path("token").asText("");
            return token.isBlank() ? null : token.trim();
        } catch (Exception e) {
            LOG.debug("machine token file {} is unreadable: {}", file, e.getClass().getSimpleName());
            return null;
        }
    }

    private CompletableFuture<Link> tryEndpoints(Prepared prepared, int index, List<String> failures) {
        List<IpcEndpointDiscovery.Endpoint> endpoints = prepared.result().endpoints();
        if (index >= endpoints.size()) {
            return CompletableFuture.failedFuture(new IpcTransportException(
                    "cannot connect to Lingma IPC: " + String.join("; ", failures)
                            + ". Open the Lingma or QoderCN desktop app.", null));
        }
        IpcEndpointDiscovery.Endpoint ep = endpoints.get(index);
        return connectEndpoint(ep, prepared.tokens().get(ep)).exceptionallyCompose(e -> {
            Throwable cause = unwrap(e);
            failures.add(ep.source() + " (" + ep.url() + "): " + cause.getMessage());
            List<IpcEndpointDiscovery.Rejected> rejected = new ArrayList<>(lastRejected);
            rejected.add(new IpcEndpointDiscovery.Rejected(ep.source(), "connection failed: " + cause.getMessage()));
            lastRejected = rejected;
            return tryEndpoints(prepared, index + 1, failures);
        });
    }

    private CompletableFuture<Link> connectEndpoint(IpcEndpointDiscovery.Endpoint ep, String token) {
        long generation;
        synchronized (lock) {
            generation = ++generations;
        }
        Link l = new Link(this, generation, ep);
        return JsonRpcConnection.open(vertx, webSocketClient, mapper, ep.url(), settings.wsHeaderMap(), settings, l)
                .exceptionallyCompose(e -> {
                    Throwable cause = unwrap(e);
                    int status = cause instanceof IpcTransportException t ? t.handshakeStatus() : 0;
                    if (token != null && (status == 401 || status == 403 || status == 404)) {
                        String wsUrl = withPath(ep.url(), "/ws");
                        Map<String, String> headers = new LinkedHashMap<>(settings.wsHeaderMap());
                        headers.put("Cosy-MachineToken", token);
                        LOG.info("Lingma IPC handshake to {} answered {}; retrying {} with Cosy-MachineToken",
                                ep.url(), status, wsUrl);
                        return JsonRpcConnection.open(vertx, webSocketClient, mapper, wsUrl, headers, settings, l)
                                .thenApply(c -> {
                                    LOG.info("Lingma IPC connected with the /ws + Cosy-MachineToken variant");
                                    return c;
                                });
                    }
                    return CompletableFuture.failedFuture(cause);
                })
                .thenCompose(rpc -> {
                    l.rpc = rpc;
                    ObjectNode params = mapper.createObjectNode();
                    params.put("protocolVersion", settings.protocolVersion());
                    params.putObject("clientCapabilities");
                    params.put("timestamp", System.currentTimeMillis());
                    return rpc.call("initialize", params, settings.setupTimeout()).handle((result, e) -> {
                        if (e != null) {
                            rpc.close();
                            throw new CompletionException(unwrap(e));
                        }
                        // the result shape is not validated (§5.1); only serverInfo is kept
                        l.serverInfo = result == null ? null : result.get("serverInfo");
                        return l;
                    });
                });
    }

    private void attemptDone(CompletableFuture<Link> target, Link l, Throwable error) {
        boolean success = error == null && l != null && l.isOpen();
        Duration delay = null;
        synchronized (lock) {
            connecting = null;
            if (success && !closed) {
                link = l;
                backoff = null;
                nextAttemptNanos = 0;
                failureLogged = false;
            } else if (!closed) {
                backoff = backoff == null ? settings.reconnectBackoffMin()
                        : min(backoff.multipliedBy(2), settings.reconnectBackoffMax());
                nextAttemptNanos = System.nanoTime() + backoff.toNanos();
                delay = backoff;
                retryTimer = vertx.setTimer(delay.toMillis(), t -> {
                    synchronized (lock) {
                        retryTimer = -1;
                    }
                    ensureConnected();
                });
            }
        }
        if (success && closed) {
            l.rpc.close();
            target.completeExceptionally(new IpcTransportException("Lingma IPC client is closed", null));
            return;
        }
        if (success) {
            lastError = null;
            lastEndpoint = l.endpoint;
            lastServerInfo = l.serverInfo;
            LOG.info("Lingma IPC connected to {} (source {}, generation {}, server {})", l.endpoint.url(),
                    l.endpoint.source(), l.generation, l.serverInfo);
            modelsCache.invalidateAll();
            target.complete(l);
            flushOrphanedSessions();
            for (LongConsumer listener : connectListeners) {
                try {
                    listener.accept(l.generation);
                } catch (RuntimeException e) {
                    LOG.warn("Lingma IPC connect listener failed", e);
                }
            }
            modelsAsync().whenComplete((m, e) -> {
                if (e != null) {
                    LOG.debug("Lingma IPC model refresh after connect failed: {}", rootMessage(e));
                }
            });
            return;
        }
        Throwable cause = error == null ? new IpcTransportException("connection closed during set-up", null)
                : unwrap(error);
        lastError = cause.getMessage();
        if (!failureLogged) {
            LOG.warn("Lingma IPC connect failed: {}; retrying with backoff", cause.getMessage());
            failureLogged = true;
        } else {
            LOG.debug("Lingma IPC connect failed again: {}; next attempt in {} ms", cause.getMessage(),
                    delay == null ? 0 : delay.toMillis());
        }
        target.completeExceptionally(cause instanceof IpcTransportException || cause instanceof IpcDiscoveryException
                ? cause : new IpcTransportException("Lingma IPC set-up failed: " + cause.getMessage(), cause));
    }

    private void onLinkClosed(Link l, IpcConnectionClosedException cause) {
        boolean wasCurrent;
        synchronized (lock) {
            wasCurrent = link == l;
            if (wasCurrent) {
                link = null;
                // first reconnect right away: Lingma may already be back
                nextAttemptNanos = 0;
                backoff = null;
            }
        }
        if (wasCurrent) {
            lastError = cause.getMessage();
            LOG.warn("Lingma IPC connection {} closed: {}", l.endpoint.url(), cause.getMessage());
        }
        List<TurnSink> sinks = new ArrayList<>(l.turns.values());
        l.turns.clear();
        if (!closed && !sinks.isEmpty()) {
            for (java.util.function.Consumer<IpcConnectionClosedException> listener : lossListeners) {
                try {
                    listener.accept(cause);
                } catch (RuntimeException e) {
                    LOG.warn("Lingma IPC connection-loss listener failed", e);
                }
            }
        }
        for (TurnSink sink : sinks) {
            try {
                sink.onConnectionClosed(cause);
            } catch (RuntimeException e) {
                LOG.warn("Lingma IPC turn close handler failed", e);
            }
        }
        if (wasCurrent && !closed) {
            ensureConnected();
        }
    }

    private void route(Link l, String method, JsonNode params) {
        if (!"session/update".equals(method)) {
            count(LEGACY_NOTIFICATIONS.contains(method) ? "legacy_notifications" : "other_notifications");
            return;
        }
        String kind = params.path("update").path("sessionUpdate").asText("");
        if (NATIVE_TOOL_UPDATES.contains(kind)) {
            count("native_tool_updates");
            if (LOG.isDebugEnabled()) {
                JsonNode update = params.path("update");
                LOG.debug("Lingma native {} ignored: tool {} status {} error {}", kind,
                        update.path("_meta").path("ai-coding/tool-name").asText(""), update.path("status").asText(""),
                        update.path("_meta").path("ai-coding/tool-call-error-code").asText(""));
            }
        }
        JsonNode requestId = params.path("_meta").get("ai-coding/request-id");
        if (requestId == null || !requestId.isTextual()) {
            count("missing_request_id");
            return;
        }
        TurnSink sink = l.turns.get(requestId.asText());
        if (sink == null) {
            count("unknown_request_id");
            return;
        }
        count("routed_updates");
        sink.onUpdate(params);
    }

    private void count(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }

    private CompletableFuture<JsonNode> deleteWith(Link l, String param, String sessionId) {
        ObjectNode params = mapper.createObjectNode();
        params.put(param, sessionId);
        return l.rpc.call("chat/deleteSessionById", params, settings.deleteTimeout());
    }

    private static GatewayException modelsError(Throwable e) {
        Throwable cause = unwrap(e);
        if (cause instanceof GatewayException g) {
            return g;
        }
        if (cause instanceof IpcTransportException || cause instanceof IpcDiscoveryException) {
            return new GatewayException(ErrorKind.BACKEND_UNAVAILABLE,
                    "Lingma IPC is not reachable: " + cause.getMessage(), cause);
        }
        return new GatewayException(ErrorKind.UPSTREAM_ERROR, "Lingma IPC model listing failed: "
                + cause.getMessage(), cause);
    }

    private static String withPath(String url, String path) {
        java.net.URI uri = java.net.URI.create(url);
        return uri.getScheme() + "://" + uri.getHost() + (uri.getPort() > 0 ? ":" + uri.getPort() : "") + path;
    }

    private static Duration min(Duration a, Duration b) {
        return a.compareTo(b) <= 0 ? a : b;
    }

    /**
     * @param e a failure, possibly wrapped in {@link CompletionException}/{@link ExecutionException}
     * @return the underlying cause
     */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        while ((t instanceof CompletionException || t instanceof ExecutionException) && t.getCause() != null) {
            t = t.getCause();
        }
        return t;
    }

    private static String rootMessage(Throwable e) {
        return unwrap(e).getMessage();
    }
}
