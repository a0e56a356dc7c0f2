package io.lingma.gateway.service;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.chat.ChatBackend;
import org.apache.camel.Body;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Liveness and readiness documents (client-api.md §8.2): {@code /health} always answers 200 while the process
 * serves; {@code /healthz} answers 503 until the Lingma upstream is reachable. Both name the backend and say
 * whether it is the built-in simulator. Never contains secrets.
 */
public class HealthService {

    /** The service name reported everywhere. */
    public static final String SERVICE = "lingma-gateway";

    private final ChatBackend backend;
    private final CircuitBreaker breaker;
    private final ConcurrencyLimiter limiter;
    private final String version;
    private final Drain drain;

    /**
     * @param backend the upstream
     * @param breaker the upstream circuit breaker
     * @param limiter the concurrency limiter
     * @param version the gateway version
     * @param drain   the shutdown state: a gateway shutting down is not ready
     */
    public HealthService(ChatBackend backend, CircuitBreaker breaker, ConcurrencyLimiter limiter, String version,
                         Drain drain) {
        this.backend = backend;
        this.breaker = breaker;
        this.limiter = limiter;
        this.version = version;
        this.drain = drain;
    }

    /** @return true when the backend can take a turn now and the gateway is not shutting down */
    public boolean ready() {
        return !drain.draining() && backend.ready();
    }

    /**
     * @return {@code {ok, ready, draining, service, version, backend, simulator, state{…}, circuit_breaker{…},
     * concurrency{…}}}
     */
    public Map<String, Object> document() {
        boolean ready = ready();
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ok", ready);
        doc.put("ready", ready);
        doc.put("draining", drain.draining());
        doc.put("service", SERVICE);
        doc.put("version", version);
        doc.put("backend", backend.name());
        doc.put("simulator", backend.simulated());
        doc.put("state", backend.status());
        doc.put("circuit_breaker", breaker(breaker));
        doc.put("concurrency", concurrency(limiter));
        return doc;
    }

    /**
     * @param breaker a circuit breaker
     * @return {@code {state, failure_rate, failed_calls}} (failure rate in percent, -1 before enough calls)
     */
    public static Map<String, Object> breaker(CircuitBreaker breaker) {
        Map<String, Object> cb = new LinkedHashMap<>();
        cb.put("state", breaker.getState().name());
        cb.put("failure_rate", breaker.getMetrics().getFailureRate());
        cb.put("failed_calls", breaker.getMetrics().getNumberOfFailedCalls());
        return cb;
    }

    /**
     * @param limiter the concurrency limiter
     * @return {@code {in_flight, queued, accepted_total, rejected_total, max_in_flight}} (client-api.md §8.5)
     */
    public static Map<String, Object> concurrency(ConcurrencyLimiter limiter) {
        Map<String, Object> cc = new LinkedHashMap<>();
        cc.put("in_flight", limiter.inFlight());
        cc.put("queued", limiter.queued());
        cc.put("accepted_total", limiter.acceptedTotal());
        cc.put("rejected_total", limiter.rejectedTotal());
        cc.put("max_in_flight", limiter.maxInFlight());
        return cc;
    }

    /**
     * The readiness test of {@code GET /healthz} (client-api.md §8.2): 503 when it holds.
     *
     * @param document a {@link #document()}
     * @return true when the document says the backend is not ready
     */
    public boolean notReady(@Body Map<String, Object> document) {
        return !Boolean.TRUE.equals(document.get("ready"));
    }

    /** @return {@code {version, service}} (client-api.md §8.3) */
    public Map<String, Object> version() {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("version", version);
        doc.put("service", SERVICE);
        return doc;
    }
}
