package io.lingma.gateway.service;

import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Bounds concurrent generation requests (client-api.md §2.6): at most {@code maxInFlight} run at once; others wait
 * in a FIFO queue (a fair {@link Semaphore}) of at most {@code maxQueued} entries for up to {@code queueTimeout},
 * then get 429 with {@code Retry-After}; a full queue answers 429 at once. A slot is held until the response
 * (including a stream) ends; {@link Permit#release()} is idempotent.
 */
public class ConcurrencyLimiter {

    private final Semaphore slots;
    private final int maxInFlight;
    private final int maxQueued;
    private final Duration queueTimeout;
    private final int retryAfterSeconds;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AtomicInteger queued = new AtomicInteger();
    private final AtomicLong accepted = new AtomicLong();
    private final AtomicLong rejected = new AtomicLong();

    /**
     * @param maxInFlight       concurrent generation requests ({@code gateway.concurrency.max-in-flight}, default 4;
     *                          ≤ 0 = unlimited)
     * @param maxQueued         requests allowed to wait ({@code gateway.concurrency.max-queued}, default 64)
     * @param queueTimeout      longest wait for a slot ({@code gateway.concurrency.queue-timeout}, default 30 s)
     * @param retryAfterSeconds value of {@code Retry-After} on 429 ({@code gateway.concurrency.retry-after}, default 5)
     */
    public ConcurrencyLimiter(int maxInFlight, int maxQueued, Duration queueTimeout, int retryAfterSeconds) {
        this.maxInFlight = maxInFlight;
        this.maxQueued = Math.max(0, maxQueued);
        this.queueTimeout = queueTimeout;
        this.retryAfterSeconds = retryAfterSeconds;
        this.slots = maxInFlight <= 0 ? null : new Semaphore(maxInFlight, true);
    }

    /**
     * Takes a slot, waiting in the queue if needed. Blocks the calling (worker) thread.
     *
     * @return the permit to release when the response ends
     * @throws GatewayException 429 {@code rate_limit_exceeded} with {@code Retry-After} when the queue is full or the
     *                          wait timed out (or the waiting thread was interrupted)
     */
    public Permit acquire() {
        if (slots != null && !take()) {
            throw reject();
        }
        inFlight.incrementAndGet();
        accepted.incrementAndGet();
        return new Permit();
    }

    private boolean take() {
        try {
            // a zero-timeout tryAcquire honours the fair queue, unlike the barging no-argument tryAcquire()
            if (slots.tryAcquire(0, TimeUnit.MILLISECONDS)) {
                return true;
            }
            if (queued.incrementAndGet() > maxQueued) {
                queued.decrementAndGet();
                return false;
            }
            try {
                return slots.tryAcquire(queueTimeout.toMillis(), TimeUnit.MILLISECONDS);
            } finally {
                queued.decrementAndGet();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    private GatewayException reject() {
        rejected.incrementAndGet();
        return new GatewayException(ErrorKind.RATE_LIMITED, "Too many in-flight requests", null, retryAfterSeconds,
                null);
    }

    /** @return requests running now */
    public int inFlight() {
        return inFlight.get();
    }

    /** @return requests waiting for a slot now */
    public int queued() {
        return queued.get();
    }

    /** @return requests that got a slot since start */
    public long acceptedTotal() {
        return accepted.get();
    }

    /** @return requests answered 429 since start */
    public long rejectedTotal() {
        return rejected.get();
    }

    /** @return the configured maximum (≤ 0 = unlimited) */
    public int maxInFlight() {
        return maxInFlight;
    }

    /** A held slot. */
    public final class Permit {
        private final AtomicBoolean released = new AtomicBoolean();

        private Permit() {
        }

        /** Frees the slot; later calls do nothing. */
        public void release() {
            if (released.compareAndSet(false, true)) {
                inFlight.decrementAndGet();
                if (slots != null) {
                    slots.release();
                }
            }
        }
    }
}
