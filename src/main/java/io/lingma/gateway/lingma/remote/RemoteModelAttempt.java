package io.lingma.gateway.lingma.remote;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.apache.camel.Header;
import org.apache.camel.ProducerTemplate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/**
 * One attempt on one model (the {@code attempt-<model>} step of routes/lingma-remote.camel.yaml): POSTs the signed
 * request over {@code direct:lingma-remote-chat-attempt} on an attempt thread and waits for the first event.
 * Busy answers are thrown as {@link RemoteBusyRetry} for the route's redelivery.
 */
public class RemoteModelAttempt {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteModelAttempt.class);
    private static final int TURN_QUEUE = 4096;

    private final ProducerTemplate template;
    private final Executor attempts;
    private final ScheduledExecutorService timer;
    private final RemoteSettings settings;
    private final RemoteAccount account;
    private final RemoteRequestFactory requests;
    private final RemoteExchanges exchanges;
    private final RemoteModelCache models;
    private final CircuitBreakerRegistry breakers;

    /**
     * @param template  producer template for the attempt route
     * @param attempts  threads that run attempts (each holds one while its stream lasts)
     * @param timer     scheduler for the per-attempt deadline ({@code gateway.remote.attempt-timeout})
     * @param settings  remote settings
     * @param account   the account the attempt runs on
     * @param requests  signed request building
     * @param exchanges exchange building and failure classification
     * @param models    the model list (display names of fallback models)
     * @param breakers  the per-model breakers, told about failures after the first event
     */
    public RemoteModelAttempt(ProducerTemplate template, Executor attempts, ScheduledExecutorService timer,
                              RemoteSettings settings, RemoteAccount account, RemoteRequestFactory requests,
                              RemoteExchanges exchanges, RemoteModelCache models, CircuitBreakerRegistry breakers) {
        this.template = template;
        this.attempts = attempts;
        this.timer = timer;
        this.settings = settings;
        this.account = account;
        this.requests = requests;
        this.exchanges = exchanges;
        this.models = models;
        this.breakers = breakers;
    }

    /**
     * Runs the plan's current model until its first event, behind the model's own breaker
     * ({@code gateway.remote.breaker.*}): an open breaker skips the model, a fallback-eligible failure counts
     * against it and hands over to the next model.
     *
     * @param plan         the request's fallback plan
     * @param redeliveries how many busy retries this model had ({@code CamelRedeliveryCounter}), or null
     * @return the turn, which produced a first non-failure event (recorded in the plan), or null when the loop
     * goes on to the next model (the plan says why)
     * @throws RemoteBusyRetry a busy answer while {@code gateway.remote.busy-retries} allows another try
     * @throws GatewayException a failure that goes to the client at once: auth, quota, bad request, client gone
     *                          (also kept in the plan, which then tries no further model)
     */
    public RemoteTurn run(@ExchangeProperty(RemoteFallbackPlan.PROPERTY) RemoteFallbackPlan plan,
                          @Header(Exchange.REDELIVERY_COUNTER) Integer redeliveries) {
        BooleanSupplier abandoned = plan.abandoned();
        if (abandoned.getAsBoolean()) {
            throw plan.stop(new GatewayException(ErrorKind.INTERNAL, "client disconnected"));
        }
        String key = plan.current();
        CircuitBreaker breaker = breakers.circuitBreaker(key);
        boolean retrying = redeliveries != null && redeliveries > 0;
        // a busy retry keeps the permission of its first try: the model's outcome is recorded once
        if (!retrying && !breaker.tryAcquirePermission()) {
            plan.skipped();
            return null;
        }
        long start = System.nanoTime();
        RemoteFailure failure;
        try {
            failure = attempt(plan, abandoned);
        } catch (RuntimeException e) {
            // neither success nor failure on the model's account: give the permission back
            breaker.releasePermission();
            throw plan.stop(e);
        }
        long took = System.nanoTime() - start;
        if (failure == null) {
            breaker.onSuccess(took, TimeUnit.NANOSECONDS);
            return plan.answer();
        }
        if (failure.kind() == RemoteFailure.Kind.BUSY && (redeliveries == null ? 0 : redeliveries) < settings.busyRetries()) {
            // Retry-After, 1 to 10 s, overrides the route's redeliveryDelay for the next try
            Integer seconds = failure.retryAfterSeconds();
            throw new RemoteBusyRetry(failure,
                    seconds == null ? null : TimeUnit.SECONDS.toMillis(Math.min(10, Math.max(1, seconds))));
        }
        if (!failure.fallbackEligible()) {
            breaker.releasePermission();
            throw plan.stop(failure.toGatewayException());
        }
        breaker.onError(took, TimeUnit.NANOSECONDS, failure);
        plan.failed(failure);
        LOG.warn("request {}: model {} failed before output ({}), trying the next model",
                plan.turn().requestId(), key, failure.getMessage());
        if (abandoned.getAsBoolean()) {
            throw plan.stop(new GatewayException(ErrorKind.INTERNAL, "client disconnected"));
        }
        return null;
    }

    /** @return null when the model answered (the plan holds the turn), else its failure before the first event */
    private RemoteFailure attempt(RemoteFallbackPlan plan, BooleanSupplier abandoned) {
        ChatTurn turn = plan.turn();
        RemoteTurn attempt = start(turn, models.resolved(plan.requested(), plan.current()), plan.credential(),
                plan.baseUrl());
        ChatEvent first;
        try {
            first = awaitFirst(attempt, abandoned);
        } catch (RuntimeException e) {
            attempt.cancel("abandoned");
            throw e;
        }
        if (first != null && !(first instanceof ChatEvent.Failure)) {
            account.lastError(null);
            ResolvedModel answered = attempt.model();
            attempt.retryWith(instruction -> retry(turn, answered, instruction));
            plan.answered(attempt);
            return null;
        }
        attempt.cancel(first == null ? "no first token in time" : "failed before output");
        RemoteFailure failure = first == null ? RemoteFailure.timeout("first token", null) : attempt.failure();
        if (failure == null) {
            // the gateway itself ended the attempt (client gone, shutdown): nothing to hold against the model
            throw ((ChatEvent.Failure) first).error();
        }
        account.lastError(failure.getMessage());
        return failure;
    }

    /** The §10.8 retry on the remote backend: same model, trailing user instruction, tool_choice forced. */
    private UpstreamTurn retry(ChatTurn turn, ResolvedModel model, String instruction) {
        List<ChatMessage> messages = new ArrayList<>(turn.messages());
        messages.add(ChatMessage.user(instruction));
        ToolChoice choice = turn.toolChoice().mode() == ToolChoice.Mode.TOOL || turn.tools().isEmpty()
                ? turn.toolChoice() : new ToolChoice(ToolChoice.Mode.ANY, null);
        ChatTurn again = turn.withConversation(messages, turn.tools(), choice);
        return start(again, model, account.credential(), account.baseUrl().url());
    }

    private RemoteTurn start(ChatTurn turn, ResolvedModel model, RemoteCredential credential, String base) {
        RemoteHttpRequest request = requests.chat(turn, model.key(), credential, base);
        // a failure after the first event still counts against the model
        RemoteTurn attempt = new RemoteTurn(model, TURN_QUEUE, settings.maxBufferedBytes(),
                failure -> breakers.circuitBreaker(model.key()).onError(0, TimeUnit.NANOSECONDS, failure));
        Exchange exchange = exchanges.forRequest(request, settings.idleTimeout());
        exchange.setProperty(RemoteHttpTransport.TURN, attempt);
        ScheduledFuture<?> deadline = settings.attemptTimeout().isZero() ? null
                : timer.schedule(() -> {
                    attempt.fail(RemoteFailure.timeout("attempt", null));
                    attempt.cancel("attempt timeout");
                }, settings.attemptTimeout().toMillis(), TimeUnit.MILLISECONDS);
        attempts.execute(() -> {
            Exchange done = template.send("direct:lingma-remote-chat-attempt", exchange);
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (done.getException() != null) {
                attempt.fail(RemoteExchanges.classify(done.getException(), base));
            } else {
                // the route always offers a terminal event; this only guards against a route edit that skips it
                attempt.fail(new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "the Lingma stream ended unread"));
            }
        });
        return attempt;
    }

    /** Waits for the first event in short slices, so a client that left is noticed within a fraction of a second. */
    private ChatEvent awaitFirst(RemoteTurn attempt, BooleanSupplier abandoned) {
        long deadline = System.nanoTime() + settings.firstByteTimeout().toNanos();
        try {
            while (true) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    return null;
                }
                ChatEvent e = attempt.awaitFirst(Duration.ofNanos(Math.min(left, 200_000_000L)));
                if (e != null) {
                    return e;
                }
                if (abandoned.getAsBoolean()) {
                    throw new GatewayException(ErrorKind.INTERNAL, "client disconnected");
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new GatewayException(ErrorKind.INTERNAL, "interrupted while waiting for Lingma", e);
        }
    }
}
