package io.lingma.gateway.service;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.RetryableTurn;
import io.lingma.gateway.chat.TurnWatch;
import io.lingma.gateway.tools.ToolEmulation;
import io.lingma.gateway.tools.ToolIdSource;
import io.lingma.gateway.tools.ToolRetry;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.TurnEventQueue;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.SharedUpstreamFaultException;
import io.lingma.gateway.error.UpstreamFaultException;
import io.lingma.gateway.http.GatewayExchange;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Headers;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The steps of a turn the routes call: opening it on the backend, the tool pipeline and the wait for its first
 * event (the steps the circuit breaker wraps, see architecture.md §3 "Circuit breaker"), and collecting a
 * non-streaming result. Failures after the open are recorded on the breaker here, because the breaker EIP only sees
 * the open steps.
 */
public class ChatService {

    private final ChatBackend backend;
    private final TokenEstimator estimator;
    private final CircuitBreaker breaker;
    private final Duration commitTimeout;
    private final Duration firstOutputTimeout;
    private final Duration requestTimeout;
    private final ToolEmulation tools;
    private final ApiSettings.ToolIdGenerator toolIds;
    private final boolean toolTextFallback;
    private final long maxResponseChars;
    private final Drain drain;

    /**
     * @param backend            the upstream
     * @param estimator          token estimator for usage when Lingma reports none
     * @param breaker            the breaker the route's {@code circuitBreaker} EIP uses
     * @param commitTimeout      {@code gateway.stream.commit-timeout} (default 10 s): longest wait for the first event
     *                           before a stream is committed anyway
     * @param firstOutputTimeout {@code gateway.first-output-timeout} (default 120 s): no content by then → 504
     * @param requestTimeout     {@code gateway.request-timeout} (default 600 s; zero = none)
     * @param tools              tool emulation (client-api.md §10)
     * @param toolIds            how tool-call ids are made ({@code gateway.tools.id-generator})
     * @param toolTextFallback   {@code gateway.remote.tool-text-fallback}: parse the text for calls when a native
     *                           upstream returned none
     * @param maxResponseChars   {@code gateway.http.max-response-bytes} (default 8 MiB): characters of content a
     *                           non-streamed answer may have; a longer one is abandoned with a 502 (it would be
     *                           held whole, several times over, until the client has read it)
     * @param drain              the shutdown state: its deadline ends responses still running (503 before the
     *                           commit, a terminal error event after it)
     */
    public ChatService(ChatBackend backend, TokenEstimator estimator, CircuitBreaker breaker, Duration commitTimeout,
                       Duration firstOutputTimeout, Duration requestTimeout, ToolEmulation tools,
                       ApiSettings.ToolIdGenerator toolIds, boolean toolTextFallback, long maxResponseChars,
                       Drain drain) {
        this.backend = backend;
        this.estimator = estimator;
        this.breaker = breaker;
        this.commitTimeout = commitTimeout;
        this.firstOutputTimeout = firstOutputTimeout;
        this.requestTimeout = requestTimeout;
        this.tools = tools;
        this.toolIds = toolIds;
        this.toolTextFallback = toolTextFallback;
        this.maxResponseChars = maxResponseChars;
        this.drain = drain;
    }

    /**
     * The {@code upstream-start} step, right before the backend choice: refuses a request that waited for its slot
     * past the shutdown deadline (no new Lingma turn) and starts the upstream clock of the request's statistics
     * ({@code gen_ai.client.operation.duration}).
     *
     * @param stats the request's statistics, or null outside an HTTP request
     * @throws GatewayException 503 {@code shutting_down} while the gateway drains
     */
    public void upstreamStart(@ExchangeProperty(GatewayExchange.STATS) io.lingma.gateway.observe.RequestStats stats) {
        GatewayException late = drain.expired();
        if (late != null) {
            throw late;
        }
        if (stats != null) {
            stats.upstreamStarted();
        }
    }

