package io.lingma.gateway.http;

import io.lingma.gateway.chat.TurnWatch;
import io.lingma.gateway.chat.UpstreamTurn;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tracks whether the HTTP client of one request is still connected, and abandons the request's upstream turn when
 * it goes away (client-api.md §2.9 "Client disconnect"). {@link #disconnected()} may run on the Vert.x event loop,
 * so it only flips a flag, calls the non-blocking {@link UpstreamTurn#cancel(String)} and runs the registered
 * non-blocking listeners.
 */
public final class ClientConnection implements TurnWatch {

    private final AtomicBoolean gone = new AtomicBoolean();
    private final List<Runnable> listeners = new CopyOnWriteArrayList<>();
    private volatile UpstreamTurn turn;

    /** Called when the client went away (response closed before it ended, or stopped reading). */
    public void disconnected() {
        if (gone.compareAndSet(false, true)) {
            UpstreamTurn t = turn;
            if (t != null) {
                t.cancel("client disconnected");
            }
            listeners.forEach(Runnable::run);
        }
    }

    /** @return true once the client went away */
    public boolean gone() {
        return gone.get();
    }

    @Override
    public boolean abandoned() {
        return gone.get();
    }

    /**
     * Links the request's upstream turn; cancels it at once when the client is already gone.
     *
     * @param upstream the opened turn
     */
    @Override
    public void attach(UpstreamTurn upstream) {
        this.turn = upstream;
        if (gone.get()) {
            upstream.cancel("client disconnected");
        }
    }

    /**
     * Runs {@code listener} when the client goes away (at once when it already has). Must not block.
     *
     * @param listener what to run
     */
    public void whenGone(Runnable listener) {
        listeners.add(listener);
        if (gone.get()) {
            listener.run();
        }
    }
}
