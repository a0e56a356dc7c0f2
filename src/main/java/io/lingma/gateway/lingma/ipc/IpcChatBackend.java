package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

/**
 * The IPC chat backend (lingma-ipc.md §5.2–§5.8, §6; client-api.md §9.8, §11, §12): runs each turn as
 * {@code session/new} (or a reused session) → {@code session/set_model} → {@code session/prompt} and turns the
 * {@code session/update} stream into {@link ChatEvent}s.
 *
 * <p>Session modes ({@code gateway.ipc.session-mode}): {@code fresh} — a new session per turn with the full
 * transcript, deleted afterwards; {@code reuse} — one sticky session, newest user text only, prompts serialised,
 * dropped and deleted after errors; {@code auto} — the prefix-hash session cache ({@link IpcSessionCache}).
 *
 * <p>At most {@code gateway.ipc.max-concurrent-turns} turns are open at once; a caller that cannot get a slot
 * within the setup timeout gets 429 {@code rate_limit_exceeded}. {@link #close()} deletes cached and sticky
 * sessions but does not close the {@link LingmaIpcClient} (the wiring owns it).
 *
 * <p>Fresh turns (also {@code auto} turns without a cache hit) take a ready session from the
 * {@link IpcSessionPool} when one is there ({@code gateway.ipc.session-pool.size}); used sessions are deleted in the
 * background after the turn.
 */
