package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Deletes Lingma sessions in the background (lingma-ipc.md §5.8): {@code {"sessionId"}} first, once {@code {"id"}}
 * on error, the name that worked remembered per connection. Lingma keeps a session when only the WebSocket drops,
 * so a session that cannot be deleted for want of a connection is set aside and deleted after the next connect.
 * Thread-safe.
 */
final class IpcSessionDeleter {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaIpcClient.class);

    private final ObjectMapper mapper;
    private final IpcSettings settings;
    private final Supplier<CompletableFuture<LingmaIpcClient.Link>> link;
    private final BooleanSupplier ready;
    private final BooleanSupplier closed;
    /** Sessions to delete once a connection is open again: Lingma keeps them when only the WebSocket drops. */
    private final Set<String> orphanedSessions = ConcurrentHashMap.newKeySet();

    /**
     * @param mapper   the shared JSON mapper
     * @param settings the delete timeout
     * @param link     the open connection, connecting if needed (at most the setup timeout)
     * @param ready    whether a connection is open now
     * @param closed   whether the client was closed
     */
    IpcSessionDeleter(ObjectMapper mapper, IpcSettings settings, Supplier<CompletableFuture<LingmaIpcClient.Link>> link,
            BooleanSupplier ready, BooleanSupplier closed) {
        this.mapper = mapper;
        this.settings = settings;
        this.link = link;
        this.ready = ready;
        this.closed = closed;
    }

    /**
     * Deletes on whatever connection is open: while none is, the delete waits for the reconnect, and a session
     * that still cannot be deleted then is set aside for {@link #flush()}. Other failures are logged and ignored.
     *
     * @param sessionId the session (null: nothing to do)
     * @return completes (never exceptionally) when deleted, given up on, or set aside for the next connect
     */
    CompletableFuture<Void> delete(String sessionId) {
        if (sessionId == null || closed.getAsBoolean()) {
            return CompletableFuture.completedFuture(null);
        }
        return link.get().thenCompose(l -> deleteOn(l, sessionId)).handle((ok, e) -> {
            if (e == null) {
                return CompletableFuture.<Void>completedFuture(null);
            }
            Throwable cause = LingmaIpcClient.unwrap(e);
            boolean connectionProblem = cause instanceof IpcConnectionClosedException
                    || cause instanceof IpcTransportException || cause instanceof IpcDiscoveryException;
            if (connectionProblem && !closed.getAsBoolean()) {
                orphanedSessions.add(sessionId);
                LOG.debug("Lingma IPC session {} will be deleted after the next connect: {}", sessionId,
                        cause.getMessage());
                if (ready.getAsBoolean()) {
                    // a connection opened meanwhile, and its flush may have run before the add
                    flush();
                }
            } else {
                LOG.debug("Lingma IPC could not delete session {}: {}", sessionId, cause.getMessage());
            }
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    /** Deletes the sessions set aside while no connection was open; called after every successful connect. */
    void flush() {
        for (String sessionId : List.copyOf(orphanedSessions)) {
            if (orphanedSessions.remove(sessionId)) {
                delete(sessionId);
            }
        }
    }

    /** @return how many sessions wait for a connection to be deleted on */
    int orphanedCount() {
        return orphanedSessions.size();
    }

    /**
     * Deletes on one connection; fails only with {@link IpcConnectionClosedException} (the connection went away
     * before the answer), every other outcome completes normally.
     */
    private CompletableFuture<Void> deleteOn(LingmaIpcClient.Link l, String sessionId) {
        String known = l.deleteParam;
        String first = known != null ? known : "sessionId";
        return deleteWith(l, first, sessionId).handle((ok, e) -> {
            if (e == null) {
                l.deleteParam = first;
                return CompletableFuture.<Void>completedFuture(null);
            }
            if (LingmaIpcClient.unwrap(e) instanceof IpcConnectionClosedException closedError) {
                return CompletableFuture.<Void>failedFuture(closedError);
            }
            if (known == null && LingmaIpcClient.unwrap(e) instanceof JsonRpcException) {
                String second = first.equals("sessionId") ? "id" : "sessionId";
                return deleteWith(l, second, sessionId).handle((ok2, e2) -> {
                    if (e2 == null) {
                        l.deleteParam = second;
                        LOG.debug("Lingma IPC chat/deleteSessionById works with '{}' on this connection", second);
                        return CompletableFuture.<Void>completedFuture(null);
                    }
                    if (LingmaIpcClient.unwrap(e2) instanceof IpcConnectionClosedException closedError) {
                        return CompletableFuture.<Void>failedFuture(closedError);
                    }
                    LOG.debug("Lingma IPC could not delete session {}: {}", sessionId,
                            LingmaIpcClient.unwrap(e2).getMessage());
                    return CompletableFuture.<Void>completedFuture(null);
                }).thenCompose(f -> f);
            }
            LOG.debug("Lingma IPC could not delete session {}: {}", sessionId, LingmaIpcClient.unwrap(e).getMessage());
            return CompletableFuture.<Void>completedFuture(null);
        }).thenCompose(f -> f);
    }

    private CompletableFuture<JsonNode> deleteWith(LingmaIpcClient.Link l, String param, String sessionId) {
        ObjectNode params = mapper.createObjectNode();
        params.put(param, sessionId);
        return l.rpc.call("chat/deleteSessionById", params, settings.deleteTimeout());
    }
}
