package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.RetryableTurn;
import io.lingma.gateway.chat.TurnEventQueue;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.apache.hc.core5.concurrent.Cancellable;

import java.io.InputStream;
import java.time.Duration;
import java.util.function.Consumer;

/**
 * One attempt of a remote chat on one model: the SSE reader (on its attempt thread) offers events, the gateway
 * polls them; while the client lags more than the queue's bounds behind, the reader waits, so the response is not
 * read further and TCP holds the upstream back. {@link #cancel(String)} aborts the HTTP exchange itself — the request before the response arrived,
 * the response stream after — so the upstream is dropped, never drained (lingma-remote.md §10).
 */
public final class RemoteTurn implements RetryableTurn {

    private final ResolvedModel model;
    private final TurnEventQueue queue;
    private final Consumer<RemoteFailure> afterOutputFailure;
    private volatile Cancellable request;
    private volatile InputStream stream;
    private volatile boolean cancelled;
    private volatile boolean terminalOffered;
    private volatile RemoteFailure failure;
    private volatile java.util.function.Function<String, UpstreamTurn> retries;
    private volatile UpstreamTurn retry;
    private final java.util.ArrayDeque<ChatEvent> head = new java.util.ArrayDeque<>();
    private ChatEvent terminal;
    private boolean output;

    /**
     * @param model              the model this attempt runs on
     * @param capacity           events read ahead of the client at most
     * @param maxBufferedChars   characters of content read ahead of the client at most
     *                           ({@code gateway.stream.max-buffered-bytes})
     * @param afterOutputFailure told about failures that happen after output was handed out (per-model breaker)
     */
    public RemoteTurn(ResolvedModel model, int capacity, long maxBufferedChars,
                      Consumer<RemoteFailure> afterOutputFailure) {
        this.model = model;
        this.queue = new TurnEventQueue(capacity, maxBufferedChars);
        this.afterOutputFailure = afterOutputFailure;
    }

    /** @param cancellable the HTTP request now executing, aborted on {@link #cancel(String)} */
    void onRequest(Cancellable cancellable) {
        this.request = cancellable;
        if (cancelled) {
            cancellable.cancel();
        }
    }

    /** @param body the response stream now being read, aborted on {@link #cancel(String)} */
    void onStream(InputStream body) {
        this.stream = body;
        if (cancelled) {
            abortStream();
        }
    }

    /** @return true once the gateway abandoned this attempt */
    boolean cancelled() {
        return cancelled;
    }

    /**
     * Offers an event from the reader, waiting while the queue is full: the reader then stops reading the response,
     * which holds the upstream back, until the client catches up or the turn is cancelled (a client that reads
     * nothing at all is dropped after {@code gateway.stream.write-stall-timeout}, which cancels the turn).
     *
     * @param event the next event
     */
    void offer(ChatEvent event) {
        if (terminalOffered) {
            return;
        }
        if (event.terminal()) {
            terminalOffered = true;
            queue.add(event);
            return;
        }
        try {
            queue.put(event);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            cancel("interrupted while waiting for the client");
        }
    }

    /**
     * Ends the attempt with a failure (no-op once a terminal event was offered).
     *
     * @param failure the classified failure
     */
    void fail(RemoteFailure failure) {
        if (!terminalOffered) {
            this.failure = failure;
            terminalOffered = true;
            queue.add(new ChatEvent.Failure(failure.toGatewayException()));
            queue.close();
        }
    }

    /** @param factory starts the §10.8 retry of this attempt's request (set by the backend) */
    void retryWith(java.util.function.Function<String, UpstreamTurn> factory) {
        this.retries = factory;
    }

    /**
     * Re-issues the request with the retry instruction as a trailing user message and a forced
     * {@code tool_choice} (client-api.md §10.8 step 3, remote).
     *
     * @throws IllegalStateException before this attempt ended, or for a second retry
     */
    @Override
    public synchronized UpstreamTurn retry(String instruction) {
        if (terminal == null) {
            throw new IllegalStateException("retry before the attempt ended");
        }
        if (retry != null || retries == null) {
            throw new IllegalStateException("this attempt cannot be retried (again)");
        }
        retry = retries.apply(instruction);
        return retry;
    }

    /** @return the classified failure that ended this attempt, or null */
    RemoteFailure failure() {
        return failure;
    }

    /**
     * Waits for the first content or terminal event without consuming it: {@link #next(Duration)} returns it (and
     * any metadata events before it) again. Used to decide on fallback before anything reached the client.
     *
     * @param timeout how long to wait
     * @return that event, or null when none came in time
     * @throws InterruptedException when interrupted
     */
    ChatEvent awaitFirst(Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            ChatEvent e = left <= 0 ? null : queue.poll(Duration.ofNanos(left));
            if (e == null) {
                return null;
            }
            synchronized (this) {
                head.add(e);
            }
            if (e.content() || e.terminal()) {
                return e;
            }
        }
    }

    @Override
    public ChatEvent next(Duration timeout) throws InterruptedException {
        ChatEvent e;
        synchronized (this) {
            if (terminal != null) {
                return terminal;
            }
            e = head.poll();
        }
        if (e == null) {
            e = queue.poll(timeout);
        }
        synchronized (this) {
            if (e != null && e.terminal()) {
                terminal = e;
                if (e instanceof ChatEvent.Failure && output && failure != null) {
                    afterOutputFailure.accept(failure);
                }
            } else if (e != null && e.content()) {
                output = true;
            }
        }
        return e;
    }

    @Override
    public ResolvedModel model() {
        return model;
    }

    @Override
    public void cancel(String reason) {
        if (cancelled) {
            return;
        }
        cancelled = true;
        if (!terminalOffered) {
            terminalOffered = true;
            queue.add(new ChatEvent.Failure(new GatewayException(ErrorKind.INTERNAL,
                    "turn cancelled by the gateway: " + reason)));
        }
        // a reader waiting for room gives up, so the attempt thread ends
        queue.close();
        cancelUpstream();
    }

    private void cancelUpstream() {
        cancelled = true;
        Cancellable r = request;
        if (r != null) {
            r.cancel();
        }
        abortStream();
    }

    /** Drops the response stream without draining it (the connection is discarded). */
    void abortStream() {
        InputStream s = stream;
        if (s instanceof org.apache.hc.core5.http.io.EofSensorInputStream eof) {
            try {
                eof.abort();
            } catch (java.io.IOException e) {
                // the connection is being discarded anyway
            }
        }
    }

    @Override
    public void close() {
        if (!terminalOffered) {
            cancel("closed before the end of the turn");
        }
        UpstreamTurn r = retry;
        if (r != null) {
            r.close();
        }
    }
}