    /**
     * Opens a turn on the configured backend (the {@code open-remote-turn} step of routes/lingma-remote.camel.yaml;
     * the IPC route uses the {@code lingma-ipc:chat} endpoint instead). Does not wait for the first event.
     *
     * @param request the normalised request
     * @param model   the resolved model
     * @param watch   the client side: opening stops early when the client went away (e.g. between fallbacks)
     * @return the running turn (closed by {@link #awaitFirstEvent} when opening fails later)
     * @throws GatewayException {@link UpstreamFaultException} for upstream faults (counted by the breaker), a plain
     *                          {@link GatewayException} for client errors
     */
    public UpstreamTurn openTurn(@ExchangeProperty(GatewayExchange.TURN) ChatTurn request,
            @ExchangeProperty(GatewayExchange.MODEL) ResolvedModel model,
            @ExchangeProperty(GatewayExchange.CLIENT_GONE) TurnWatch watch) {
        TurnWatch client = watch == null ? TurnWatch.NONE : watch;
        try {
            return backend.open(ToolEmulation.keepToolMode(request), model, client::abandoned);
        } catch (GatewayException e) {
            throw UpstreamFaultException.classify(e);
        }
    }

    /**
     * The tool pipeline of client-api.md §10 around a backend's turn (the {@code tool-emulation} step), when the
     * request declares tools and does not say {@code tool_choice: none}: prompt-emulated tools are parsed out of the
     * text, native calls are validated, and one retry runs when the model refused or only described a call.
     *
     * @param upstream the running turn
     * @param request  the normalised request
     * @return the turn clients read: {@code upstream} itself when no tools apply
     */
    public UpstreamTurn withTools(@Body UpstreamTurn upstream,
            @ExchangeProperty(GatewayExchange.TURN) ChatTurn request) {
        ChatTurn turn = ToolEmulation.keepToolMode(request);
        if (!ToolEmulation.applies(turn)) {
            return upstream;
        }
        try {
            ToolIdSource ids = ToolIdSource.forProtocol(turn.protocol(), toolIds);
            ToolRetry retry = upstream instanceof RetryableTurn retryable ? retryable::retry : null;
            return backend.nativeTools() ? tools.nativeCalls(upstream, turn, ids, retry, toolTextFallback)
                    : tools.emulate(upstream, turn, ids, retry);
        } catch (RuntimeException e) {
            upstream.close();
            throw e;
        }
    }

