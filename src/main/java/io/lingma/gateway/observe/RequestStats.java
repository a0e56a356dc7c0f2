package io.lingma.gateway.observe;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.GatewayException;

/**
 * What one request's access-log line and metrics need from its upstream turn (issue 9 §2, §4), filled while the
 * turn runs and read once by the completion hook. Times are {@link System#nanoTime()} values, 0 while unset.
 * Thread-safe: the turn may be read on another thread than the one that completes the exchange.
 */
public final class RequestStats {

    private final long startNanos = System.nanoTime();
    private volatile long upstreamStartNanos;
    private volatile long upstreamEndNanos;
    private volatile long firstTokenNanos;
    private volatile Usage usage;
    private volatile GatewayException failure;
    private volatile io.lingma.gateway.chat.ResolvedModel answeredModel;

    /** @return when the request began (nanoTime) */
    public long startNanos() {
        return startNanos;
    }

    /** Marks the start of the upstream call (opening the turn). */
    public void upstreamStarted() {
        upstreamStartNanos = System.nanoTime();
    }

    /**
     * Marks the end of the upstream call (the turn closed); the first call wins.
     *
     * @param answered the model that answered (after any fallback), or null
     */
    public void upstreamEnded(io.lingma.gateway.chat.ResolvedModel answered) {
        if (answered != null) {
            answeredModel = answered;
        }
        if (upstreamEndNanos == 0 && upstreamStartNanos != 0) {
            upstreamEndNanos = System.nanoTime();
        }
    }

    /** @return the model that answered, or null before the turn closed */
    public io.lingma.gateway.chat.ResolvedModel answeredModel() {
        return answeredModel;
    }

    /**
     * Records what an upstream event says: the first content is the first token, the last usage report wins, a
     * failure is the upstream outcome.
     *
     * @param event an event of the turn, or null (none yet)
     */
    public void observe(ChatEvent event) {
        if (event == null) {
            return;
        }
        if (firstTokenNanos == 0 && event.content()) {
            firstTokenNanos = System.nanoTime();
        }
        if (event instanceof ChatEvent.UsageReport r && r.usage() != null) {
            usage = r.usage();
        } else if (event instanceof ChatEvent.Failure f) {
            failure = f.error();
        }
    }

    /** @return seconds from the request's start to the first content, or -1 when none arrived */
    public double timeToFirstTokenSeconds() {
        return firstTokenNanos == 0 ? -1 : (firstTokenNanos - startNanos) / 1e9;
    }

    /** @return seconds the upstream call took, or -1 when no call was made */
    public double upstreamSeconds() {
        if (upstreamStartNanos == 0) {
            return -1;
        }
        long end = upstreamEndNanos == 0 ? System.nanoTime() : upstreamEndNanos;
        return (end - upstreamStartNanos) / 1e9;
    }

    /** @return whether an upstream call was made */
    public boolean upstreamCalled() {
        return upstreamStartNanos != 0;
    }

    /** @return the last usage reported, or null */
    public Usage usage() {
        return usage;
    }

    /** @return the failure the stream ended with after its start, or null */
    public GatewayException failure() {
        return failure;
    }
}
