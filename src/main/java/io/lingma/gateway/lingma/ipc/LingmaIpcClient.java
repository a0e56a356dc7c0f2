package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.error.GatewayException;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
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
            owner.router.route(turns, method, params);
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
    private final IpcConnector connector;
    private final IpcNotificationRouter router = new IpcNotificationRouter();
    private final IpcModelCache models;
    private final IpcSessionDeleter sessions;
    private final List<LongConsumer> connectListeners = new CopyOnWriteArrayList<>();
    private final List<java.util.function.Consumer<IpcConnectionClosedException>> lossListeners =
            new CopyOnWriteArrayList<>();

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
        this.connector = new IpcConnector(vertx, mapper, settings, discovery);
        this.models = new IpcModelCache(settings,
                () -> call("config/queryModels", mapper.createObjectNode(), settings.modelsTimeout()));
        this.sessions = new IpcSessionDeleter(mapper, settings, this::link, this::ready, () -> closed);
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
        return models.models();
    }

    /** @return the model catalogue without blocking; failures as {@link #call} */
    public CompletableFuture<List<ModelInfo>> modelsAsync() {
        return models.modelsAsync();
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
        for (IpcEndpointDiscovery.Rejected r : connector.lastRejected()) {
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
        return router.counters();
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
        connector.close();
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
        return sessions.delete(sessionId);
    }

    /** @return how many sessions wait for a connection to be deleted on */
    int orphanedSessionCount() {
        return sessions.orphanedCount();
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

    private void attempt(CompletableFuture<Link> target) {
        connector.connect(this::newLink).whenComplete((l, e) -> attemptDone(target, l, e));
    }

    private Link newLink(IpcEndpointDiscovery.Endpoint ep) {
        long generation;
        synchronized (lock) {
            generation = ++generations;
        }
        return new Link(this, generation, ep);
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
            models.invalidate();
            target.complete(l);
            sessions.flush();
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