    /**
     * Hands the turn to the client's watch and waits for its first content or terminal event, at most the commit
     * timeout (the {@code await-first-event} step, inside the circuit breaker: a failure before the first event
     * counts as a failed open). Closes the turn when it fails.
     *
     * @param upstream the running turn (tool pipeline applied)
     * @param request  the normalised request
     * @param watch    the client side: the turn is attached to it, and waiting stops when the client went away
     * @return the opened turn (the caller closes it)
     * @throws GatewayException {@link UpstreamFaultException} for an upstream failure before the first event, a
     *                          plain {@link GatewayException} for client errors and abandoned requests
     */
    public OpenedTurn awaitFirstEvent(@Body UpstreamTurn upstream,
            @ExchangeProperty(GatewayExchange.TURN) ChatTurn request,
            @ExchangeProperty(GatewayExchange.CLIENT_GONE) TurnWatch watch,
            @ExchangeProperty(GatewayExchange.STATS) io.lingma.gateway.observe.RequestStats stats) {
        ChatTurn turn = ToolEmulation.keepToolMode(request);
        TurnWatch client = watch == null ? TurnWatch.NONE : watch;
        client.attach(upstream);
        List<ChatEvent> head = new ArrayList<>();
        long deadline = System.nanoTime() + commitTimeout.toNanos();
        try {
            while (true) {
                GatewayException stopping = drain.expired();
                if (stopping != null) {
                    upstream.cancel("gateway shutting down");
                    throw stopping;
                }
                long left = Math.min(deadline - System.nanoTime(), drain.remainingNanos());
                // short slices, so a client that left is noticed while Lingma is still silent
                ChatEvent e = left <= 0 ? null : upstream.next(Duration.ofNanos(Math.min(left, 200_000_000L)));
                if (client.abandoned()) {
                    throw new GatewayException(ErrorKind.INTERNAL, "client disconnected");
                }
                if (e == null) {
                    if (System.nanoTime() - deadline >= 0) {
                        break;
                    }
                    continue;
                }
                if (e instanceof ChatEvent.Failure f) {
                    throw UpstreamFaultException.classify(f.error());
                }
                head.add(e);
                if (e.content() || e.terminal()) {
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            upstream.cancel("interrupted while opening");
            upstream.close();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for Lingma", e);
        } catch (RuntimeException e) {
            upstream.close();
            throw e;
        }
        return new OpenedTurn(turn, upstream, head, () -> promptTokens(turn)).recordingInto(stats);
    }

    /**
     * Reads the turn to its end and aggregates it (non-streaming responses). Closes the turn.
     *
     * @param turn the opened turn
     * @return the completed result
     * @throws GatewayException the upstream failure (status per client-api.md §2.8), 504 when no output arrived
     *                          within the first-output timeout or the request timeout elapsed, 502 when the answer
     *                          grew past {@code gateway.http.max-response-bytes}
     */
    public ChatResult collect(@Body OpenedTurn turn) {
        ResultAggregator agg = new ResultAggregator(turn::promptTokenEstimate, estimator);
        TurnClock clock = clock();
        long chars = 0;
        try (turn) {
            while (true) {
                ChatEvent e = turn.next(clock.nextWait(producing(agg, turn), Duration.ofSeconds(1)));
                // checked on every event too: an upstream that never stops talking still hits the request deadline
                GatewayException timeout = e != null && e.terminal() ? null : clock.expired(producing(agg, turn));
                if (timeout != null) {
                    turn.cancel(timeout.getMessage());
                    throw recordFault(timeout);
                }
                if (e == null) {
                    continue;
                }
                if (e instanceof ChatEvent.Failure f) {
                    throw recordFault(f.error());
                }
                if (e instanceof ChatEvent.Finish f) {
                    return agg.result(f.reason(), turn.model());
                }
                chars += TurnEventQueue.size(e);
                if (chars > maxResponseChars) {
                    turn.cancel("answer too large for a non-streamed response");
                    // not counted on the breaker: Lingma is fine, the answer just does not fit one body
                    throw new GatewayException(ErrorKind.UPSTREAM_ERROR, "the answer is larger than this gateway "
                            + "returns in one response (gateway.http.max-response-bytes = " + maxResponseChars
                            + "); request it with \"stream\": true");
                }
                agg.add(e);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            turn.cancel("interrupted");
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for Lingma", e);
        }
    }

    /**
     * @param request the normalised request
     * @return true when the client asked for SSE (the {@code stream-or-json} choice)
     */
    public boolean streamed(@ExchangeProperty(GatewayExchange.TURN) ChatTurn request) {
        return request.stream();
    }

    /**
     * Sets the headers of a non-streamed answer (client-api.md §12): {@code X-Lingma-Model} (the model key that
     * answered) and, when Lingma IPC reported it, {@code X-Lingma-Context-Usage: used/limit} (tokens).
     *
     * @param result  the collected answer
     * @param headers the message headers, set in place
     */
    public void answerHeaders(@Body ChatResult result, @Headers Map<String, Object> headers) {
        headers.put("X-Lingma-Model", result.model().key());
        ChatEvent.ContextUsage usage = result.contextUsage();
        if (usage != null) {
            headers.put("X-Lingma-Context-Usage", usage.usedTokens() + "/" + usage.limitTokens());
        }
    }

    /**
     * @param agg  what the client got so far
     * @param turn the turn
     * @return true once output arrived, counting output a tool wrapper still holds back
     */
    public static boolean producing(ResultAggregator agg, UpstreamTurn turn) {
        return agg.hasContent() || turn.upstreamContent();
    }

    /**
     * Records an upstream fault that happened after the breaker-protected open, so it counts towards opening the
     * breaker; client errors are returned unchanged.
     *
     * @param error the failure
     * @return the failure to throw or report
     */
    public GatewayException recordFault(GatewayException error) {
        GatewayException classified = UpstreamFaultException.classify(error);
        if (countsAsFailure(classified)) {
            breaker.onError(0, TimeUnit.NANOSECONDS, classified);
        }
        return classified;
    }

    /**
     * Records one upstream event that hit several requests at once (a lost Lingma connection) as one breaker
     * failure; the requests it failed carry a {@link SharedUpstreamFaultException} and are not counted again.
     *
     * @param breaker the upstream breaker
     * @param error   what happened (an upstream kind)
     */
    public static void recordSharedFault(CircuitBreaker breaker, GatewayException error) {
        breaker.onError(0, TimeUnit.NANOSECONDS, new UpstreamFaultException(error));
    }

    /**
     * The breaker's record-exception predicate: upstream faults count, client errors and faults already recorded
     * at their shared source ({@link #recordSharedFault}) do not.
     *
     * @param error a failure of the protected call
     * @return true when it counts as a breaker failure
     */
    public static boolean countsAsFailure(Throwable error) {
        boolean upstream = error instanceof UpstreamFaultException
                || error.getCause() instanceof UpstreamFaultException;
        return upstream && !SharedUpstreamFaultException.isShared(error);
    }

    /** @return a new deadline tracker for one response */
    public TurnClock clock() {
        return new TurnClock(firstOutputTimeout, requestTimeout, drain);
    }

    /**
     * Estimates the input tokens of a request (client-api.md §7, §12): the estimator applied to what the selected
     * backend sends (IPC: the rendered prompt incl. the tool contract; remote: the projected messages and tools),
     * or to the request's own text when the backend cannot tell. The one input count of every path: stream
     * headers, final usage (streamed or not) and {@code count_tokens}.
     *
     * @param turn the request, tool mode already kept ({@link ToolEmulation#keepToolMode})
     * @return estimated tokens, at least 1
     */
    public long promptTokens(ChatTurn turn) {
        CharSequence text = backend.upstreamPromptText(turn);
        if (text == null) {
            StringBuilder sb = new StringBuilder(turn.system());
            for (ChatMessage m : turn.messages()) {
                sb.append('\n').append(m.flatText());
                m.toolCalls().forEach(c -> sb.append(c.name()).append(c.arguments()));
            }
            // counted from the builder: no copy of a huge prompt
            text = sb;
        }
        return Math.max(1, estimator.estimate(text));
    }

    /**
     * Counts the input tokens of a request as the selected backend would send it (client-api.md §7): the same
     * number as the {@code input_tokens} of that request's response. No upstream call, no concurrency slot.
     *
     * @param turn the normalised request
     * @return {@code {"input_tokens": N}}, N ≥ 1
     */
    public java.util.Map<String, Object> countTokens(@ExchangeProperty(GatewayExchange.TURN) ChatTurn turn) {
        return java.util.Map.of("input_tokens", promptTokens(ToolEmulation.keepToolMode(turn)));
    }

    /** @return the token estimator */
    public TokenEstimator estimator() {
        return estimator;
    }

    /** Deadlines of one response: first output and whole request (client-api.md §13), and the shutdown's. */
    public static final class TurnClock {
        private final long start = System.nanoTime();
        private final Duration firstOutput;
        private final Duration request;
        private final Drain drain;

        TurnClock(Duration firstOutput, Duration request, Drain drain) {
            this.firstOutput = firstOutput;
            this.request = request;
            this.drain = drain;
        }

        /**
         * @param hasContent whether content already arrived
         * @param cap        the longest wait wanted by the caller (e.g. the keep-alive interval)
         * @return how long to wait for the next event
         */
        public Duration nextWait(boolean hasContent, Duration cap) {
            long left = remainingNanos(hasContent);
            return Duration.ofNanos(Math.max(1_000_000L, Math.min(cap.toNanos(), left)));
        }

        /**
         * @param hasContent whether content already arrived
         * @return the 504 to raise when a deadline has passed (503 {@code shutting_down} at the shutdown's), else
         * null
         */
        public GatewayException expired(boolean hasContent) {
            if (remainingNanos(hasContent) > 0) {
                return null;
            }
            GatewayException stopping = drain.expired();
            if (stopping != null) {
                return stopping;
            }
            String message = hasContent ? "Lingma did not finish within the request timeout"
                    : "timed out while waiting for Lingma to start responding";
            return new GatewayException(ErrorKind.UPSTREAM_TIMEOUT, message);
        }

        private long remainingNanos(boolean hasContent) {
            long elapsed = System.nanoTime() - start;
            long left = Long.MAX_VALUE;
            if (!request.isZero()) {
                left = request.toNanos() - elapsed;
            }
            if (!hasContent && !firstOutput.isZero()) {
                left = Math.min(left, firstOutput.toNanos() - elapsed);
            }
            return Math.min(left, drain.remainingNanos());
        }
    }
}
