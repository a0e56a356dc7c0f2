package io.lingma.gateway.config;

import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.UpstreamTurn;

import java.util.List;
import java.util.Map;

/**
 * A backend together with everything that must be shut down with it (e.g. the IPC backend and its connection),
 * so the registry's single destroy call releases all of it in the right order.
 */
final class ClosingBackend implements ChatBackend, AutoCloseable {

    private final ChatBackend delegate;
    private final Runnable shutdown;

    /**
     * @param delegate the backend that serves
     * @param shutdown what to run on {@link #close()}
     */
    ClosingBackend(ChatBackend delegate, Runnable shutdown) {
        this.delegate = delegate;
        this.shutdown = shutdown;
    }

    @Override
    public String name() {
        return delegate.name();
    }

    @Override
    public UpstreamTurn open(ChatTurn turn, ResolvedModel model) {
        return delegate.open(turn, model);
    }

    @Override
    public UpstreamTurn open(ChatTurn turn, ResolvedModel model, java.util.function.BooleanSupplier abandoned) {
        return delegate.open(turn, model, abandoned);
    }

    @Override
    public List<ModelInfo> models() {
        return delegate.models();
    }

    @Override
    public String upstreamPromptText(ChatTurn turn) {
        return delegate.upstreamPromptText(turn);
    }

    @Override
    public boolean nativeTools() {
        return delegate.nativeTools();
    }

    @Override
    public boolean simulated() {
        return delegate.simulated();
    }

    @Override
    public boolean ready() {
        return delegate.ready();
    }

    @Override
    public Map<String, Object> status() {
        return delegate.status();
    }

    @Override
    public void close() {
        shutdown.run();
    }
}
