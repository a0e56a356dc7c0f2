package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The Lingma model catalogue (lingma-ipc.md §5.9) cached for {@code gateway.ipc.models-ttl}: one
 * {@code config/queryModels} in flight at a time, only successful listings cached, emptied on every reconnect.
 * Thread-safe.
 */
final class IpcModelCache {

    private static final String MODELS_KEY = "config/queryModels";

    private final IpcSettings settings;
    private final Supplier<CompletableFuture<JsonNode>> listing;
    private final Cache<String, List<ModelInfo>> cache;
    private final AtomicReference<CompletableFuture<List<ModelInfo>>> load = new AtomicReference<>();

    /**
     * @param settings the TTL and the set-up and listing timeouts
     * @param listing  sends {@code config/queryModels} (connecting first if needed) and yields its result
     */
    IpcModelCache(IpcSettings settings, Supplier<CompletableFuture<JsonNode>> listing) {
        this.settings = settings;
        this.listing = listing;
        this.cache = Caffeine.newBuilder().expireAfterWrite(settings.modelsTtl()).maximumSize(1).build();
    }

    /**
     * Blocks the calling thread (never call it on the event loop) for at most the set-up plus the listing timeout.
     *
     * @return the models (empty when Lingma lists none)
     * @throws GatewayException 503 {@code backend_unavailable} when Lingma is unreachable, 502
     *                          {@code upstream_error} when the listing fails or times out
     */
    List<ModelInfo> models() {
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

    /** @return the models without blocking; fails as the listing does */
    CompletableFuture<List<ModelInfo>> modelsAsync() {
        List<ModelInfo> cached = cache.getIfPresent(MODELS_KEY);
        if (cached != null) {
            return CompletableFuture.completedFuture(cached);
        }
        // one listing in flight at a time; only successful listings are cached
        CompletableFuture<List<ModelInfo>> mine = new CompletableFuture<>();
        CompletableFuture<List<ModelInfo>> running = load.compareAndExchange(null, mine);
        if (running != null) {
            return running;
        }
        listing.get()
                .thenApply(IpcModelCatalog::parse)
                .whenComplete((models, e) -> {
                    load.set(null);
                    if (e == null) {
                        cache.put(MODELS_KEY, models);
                        mine.complete(models);
                    } else {
                        mine.completeExceptionally(LingmaIpcClient.unwrap(e));
                    }
                });
        return mine;
    }

    /** Forgets the cached listing (a new connection may serve other models). */
    void invalidate() {
        cache.invalidateAll();
    }

    private static GatewayException modelsError(Throwable e) {
        Throwable cause = LingmaIpcClient.unwrap(e);
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
}
