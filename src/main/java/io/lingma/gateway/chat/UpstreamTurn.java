package io.lingma.gateway.chat;

import java.time.Duration;

/**
 * A running upstream turn: a pull-based stream of {@link ChatEvent}s that ends with one terminal event.
 * Implementations buffer events in a {@link TurnEventQueue} filled by the upstream reader: bounded, so a slow client
 * either holds the upstream back (remote) or ends its turn with a failure (IPC), never the heap.
 */
public interface UpstreamTurn extends AutoCloseable {

    /**
     * Waits for the next event.
     *
     * @param timeout how long to wait; {@link Duration#ZERO} polls
     * @return the next event, or null when none arrived within {@code timeout}; after the terminal event has been
     * returned, returns it again on every call
     * @throws InterruptedException when the waiting thread is interrupted
     */
    ChatEvent next(Duration timeout) throws InterruptedException;

    /**
     * @return true once the upstream produced output, even output a wrapper still holds back (tool emulation);
     * deadlines for the first output use it so held text never counts as silence
     */
    default boolean upstreamContent() {
        return false;
    }

    /** @return the model this turn runs on (after any fallback) */
    ResolvedModel model();

    /**
     * Abandons the turn (client disconnected or timed out): cancels it upstream and frees its session.
     * Non-blocking and safe to call from a Vert.x event loop; idempotent.
     *
     * @param reason short text for logs
     */
    void cancel(String reason);

    /** Releases upstream resources (e.g. deletes a fresh Lingma session in the background). Idempotent. */
    @Override
    void close();
}
