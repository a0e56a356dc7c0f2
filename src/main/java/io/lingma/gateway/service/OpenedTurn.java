package io.lingma.gateway.service;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.chat.Usage;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;

/**
 * An upstream turn that has passed the circuit breaker: set up, prompt sent, and either its first content event
 * received or the commit timeout elapsed (client-api.md §2.9 commit point). Events already read while opening are
 * replayed first. Usage reports the backend estimated itself get this turn's {@link #promptTokenEstimate()} as input
 * tokens, so a stream header, the final usage (streamed or not) and {@code count_tokens} agree (client-api.md §7,
 * §12); usage the upstream measured passes unchanged.
 */
public final class OpenedTurn implements UpstreamTurn {

    private final ChatTurn request;
    private final UpstreamTurn upstream;
    private final Deque<ChatEvent> head;
    private final java.util.function.LongSupplier estimator;
    private long promptTokenEstimate = -1;
    private io.lingma.gateway.observe.RequestStats stats;

    /**
     * @param request             the normalised request
     * @param upstream            the running upstream turn
     * @param head                events read while opening, in order
     * @param estimator           computes the estimated input tokens (for stream headers such as Anthropic
     *                            {@code message_start}, and usage when Lingma reports none); called at most once
     */
    public OpenedTurn(ChatTurn request, UpstreamTurn upstream, List<ChatEvent> head,
                      java.util.function.LongSupplier estimator) {
        this.request = request;
        this.upstream = upstream;
        this.head = new ArrayDeque<>(head);
        this.estimator = estimator;
    }

    /**
     * @param stats where this turn's first token, usage, failure and end are recorded (access log, metrics);
     *              null = nowhere
     * @return this turn
     */
    public synchronized OpenedTurn recordingInto(io.lingma.gateway.observe.RequestStats stats) {
        this.stats = stats;
        if (stats != null) {
            head.forEach(stats::observe);
        }
        return this;
    }

    /** @return the request this turn answers */
    public ChatTurn request() {
        return request;
    }

    /** @return estimated input tokens, computed on the first call (tokenizing a long history takes ms) */
    public synchronized long promptTokenEstimate() {
        if (promptTokenEstimate < 0) {
            promptTokenEstimate = estimator.getAsLong();
        }
        return promptTokenEstimate;
    }

    @Override
    public synchronized ChatEvent next(Duration timeout) throws InterruptedException {
        ChatEvent e = head.poll();
        if (e == null) {
            e = upstream.next(timeout);
            if (stats != null) {
                stats.observe(e);
            }
        }
        return withPromptEstimate(e);
    }

    // the IPC backend counts only the text it sent on a reused session; the model read the whole conversation
    private ChatEvent withPromptEstimate(ChatEvent e) {
        if (e instanceof ChatEvent.UsageReport r && r.usage() != null && r.usage().estimated()) {
            Usage u = r.usage();
            return new ChatEvent.UsageReport(new Usage(promptTokenEstimate(), u.completionTokens(),
                    u.reasoningTokens(), u.cachedTokens(), true));
        }
        return e;
    }

    @Override
    public boolean upstreamContent() {
        return upstream.upstreamContent();
    }

    @Override
    public ResolvedModel model() {
        return upstream.model();
    }

    @Override
    public void cancel(String reason) {
        upstream.cancel(reason);
    }

    @Override
    public void close() {
        io.lingma.gateway.observe.RequestStats s;
        synchronized (this) {
            s = stats;
        }
        if (s != null) {
            s.upstreamEnded(upstream.model());
        }
        upstream.close();
    }
}
