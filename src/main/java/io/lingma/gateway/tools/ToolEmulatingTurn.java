package io.lingma.gateway.tools;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Wraps the backend's turn of one request that declares tools with a mode other than none (client-api.md §10.7–
 * §10.9): text streams through the {@link HoldBackFilter}; at the upstream finish the reply is parsed (or native
 * calls validated) and the remaining text, one {@link ChatEvent.ToolCallDelta} per call and
 * {@code Finish(TOOL_CALLS)} are emitted; a reply without calls that earns a retry (§10.8) runs the backend's
 * {@link ToolRetry} once and is parsed again. Thinking and context usage pass through; usage reports are held and
 * emitted once before the finish, with estimated output tokens recomputed from the text finally used (§10.8 step 6).
 *
 * <p>Text is held completely (released only at the end) for non-streaming requests, with
 * {@code gateway.tools.aggregate-stream}, and for mode any/tool with {@code gateway.tools.hold-text-when-forced},
 * so a refused first attempt is never shown. Exactly one terminal event; after it, {@link #next} returns it again.
 * Safe for one consumer thread plus {@link #cancel} / {@link #close} from another thread.
 */
public final class ToolEmulatingTurn implements UpstreamTurn {

    private static final Logger LOG = LoggerFactory.getLogger(ToolEmulatingTurn.class);

    private final UpstreamTurn inner;
    private final ChatTurn request;
    private final ToolEmulation emulation;
    private final ToolIdSource ids;
    private final ToolRetry retry;
    private final boolean nativeTools;
    private final boolean textFallback;
    private final boolean holdAll;
    private final AtomicBoolean closed = new AtomicBoolean();

    private volatile UpstreamTurn current;
    private volatile UpstreamTurn retryTurn;
    private volatile boolean cancelled;
    private volatile String cancelReason;
    private volatile boolean upstreamContent;

    // consumer-thread state, guarded by `this`
    private final Deque<ChatEvent> out = new ArrayDeque<>();
    private final StringBuilder emitted = new StringBuilder();
    private final StringBuilder thinking = new StringBuilder();
    private final List<Usage> usages = new ArrayList<>();
    private final Map<ParseResult.Rejection, Integer> rejected = ParseResult.counters();
    private HoldBackFilter filter;
    private List<ToolCall> natives = new ArrayList<>();
    private ChatEvent terminal;
    private boolean retried;
    private String originalText;
    private FinishReason originalReason;
    private boolean separatorPending;

    /**
     * Use {@link ToolEmulation#emulate} or {@link ToolEmulation#nativeCalls}.
     *
     * @param inner        the backend's turn
     * @param request      the request (tools, choice, parallel flag, stream flag)
     * @param emulation    settings, parser, contract, retry policy and estimator
     * @param ids          id source of this response
     * @param retry        starts the one retry, or null when none is possible
     * @param nativeTools  true when the tools went natively upstream (remote); enables the announced-call rule
     * @param textFallback parse the text when no native call arrived ({@code gateway.remote.tool-text-fallback})
     */
    ToolEmulatingTurn(UpstreamTurn inner, ChatTurn request, ToolEmulation emulation, ToolIdSource ids,
                      ToolRetry retry, boolean nativeTools, boolean textFallback) {
        this.inner = inner;
        this.request = request;
        this.emulation = emulation;
        this.ids = ids;
        this.retry = retry;
        this.nativeTools = nativeTools;
        this.textFallback = textFallback;
        ToolSettings settings = emulation.settings();
        ToolChoice.Mode mode = request.toolChoice().mode();
        boolean forced = mode == ToolChoice.Mode.ANY || mode == ToolChoice.Mode.TOOL;
        this.holdAll = !request.stream() || settings.aggregateStream() || (forced && settings.holdTextWhenForced());
        this.filter = new HoldBackFilter(settings, holdAll);
        this.current = inner;
    }

    /**
     * {@inheritDoc}
     *
     * @throws InterruptedException when the waiting thread is interrupted
     */
    @Override
    public synchronized ChatEvent next(Duration timeout) throws InterruptedException {
        if (!out.isEmpty()) {
            return poll();
        }
        if (terminal != null) {
            return terminal;
        }
        long deadline = System.nanoTime() + Math.max(0, timeout.toNanos());
        while (true) {
            long left = deadline - System.nanoTime();
            ChatEvent e = current.next(left > 0 ? Duration.ofNanos(left) : Duration.ZERO);
            if (e == null) {
                return null;
            }
            handle(e);
            if (!out.isEmpty()) {
                return poll();
            }
        }
    }

    /** @return the model of the attempt running now */
    @Override
    public ResolvedModel model() {
        return current.model();
    }

    /** Cancels the first attempt and the retry, if any. Non-blocking; idempotent; callable from any thread. */
    @Override
    public void cancel(String reason) {
        cancelReason = reason;
        cancelled = true;
        inner.cancel(reason);
        UpstreamTurn r = retryTurn;
        if (r != null) {
            r.cancel(reason);
        }
    }

    /** Closes the first attempt and the retry (the IPC retry shares the first attempt's session). Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        try {
            inner.close();
        } finally {
            UpstreamTurn r = retryTurn;
            if (r != null) {
                r.close();
            }
        }
    }

    /**
     * @return true once the upstream produced text, thinking or a call, even if the text is still held; lets a
     * first-output clock tell a held reply from a silent upstream
     */
    public boolean upstreamContent() {
        return upstreamContent;
    }

    /** @return true when the retry of §10.8 was started */
    public synchronized boolean retried() {
        return retried;
    }

    /** @return counts of dropped calls by reason so far (a copy) */
    public synchronized Map<ParseResult.Rejection, Integer> rejected() {
        return Map.copyOf(rejected);
    }

    private ChatEvent poll() {
        ChatEvent e = out.poll();
        if (e != null && e.terminal()) {
            terminal = e;
            out.clear();
        }
        return e;
    }

    private void handle(ChatEvent e) {
        if (e instanceof ChatEvent.TextDelta t) {
            upstreamContent = true;
            emitText(filter.push(t.text()));
        } else if (e instanceof ChatEvent.ThinkingDelta t) {
            upstreamContent = true;
            thinking.append(t.text());
            out.add(e);
        } else if (e instanceof ChatEvent.ToolCallDelta c) {
            upstreamContent = true;
            natives.add(c.call());
        } else if (e instanceof ChatEvent.UsageReport u) {
            usages.add(u.usage());
        } else if (e instanceof ChatEvent.ContextUsage) {
            out.add(e);
        } else if (e instanceof ChatEvent.Failure f) {
            onFailure(f);
        } else if (e instanceof ChatEvent.Finish f) {
            attemptEnd(f.reason());
        }
    }

    private void onFailure(ChatEvent.Failure failure) {
        if (!retried || cancelled) {
            out.add(failure);
            return;
        }
        // a failed retry must not cost the client the complete first answer
        LOG.info("tool retry of request {} failed ({}); using the first reply", request.requestId(),
                failure.error().getMessage());
        if (holdAll) {
            emitText(originalText);
        }
        finishWithoutCalls(originalReason);
    }

    private void attemptEnd(FinishReason reason) {
        String text = filter.text();
        ParseResult result = resultFor(text);
        if (result.hasCalls()) {
            emitText(filter.finish(result));
            finishWithCalls(result.calls());
            return;
        }
        ToolRetryPolicy policy = emulation.retryPolicy();
        if (!retried) {
            boolean wanted = policy.shouldRetry(text, request.toolChoice())
                    || (nativeTools && policy.shouldRetryAnnounced(text, request.toolChoice(), true, natives.size()));
            if (wanted && retry != null && !cancelled && startRetry(text, reason)) {
                return;
            }
            ToolCall inferred = policy.inferMemoryCommand(text, request.tools(), ids);
            if (inferred != null) {
                finishWithCalls(List.of(inferred));
                return;
            }
            emitText(filter.finish(null));
            finishWithoutCalls(reason);
            return;
        }
        ToolCall inferred = policy.inferMemoryCommand(text, request.tools(), ids);
        if (inferred == null) {
            inferred = policy.inferMemoryCommand(originalText, request.tools(), ids);
        }
        if (inferred != null) {
            finishWithCalls(List.of(inferred));
            return;
        }
        String rest = filter.finish(null);
        emitText(holdAll ? joinNonBlank(originalText, rest) : rest);
        finishWithoutCalls(reason);
    }

    /** Starts the retry; returns false (nothing emitted) when it cannot be started. */
    private boolean startRetry(String text, FinishReason reason) {
        UpstreamTurn r;
        try {
            r = retry.retry(emulation.contract().retryInstruction(request.toolChoice()));
        } catch (GatewayException | IllegalStateException e) {
            LOG.info("tool retry of request {} could not start ({}); using the first reply", request.requestId(),
                    e.getMessage());
            return false;
        }
        retried = true;
        originalReason = reason;
        String unreleased = filter.finish(null);
        // held text: the first reply as a client would have seen it streamed, for the final text (§10.8 step 4)
        originalText = holdAll ? unreleased : text;
        if (!holdAll) {
            // auto mode: text already shown stays; the retry's text follows after a blank line (§10.8 step 3)
            emitText(unreleased);
            separatorPending = !emitted.toString().isBlank();
        }
        LOG.debug("tool retry started for request {}", request.requestId());
        filter = new HoldBackFilter(emulation.settings(), holdAll);
        natives = new ArrayList<>();
        retryTurn = r;
        current = r;
        if (cancelled) {
            r.cancel(cancelReason);
        }
        return true;
    }

    private ParseResult resultFor(String text) {
        ToolCallParser parser = emulation.parser();
        if (!natives.isEmpty()) {
            List<ToolCall> calls = parser.validateNative(natives, request.tools(), request.parallelToolCalls(), ids,
                    rejected);
            if (!calls.isEmpty()) {
                // the text is still cleaned of action blocks, but native calls win
                ParseResult cleaned = textFallback ? parser.parse(text, request.tools(), request.toolChoice(),
                        request.parallelToolCalls(), unused -> "unused") : ParseResult.none(text);
                return cleaned.withCalls(calls);
            }
        }
        if (nativeTools && !textFallback) {
            return ParseResult.none(text);
        }
        ParseResult result = parser.parse(text, request.tools(), request.toolChoice(), request.parallelToolCalls(),
                ids);
        result.rejected().forEach((k, v) -> rejected.merge(k, v, Integer::sum));
        return result;
    }

    private void emitText(String text) {
        if (text == null || text.isEmpty()) {
            return;
        }
        String piece = separatorPending && !text.isBlank() ? "\n\n" + text : text;
        if (!text.isBlank()) {
            separatorPending = false;
        }
        emitted.append(piece);
        out.add(new ChatEvent.TextDelta(piece));
    }

    private void finishWithCalls(List<ToolCall> calls) {
        StringBuilder arguments = new StringBuilder();
        for (ToolCall call : calls) {
            out.add(new ChatEvent.ToolCallDelta(call));
            arguments.append(call.arguments());
        }
        emitUsage(arguments.toString());
        out.add(new ChatEvent.Finish(FinishReason.TOOL_CALLS));
    }

    private void finishWithoutCalls(FinishReason reason) {
        emitUsage("");
        out.add(new ChatEvent.Finish(reason == FinishReason.TOOL_CALLS ? FinishReason.STOP : reason));
    }

    private void emitUsage(String callArguments) {
        if (usages.isEmpty()) {
            return;
        }
        if (usages.stream().allMatch(Usage::estimated)) {
            Usage last = usages.get(usages.size() - 1);
            long output = emulation.estimator().estimate(emitted.toString() + thinking + callArguments);
            long reasoning = emulation.estimator().estimate(thinking.toString());
            out.add(new ChatEvent.UsageReport(new Usage(last.promptTokens(), output, reasoning, last.cachedTokens(),
                    true)));
            return;
        }
        long prompt = 0;
        long completion = 0;
        long reasoning = 0;
        long cached = 0;
        for (Usage u : usages) {
            prompt += u.promptTokens();
            completion += u.completionTokens();
            reasoning += u.reasoningTokens();
            cached += u.cachedTokens();
        }
        out.add(new ChatEvent.UsageReport(new Usage(prompt, completion, reasoning, cached, false)));
    }

    private static String joinNonBlank(String first, String second) {
        boolean a = first != null && !first.isBlank();
        boolean b = second != null && !second.isBlank();
        if (a && b) {
            return first + "\n\n" + second;
        }
        return a ? first : b ? second : "";
    }
}
