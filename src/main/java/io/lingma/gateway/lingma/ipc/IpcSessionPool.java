package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ResolvedModel;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * Ready Lingma sessions per model ({@code gateway.ipc.session-pool.size}, lingma-ipc.md §5.2–§5.3), so that fresh
 * and {@code auto} turns send their prompt without waiting for {@code session/new} and {@code session/set_model}.
 *
 * <p>A model gets a pool on its first {@link #take}; every take refills it in the background up to the size. A
 * pooled session belongs to the connection it was created on: {@link #take} never hands out one of an older
 * connection, and {@link #onReconnected} deletes those. A session unused for
 * {@code gateway.ipc.session-pool.idle-timeout} is deleted; {@link #close()} deletes the rest and every session
 * whose creation is still running once it completes. Every deletion goes through the {@code deleter} the backend
 * tracks for shutdown. Thread-safe; never blocks.
 */
final class IpcSessionPool {

    private static final Logger LOG = LoggerFactory.getLogger(IpcSessionPool.class);

    /**
     * One ready session: id, connection generation, the model key it was set to, the request id of that
     * {@code session/set_model} (null when none was sent) and its idle timer.
     */
    record Pooled(String sessionId, long generation, String modelKey, String requestId, long timerId) {
    }

    /** The ready sessions and running creations of one model. */
    private static final class ModelPool {
        final ResolvedModel model;
        final ArrayDeque<Pooled> ready = new ArrayDeque<>();
        int creating;

        ModelPool(ResolvedModel model) {
            this.model = model;
        }
    }

    private final LingmaIpcClient client;
    private final IpcSettings settings;
    private final Consumer<String> deleter;
    private final int size;
    /** Model key to pool; guarded by this. */
    private final Map<String, ModelPool> pools = new HashMap<>();
    /** Creations still running; {@link IpcChatBackend#close()} waits for them (they delete their session then). */
    private final Set<CompletableFuture<Void>> creations = ConcurrentHashMap.newKeySet();
    private boolean closed;

    /**
     * @param client   the IPC client the sessions are created on
     * @param settings pool size, idle timeout, set-up timeout and the {@code session/new} parameters
     * @param deleter  deletes a session in the background (tracked by the backend for shutdown)
     */
    IpcSessionPool(LingmaIpcClient client, IpcSettings settings, Consumer<String> deleter) {
        this.client = client;
        this.settings = settings;
        this.deleter = deleter;
        this.size = settings.sessionPoolSize();
    }

    /** @return true when {@code gateway.ipc.session-pool.size} is above 0 */
    boolean enabled() {
        return size > 0;
    }

    /**
     * Takes a ready session for {@code model} on connection {@code l} and starts refilling the pool. Sessions of
     * an older connection met on the way are deleted.
     *
     * @param l     the open connection the turn runs on
     * @param model the turn's model
     * @return a session already set to the model on {@code l}, or null when none is ready (the caller creates one)
     */
    Pooled take(LingmaIpcClient.Link l, ResolvedModel model) {
        if (size == 0) {
            return null;
        }
        Pooled taken = null;
        List<Pooled> stale = new ArrayList<>();
        synchronized (this) {
            if (closed) {
                return null;
            }
            ModelPool pool = pools.computeIfAbsent(key(model), k -> new ModelPool(model));
            while (taken == null && !pool.ready.isEmpty()) {
                Pooled p = pool.ready.pollFirst();
                if (p.generation() == l.generation && l.isOpen()) {
                    taken = p;
                } else {
                    stale.add(p);
                }
            }
        }
        for (Pooled p : stale) {
            discard(p, "of an old connection");
        }
        if (taken != null) {
            cancelTimer(taken);
        }
        refill(key(model));
        return taken;
    }

    /**
     * Deletes the pooled sessions of connections other than {@code generation} (they belong to a dead connection)
     * and refills every known model on the new one.
     *
     * @param generation the generation of the new connection
     */
    void onReconnected(long generation) {
        if (size == 0) {
            return;
        }
        List<Pooled> stale = new ArrayList<>();
        List<String> keys;
        synchronized (this) {
            if (closed) {
                return;
            }
            for (ModelPool pool : pools.values()) {
                pool.ready.removeIf(p -> p.generation() != generation && stale.add(p));
            }
            keys = List.copyOf(pools.keySet());
        }
        for (Pooled p : stale) {
            discard(p, "of an old connection");
        }
        keys.forEach(this::refill);
    }

    /**
     * Stops refilling and deletes every pooled session; creations still running delete their session when they
     * complete. Idempotent.
     *
     * @return the creations still running (complete after their session was handed to the deleter)
     */
    Set<CompletableFuture<Void>> close() {
        List<Pooled> all = new ArrayList<>();
        synchronized (this) {
            closed = true;
            for (ModelPool pool : pools.values()) {
                all.addAll(pool.ready);
                pool.ready.clear();
            }
        }
        for (Pooled p : all) {
            discard(p, "at shutdown");
        }
        return creations;
    }

    /** @return ready sessions over all models (for status) */
    synchronized int size() {
        int n = 0;
        for (ModelPool pool : pools.values()) {
            n += pool.ready.size();
        }
        return n;
    }

    private void refill(String key) {
        while (true) {
            ResolvedModel model;
            synchronized (this) {
                ModelPool pool = pools.get(key);
                if (closed || pool == null || pool.ready.size() + pool.creating >= size) {
                    return;
                }
                pool.creating++;
                model = pool.model;
            }
            create(key, model);
        }
    }

    /** Creates one session and sets its model, then pools it, or deletes it when it came too late. */
    private void create(String key, ResolvedModel model) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        creations.add(done);
        // [0] session id, [1] request id of its set_model
        String[] created = new String[2];
        client.link().thenCompose(l -> l.rpc.call("session/new", IpcAcpRequests.sessionNew(client.mapper(), settings),
                settings.setupTimeout()).thenCompose(result -> {
                    String id = result.path("sessionId").asText(result.path("id").asText(""));
                    if (id.isEmpty()) {
                        throw new IllegalStateException("Lingma IPC did not return a sessionId");
                    }
                    created[0] = id;
                    if (model.key() == null || model.key().isEmpty()) {
                        return CompletableFuture.completedFuture(l);
                    }
                    String rid = settings.requestIdPrefix() + "-" + System.currentTimeMillis() + "-"
                            + Ids.hex("", 8);
                    created[1] = rid;
                    return l.rpc.call("session/set_model", IpcAcpRequests.setModel(client.mapper(), settings, model,
                            id, rid), settings.setupTimeout()).thenApply(r -> l);
                })).whenComplete((l, e) -> {
                    try {
                        if (e != null) {
                            LOG.debug("Lingma IPC session pool could not prepare a session for {}: {}", key,
                                    LingmaIpcClient.unwrap(e).toString());
                            synchronized (this) {
                                ModelPool pool = pools.get(key);
                                if (pool != null) {
                                    pool.creating--;
                                }
                            }
                            if (created[0] != null) {
                                deleter.accept(created[0]);
                            }
                            return;
                        }
                        pooled(key, l, created[0], model.key() == null ? "" : model.key(), created[1]);
                    } finally {
                        creations.remove(done);
                        done.complete(null);
                    }
                });
    }

    private void pooled(String key, LingmaIpcClient.Link l, String sessionId, String modelKey, String rid) {
        boolean keep;
        synchronized (this) {
            ModelPool pool = pools.get(key);
            if (pool != null) {
                pool.creating--;
            }
            keep = !closed && pool != null && l.isOpen() && l.generation == client.generation()
                    && pool.ready.size() < size;
            if (keep) {
                long timer = client.vertx().setTimer(settings.sessionPoolIdleTimeout().toMillis(),
                        t -> expire(key, sessionId));
                pool.ready.addLast(new Pooled(sessionId, l.generation, modelKey, rid, timer));
            }
        }
        if (!keep) {
            deleter.accept(sessionId);
        }
    }

    private void expire(String key, String sessionId) {
        Pooled expired = null;
        synchronized (this) {
            ModelPool pool = pools.get(key);
            if (pool == null) {
                return;
            }
            for (Pooled p : pool.ready) {
                if (p.sessionId().equals(sessionId)) {
                    expired = p;
                }
            }
            if (expired == null) {
                return;
            }
            pool.ready.remove(expired);
        }
        // not refilled: the next take of the model does that
        LOG.debug("Lingma IPC pooled session {} idle for {}; deleting it", sessionId,
                settings.sessionPoolIdleTimeout());
        deleter.accept(sessionId);
    }

    private void discard(Pooled p, String why) {
        cancelTimer(p);
        LOG.debug("Lingma IPC pooled session {} deleted {}", p.sessionId(), why);
        deleter.accept(p.sessionId());
    }

    private void cancelTimer(Pooled p) {
        client.vertx().cancelTimer(p.timerId());
    }

    private static String key(ResolvedModel model) {
        return model.key() == null ? "" : model.key();
    }
}
