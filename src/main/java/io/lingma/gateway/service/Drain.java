package io.lingma.gateway.service;

import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.time.Duration;

/**
 * The gateway's graceful-shutdown state (README "Deploy"): from {@link #begin(Duration)} (SIGTERM, Camel's context
 * stopping) readiness is false and new requests get 503 {@code shutting_down}; responses already running may go on
 * until the deadline, then end with the protocol's terminal error, so every response has ended before Camel's
 * {@code camel.main.shutdown-timeout} forces the routes down. Thread-safe.
 */
public final class Drain {

    private volatile long deadline;
    private volatile boolean draining;

    /**
     * Starts draining; later calls keep the first deadline.
     *
     * @param grace how long running responses may still take
     */
    public synchronized void begin(Duration grace) {
        if (!draining) {
            deadline = System.nanoTime() + grace.toNanos();
            draining = true;
        }
    }

    /** @return true once the shutdown began */
    public boolean draining() {
        return draining;
    }

    /** @return nanoseconds left for running responses; {@link Long#MAX_VALUE} while not draining */
    public long remainingNanos() {
        return draining ? deadline - System.nanoTime() : Long.MAX_VALUE;
    }

    /** @return the 503 that ends a response still running at the deadline, or null before it */
    public GatewayException expired() {
        return remainingNanos() > 0 ? null : shuttingDown();
    }

    /** @return 503 {@code shutting_down} with {@code Retry-After: 1} (another replica can take the request) */
    public static GatewayException shuttingDown() {
        return new GatewayException(ErrorKind.SHUTTING_DOWN, "lingma-gateway is shutting down; retry the request",
                null, 1, null);
    }
}
