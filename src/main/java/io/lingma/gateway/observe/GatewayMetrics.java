package io.lingma.gateway.observe;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.github.resilience4j.micrometer.tagged.TaggedCircuitBreakerMetrics;
import io.lingma.gateway.lingma.ipc.IpcSessionCache;
import io.lingma.gateway.service.ConcurrencyLimiter;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The gateway's own meters on {@code /observe/metrics} (issue 9 §4), next to Camel's: the OpenTelemetry GenAI
 * semantic-convention meters, fed once per request from the access-log hook, and {@code gateway.*} gauges and
 * counters read from the limiter, the session cache and the breakers. Until {@link #bind(MeterRegistry)} (Camel's
 * registry exists once the context started; it is absent when metrics are off) every call is a no-op.
 *
 * <p>Meters (Prometheus names in brackets): {@code gen_ai.server.request.duration} [gen_ai_server_request_duration_seconds],
 * {@code gen_ai.server.time_to_first_token} [gen_ai_server_time_to_first_token_seconds],
 * {@code gen_ai.client.operation.duration} [gen_ai_client_operation_duration_seconds] (upstream calls),
 * {@code gen_ai.client.token.usage} [gen_ai_client_token_usage] with {@code gen_ai.token.type} input/output;
 * tags {@code gen_ai.operation.name}, {@code gen_ai.request.model}, {@code gen_ai.response.model},
 * {@code error.type}, {@code api}, {@code key}. Label values are bounded: model names Lingma does not know are
 * {@code other}, key names come from configuration.
 */
public final class GatewayMetrics {

    /** The label of a client-sent model name that names no known model. */
    public static final String OTHER = "other";
    /** The {@code error.type} of a success. */
    public static final String NO_ERROR = "none";

    private final ConcurrencyLimiter limiter;
    private final CircuitBreakerRegistry breakers;
    private volatile MeterRegistry registry;
    private volatile Supplier<IpcSessionCache.Stats> sessionStats;

    /**
     * @param limiter  the generation limiter (in flight, queued, rejected)
     * @param breakers the upstream breakers, bound with resilience4j's own meters
     */
    public GatewayMetrics(ConcurrencyLimiter limiter, CircuitBreakerRegistry breakers) {
        this.limiter = limiter;
        this.breakers = breakers;
    }

    /**
     * Registers the gauges and binders on Camel's registry; later calls are ignored.
     *
     * @param meters the registry, or null when metrics are off
     */
    public synchronized void bind(MeterRegistry meters) {
        if (meters == null || registry != null) {
            return;
        }
        Gauge.builder("gateway.concurrency.in_flight", limiter, ConcurrencyLimiter::inFlight)
                .description("generation requests running").register(meters);
        Gauge.builder("gateway.concurrency.queued", limiter, ConcurrencyLimiter::queued)
                .description("generation requests waiting for a slot").register(meters);
        FunctionCounter.builder("gateway.concurrency.rejected", limiter, ConcurrencyLimiter::rejectedTotal)
                .description("requests refused with 429 for want of a slot").register(meters);
        TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakers).bindTo(meters);
        registry = meters;
    }

    /**
     * Adds resilience4j's meters for every breaker of a registry (the remote backend's per-model breakers).
     *
     * @param breakerRegistry the breakers
     */
    public void bindBreakers(CircuitBreakerRegistry breakerRegistry) {
        MeterRegistry meters = registry;
        if (meters != null) {
            TaggedCircuitBreakerMetrics.ofCircuitBreakerRegistry(breakerRegistry).bindTo(meters);
        }
    }

    /**
     * Session cache meters: {@code gateway.session_cache.hits}, {@code .misses}, {@code .evictions}, {@code .size}.
     *
     * @param stats the cache's counters
     */
    public void bindSessionCache(Supplier<IpcSessionCache.Stats> stats) {
        MeterRegistry meters = registry;
        if (meters == null) {
            return;
        }
        // meters hold their object weakly: this bean keeps the supplier alive
        sessionStats = stats;
        FunctionCounter.builder("gateway.session_cache.hits", stats, s -> s.get().hits()).register(meters);
        FunctionCounter.builder("gateway.session_cache.misses", stats, s -> s.get().misses())
                .register(meters);
        FunctionCounter.builder("gateway.session_cache.evictions", stats, s -> s.get().evictions())
                .register(meters);
        Gauge.builder("gateway.session_cache.size", stats, s -> s.get().size())
                .register(meters);
    }

    /**
     * Counts one upstream reconnect ({@code gateway.upstream.reconnects}): a lost Lingma IPC connection, which the
     * client then re-establishes.
     *
     * @param backend the backend name
     */
    public void reconnected(String backend) {
        MeterRegistry meters = registry;
        if (meters != null) {
            meters.counter("gateway.upstream.reconnects", "backend", backend).increment();
        }
    }

    /**
     * Records one finished generation request.
     *
     * @param line the request's access-log fields
     */
    public void record(AccessLine line) {
        MeterRegistry meters = registry;
        if (meters == null || line.api() == null) {
            return;
        }
        Tags tags = Tags.of("gen_ai.operation.name", "chat", "gen_ai.request.model", line.requestModelLabel(),
                "gen_ai.response.model", line.responseModelLabel(), "error.type", line.errorType(),
                "api", line.api(), "key", line.key());
        Timer.builder("gen_ai.server.request.duration").description("generation requests, start to last byte")
                .tags(tags).register(meters).record(Duration.ofNanos((long) (line.durationSeconds() * 1e9)));
        if (line.ttftSeconds() >= 0) {
            Timer.builder("gen_ai.server.time_to_first_token").description("request start to first content")
                    .tags(tags).register(meters).record(Duration.ofNanos((long) (line.ttftSeconds() * 1e9)));
        }
        if (line.upstreamSeconds() >= 0) {
            Timer.builder("gen_ai.client.operation.duration").description("upstream Lingma calls")
                    .tags(tags).register(meters).record(Duration.ofNanos((long) (line.upstreamSeconds() * 1e9)));
        }
        if (line.tokensIn() >= 0) {
            tokens(meters, tags, "input", line.tokensIn());
            tokens(meters, tags, "output", line.tokensOut());
        }
        if (line.fallbacks() > 0) {
            Counter.builder("gateway.upstream.fallbacks").description("requests answered by a fallback model")
                    .tags("api", line.api(), "gen_ai.request.model", line.requestModelLabel(),
                            "gen_ai.response.model", line.responseModelLabel())
                    .register(meters).increment(line.fallbacks());
        }
    }

    private static void tokens(MeterRegistry meters, Tags tags, String type, long count) {
        DistributionSummary.builder("gen_ai.client.token.usage").description("tokens per request")
                .baseUnit("tokens").tags(tags.and("gen_ai.token.type", type)).register(meters).record(count);
    }
}
