package io.lingma.gateway.http;

import io.lingma.gateway.chat.UpstreamTurn;

import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Tracks whether the HTTP client of one request is still connected, and abandons the request's upstream turn when
 * it goes away (client-api.md §2.9 "Client disconnect"). {@link #disconnected()} runs on the Vert.x event loop, so
 * it only flips a flag and calls the non-blocking {@link UpstreamTurn#cancel(String)}.
 */
public final class ClientConnection {

    private final AtomicBoolean gone = new AtomicBoolean();
    private volatile UpstreamTurn turn;

    /** Called by the response's close handler. */
    public void disconnected() {
        if (gone.compareAndSet(false, true)) {
            UpstreamTurn t = turn;
            if (t != null) {
                t.cancel("client disconnected");
            }
        }
    }

    /** @return true once the client went away */
    public boolean gone() {
        return gone.get();
    }

    /**
     * Links the request's upstream turn; cancels it at once when the client is already gone.
     *
     * @param upstream the opened turn
     */
    public void attach(UpstreamTurn upstream) {
        this.turn = upstream;
        if (gone.get()) {
            upstream.cancel("client disconnected");
        }
    }
}