public final class IpcChatBackend implements ChatBackend, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(IpcChatBackend.class);

    /** The sticky session of {@code reuse} mode. */
    record Sticky(String sessionId, long generation, String modelKey) {
    }

    final LingmaIpcClient client;
    final IpcSettings settings;
    final TokenEstimator estimator;
    final IpcPromptRenderer renderer;
    final IpcSessionCache sessionCache;
    final IpcSessionPool sessionPool;
    private final boolean simulator;
    private final java.util.function.Function<ChatTurn, String> toolContract;
    private final Semaphore turnSlots;
    private final Semaphore stickyLock = new Semaphore(1, true);
    private final Set<CompletableFuture<Void>> pendingDeletes = ConcurrentHashMap.newKeySet();
    /** Turns from construction until they released their slot; cancelled by {@link #close()}. */
    private final Set<IpcTurn> openTurns = ConcurrentHashMap.newKeySet();
    /** One future per {@link IpcTurn#begin()} still running; {@link #close()} waits for them. */
    private final Set<CompletableFuture<Void>> beginning = ConcurrentHashMap.newKeySet();
    private volatile Sticky sticky;
    private volatile ChatEvent.ContextUsage lastContextUsage;
    private volatile boolean closed;

    /**
     * @param client    the IPC client (connection, routing, catalogue)
     * @param settings  IPC settings
     * @param estimator token estimator for the estimated usage (client-api.md §12)
     * @param simulator true when the client talks to the built-in simulator ({@link #name()} is then
     *                  {@code simulator})
     * @param toolContract the tool contract for a request (client-api.md §10.4), or null when tools are not
     *                     emulated for it; appended to the prompt by the renderer (§9.8)
     */
    public IpcChatBackend(LingmaIpcClient client, IpcSettings settings, TokenEstimator estimator, boolean simulator,
                          java.util.function.Function<ChatTurn, String> toolContract) {
        this.client = client;
        this.settings = settings;
        this.estimator = estimator;
        this.simulator = simulator;
        this.toolContract = toolContract == null ? t -> null : toolContract;
        this.renderer = new IpcPromptRenderer(client.mapper());
        this.turnSlots = new Semaphore(settings.maxConcurrentTurns(), true);
        this.sessionCache = new IpcSessionCache(settings.sessionCacheEnabled(), settings.sessionCacheMaxEntries(),
                settings.sessionCacheTtl(), System::nanoTime, (entry, why) -> {
                    LOG.debug("Lingma session cache {} session {}", why, entry.sessionId());
                    deleteSession(entry.sessionId());
                });
        this.sessionPool = new IpcSessionPool(client, settings, this::deleteSession);
        client.onConnected(this::onReconnected);
    }

    /**
     * Creates the agent working directory ({@code gateway.ipc.cwd}) and starts the client's non-blocking warm-up.
     * Never fails because Lingma is down.
     *
     * @throws IllegalStateException when the working directory cannot be created
     */
    public void start() {
        try {
            Files.createDirectories(settings.cwd());
        } catch (IOException e) {
            throw new IllegalStateException("cannot create gateway.ipc.cwd " + settings.cwd(), e);
        }
        if (settings.sessionMode() == IpcSettings.SessionMode.REUSE) {
            LOG.warn("gateway.ipc.session-mode=reuse: all clients share one Lingma session; use it for single-user "
                    + "setups only");
        }
        client.start();
    }

    /** @return the settings this backend runs with (the defaults of the {@code lingma-ipc} endpoint options) */
    public IpcSettings settings() {
        return settings;
    }

    /** @return the prompt a fresh session would receive for {@code turn} (lingma-ipc.md §6.2, client-api.md §9.8) */
    @Override
    public String upstreamPromptText(ChatTurn turn) {
        return renderer.render(turn, toolContract.apply(turn));
    }

    @Override
    public boolean simulated() {
        return simulator;
    }

    /** @return {@code simulator} when running on the built-in simulator, else {@code ipc} */
    @Override
    public String name() {
        return simulator ? "simulator" : "ipc";
    }

    /**
     * Starts a turn (see {@link ChatBackend#open}). Blocks the calling worker thread during set-up: at most the
     * setup timeout for a slot, for the connection, for {@code session/new} and for {@code session/set_model}.
     *
     * @throws GatewayException 400 without a user message; 429 when all turn slots stay busy; 503
     *                          {@code backend_unavailable} when Lingma is unreachable or set-up times out; 503
     *                          {@code backend_unsupported} when the runtime lacks ACP sessions; 404 when the model
     *                          cannot be set; 502 on other upstream errors
     */
    @Override
    public UpstreamTurn open(ChatTurn turn, ResolvedModel model) {
        return open(turn, model, settings.sessionMode(), settings.setupTimeout());
    }

    /**
     * Starts a turn as {@link #open(ChatTurn, ResolvedModel)} with per-call overrides of two settings (the
     * {@code lingma-ipc:chat} endpoint options).
     *
     * @param turn         the normalised request
     * @param model        the resolved model
     * @param sessionMode  how this turn gets its Lingma session (default {@code gateway.ipc.session-mode})
     * @param setupTimeout longest wait for a turn slot and for each set-up call (default
     *                     {@code gateway.ipc.setup-timeout})
     * @return the running turn; the caller must close it
     * @throws GatewayException as {@link #open(ChatTurn, ResolvedModel)}
     */
    public UpstreamTurn open(ChatTurn turn, ResolvedModel model, IpcSettings.SessionMode sessionMode,
                             java.time.Duration setupTimeout) {
        IpcSettings settings = sessionMode == this.settings.sessionMode()
                && setupTimeout.equals(this.settings.setupTimeout()) ? this.settings
                : this.settings.toBuilder().sessionMode(sessionMode).setupTimeout(setupTimeout).build();
        if (closed) {
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "the Lingma IPC backend is shutting down");
        }
        String fullPrompt = renderer.render(turn, toolContract.apply(turn));
        String lastUserText = renderer.lastUserText(turn);
        acquire(turnSlots, settings.setupTimeout(), "Too many concurrent Lingma IPC turns "
                + "(gateway.ipc.max-concurrent-turns=" + settings.maxConcurrentTurns() + ")");
        boolean stickyHeld = false;
        IpcImageAttachments images = IpcImageAttachments.none();
        IpcTurn.Plan plan = null;
        try {
            plan = plan(turn, model, settings.sessionMode());
            if (plan.kind() == IpcTurn.Kind.STICKY) {
                acquire(stickyLock, settings.setupTimeout(),
                        "the shared reuse-mode Lingma session is busy with another request");
                stickyHeld = true;
            }
            List<io.lingma.gateway.chat.ImageInput> newest = IpcPromptRenderer.newestImages(turn);
            if (!newest.isEmpty()) {
                try {
                    images = IpcImageAttachments.write(newest, null);
                } catch (IOException e) {
                    throw new GatewayException(ErrorKind.INTERNAL, "could not stage the image for Lingma", e);
                }
            }
            IpcTurn upstream = new IpcTurn(this, settings, turn, model, plan, fullPrompt, lastUserText, images,
                    stickyHeld);
            openTurns.add(upstream);
            CompletableFuture<Void> begun = new CompletableFuture<>();
            beginning.add(begun);
            try {
                upstream.begin();
            } finally {
                beginning.remove(begun);
                begun.complete(null);
            }
            if (closed) {
                // close() ran during the set-up and may not have seen this turn
                upstream.cancel("the gateway is shutting down");
            }
            return upstream;
        } catch (RuntimeException e) {
            // IpcTurn releases its own resources when begin() fails; this covers failures before it exists
            if (!(e instanceof IpcTurn.BeginFailure)) {
                turnSlots.release();
                if (stickyHeld) {
                    stickyLock.release();
                }
                images.deleteFiles();
                if (plan != null && plan.cacheEntry() != null) {
                    deleteSession(plan.cacheEntry().sessionId());
                }
                throw e;
            }
            throw ((IpcTurn.BeginFailure) e).error();
        }
    }

    /** {@inheritDoc} Blocks up to setup + models timeout. */
    @Override
    public List<ModelInfo> models() {
        return client.models();
    }

    /** @return true when the IPC connection is open and initialised and the backend is not shut down */
    @Override
    public boolean ready() {
        return !closed && client.ready();
    }

    /**
     * @return the client's status plus {@code backend}, {@code session_mode}, {@code sticky_session_id},
     * {@code context_usage} ({@code used_tokens}/{@code limit_tokens} of the last turn), {@code open_turns},
     * {@code session_cache} counters and {@code session_pool} ({@code enabled}, ready {@code size})
     */
    @Override
    public Map<String, Object> status() {
        Map<String, Object> status = new LinkedHashMap<>();
        status.put("backend", name());
        status.putAll(client.status());
        status.put("session_mode", settings.sessionMode().configValue());
        Sticky s = sticky;
        status.put("sticky_session_id", s == null ? null : s.sessionId());
        ChatEvent.ContextUsage usage = lastContextUsage;
        status.put("context_usage", usage == null ? null
                : Map.of("used_tokens", usage.usedTokens(), "limit_tokens", usage.limitTokens()));
        status.put("open_turns", settings.maxConcurrentTurns() - turnSlots.availablePermits());
        IpcSessionCache.Stats stats = sessionCache.stats();
        status.put("session_cache", Map.of("enabled", sessionCache.enabled(), "hit_total", stats.hits(),
                "miss_total", stats.misses(), "evict_total", stats.evictions(), "expire_total", stats.expirations(),
                "size", stats.size()));
        status.put("session_pool", Map.of("enabled", sessionPool.enabled(), "size", sessionPool.size()));
        return status;
    }

    /** @return hit/miss/evict/expire counters of the {@code auto}-mode session cache (client-api.md §11.3) */
    public IpcSessionCache.Stats sessionCacheStats() {
        return sessionCache.stats();
    }

    /**
     * Shuts the backend down so that every Lingma session it created is deleted: later {@link #open} calls fail
     * with 503; turns still open are cancelled (their sessions deleted) and set-ups still running are waited for;
     * then every cached session and the sticky session are deleted, and all deletions, including those waiting for
     * a reconnect, are waited for. Blocks up to {@code gateway.ipc.setup-timeout} for the set-ups plus
     * {@code gateway.ipc.delete-timeout} for the deletions; the connection must stay open until this returns (the
     * wiring closes the {@link LingmaIpcClient} afterwards). Idempotent.
     */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (IpcTurn turn : List.copyOf(openTurns)) {
            turn.cancel("the gateway is shutting down");
        }
        await(beginning, settings.setupTimeout().toNanos(), "not every Lingma turn set-up ended at shutdown");
        sessionCache.clear();
        await(sessionPool.close(), settings.setupTimeout().toNanos(), "not every pooled Lingma session was ready at "
                + "shutdown");
        Sticky s = sticky;
        sticky = null;
        if (s != null) {
            deleteSession(s.sessionId());
        }
        await(pendingDeletes, settings.deleteTimeout().toNanos(), "not every Lingma session was deleted at shutdown");
    }

    /** Waits until {@code futures} is empty (new members included) or the time is up. */
    private static void await(Set<CompletableFuture<Void>> futures, long timeoutNanos, String onTimeout) {
        long deadline = System.nanoTime() + timeoutNanos;
        try {
            while (true) {
                futures.removeIf(CompletableFuture::isDone);
                if (futures.isEmpty()) {
                    return;
                }
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    LOG.warn("{} ({} left)", onTimeout, futures.size());
                    return;
                }
                CompletableFuture.allOf(futures.toArray(new CompletableFuture<?>[0]))
                        .get(left, TimeUnit.NANOSECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.TimeoutException e) {
            LOG.warn("{} ({} left)", onTimeout, futures.size());
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.debug("{}: {}", onTimeout, e.toString());
        }
    }

    // ---- package API for IpcTurn ----

    /** Deletes a session in the background and tracks the deletion for shutdown. */
    void deleteSession(String sessionId) {
        CompletableFuture<Void> f = client.deleteSession(sessionId);
        if (!f.isDone()) {
            pendingDeletes.add(f);
            f.whenComplete((v, e) -> pendingDeletes.remove(f));
        }
    }

    Sticky sticky() {
        return sticky;
    }

    void setSticky(Sticky s) {
        sticky = s;
    }

    /** Drops the sticky session if it is still {@code sessionId}; deletes it upstream when asked. */
    void dropSticky(String sessionId, boolean delete) {
        Sticky s = sticky;
        if (s != null && s.sessionId().equals(sessionId)) {
            sticky = null;
            LOG.info("Lingma reuse-mode sticky session {} dropped", sessionId);
        }
        if (delete && sessionId != null) {
            deleteSession(sessionId);
        }
    }

    void releaseSlot(IpcTurn turn, boolean stickyHeld) {
        openTurns.remove(turn);
        turnSlots.release();
        if (stickyHeld) {
            stickyLock.release();
        }
    }

    void contextUsage(ChatEvent.ContextUsage usage) {
        lastContextUsage = usage;
    }

    private IpcTurn.Plan plan(ChatTurn turn, ResolvedModel model, IpcSettings.SessionMode sessionMode) {
        switch (sessionMode) {
            case FRESH:
                return new IpcTurn.Plan(IpcTurn.Kind.FRESH, null, false);
            case REUSE:
                return new IpcTurn.Plan(IpcTurn.Kind.STICKY, null, false);
            default:
                break;
        }
        boolean eligible = sessionCache.enabled() && IpcSessionCache.toolFree(turn) && !model.agentMode();
        if (!eligible) {
            return new IpcTurn.Plan(IpcTurn.Kind.FRESH, null, false);
        }
        IpcSessionCache.Entry entry = null;
        List<ChatMessage> messages = turn.messages();
        if (messages.size() >= 2) {
            String readKey = IpcSessionCache.buildKey(turn.apiKeyScope(), turn.system(),
                    messages.subList(0, messages.size() - 1), null);
            entry = sessionCache.acquire(readKey);
            long generation = client.generation();
            if (entry != null && entry.generation() != generation) {
                LOG.info("ipc session cache instance gen-{} unhealthy, falling back to fresh (gen-{})",
                        entry.generation(), generation);
                deleteSession(entry.sessionId());
                entry = null;
            }
        }
        return new IpcTurn.Plan(entry == null ? IpcTurn.Kind.FRESH : IpcTurn.Kind.CACHED, entry, true);
    }

    private void onReconnected(long generation) {
        sessionPool.onReconnected(generation);
        sessionCache.invalidateIf(e -> e.generation() != generation);
        Sticky s = sticky;
        if (s != null && s.generation() != generation) {
            dropSticky(s.sessionId(), true);
        }
    }

    private void acquire(Semaphore semaphore, java.time.Duration timeout, String busyMessage) {
        try {
            if (!semaphore.tryAcquire(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                throw new GatewayException(ErrorKind.RATE_LIMITED, busyMessage, null, 5, null);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "interrupted while waiting for Lingma", e);
        }
    }
}
