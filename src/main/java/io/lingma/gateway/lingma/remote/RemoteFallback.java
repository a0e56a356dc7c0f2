package io.lingma.gateway.lingma.remote;

import io.github.resilience4j.circuitbreaker.CircuitBreakerRegistry;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.apache.camel.Exchange;
import org.apache.camel.ExchangeProperty;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.function.BiConsumer;

/**
 * The steps of the {@code lingma-remote-fallback} route (lingma-remote.md §9.2): pick the next model of the
 * request's {@link RemoteFallbackPlan} and end with the answering turn or one clear error.
 */
public class RemoteFallback {

    /** Exchange property naming the endpoint suffix of the model being tried. */
    public static final String MODEL_ROUTE = "lingmaRemoteModelRoute";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteFallback.class);

    private final RemoteModelRoutes routes;
    private final CircuitBreakerRegistry breakers;
    private final BiConsumer<String, String> answers;

    /**
     * @param routes   the per-model routes
     * @param breakers the per-model breakers (their wait in the open state is the Retry-After when all are open)
     * @param answers  told {@code (requested, answered)} for every answered request (equal keys when no fallback
     *                 happened), for the per-model and fallback counters
     */
    public RemoteFallback(RemoteModelRoutes routes, CircuitBreakerRegistry breakers,
                          BiConsumer<String, String> answers) {
        this.routes = routes;
        this.breakers = breakers;
        this.answers = answers;
    }

    /**
     * The loop's condition: moves the plan to its next model.
     *
     * @param plan     the request's plan
     * @param exchange the route's exchange: {@link #MODEL_ROUTE} names the model's route
     * @return false when a model answered, every model was tried or {@code gateway.remote.fallback.max-attempts}
     * attempts were made
     */
    public boolean next(@ExchangeProperty(RemoteFallbackPlan.PROPERTY) RemoteFallbackPlan plan, Exchange exchange) {
        String model = plan.advance();
        if (model == null) {
            return false;
        }
        exchange.setProperty(MODEL_ROUTE, routes.ensure(model));
        return true;
    }

    /**
     * @param plan the request's plan, after the loop
     * @return the answering turn
     * @throws GatewayException the last failure (all models' reasons in the message when several were tried), or
     *                          503 with Retry-After when every model's breaker is open
     */
    public RemoteTurn answer(@ExchangeProperty(RemoteFallbackPlan.PROPERTY) RemoteFallbackPlan plan) {
        RemoteTurn answer = plan.answer();
        String requested = plan.requested().key();
        if (answer != null) {
            String model = answer.model().key();
            try {
                answers.accept(requested, model);
            } catch (RuntimeException e) {
                LOG.debug("counting the answering model failed", e);
            }
            if (!model.equals(requested)) {
                LOG.info("request {} answered by fallback model {} ({})", plan.turn().requestId(), model,
                        plan.outcomes());
            }
            return answer;
        }
        if (plan.stopped() != null) {
            throw plan.stopped();
        }
        RemoteFailure last = plan.lastFailure();
        if (last == null) {
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "every Lingma model is failing (circuit "
                    + "breakers open: " + String.join(", ", plan.order()) + ")", null, retryAfterSeconds(plan), null);
        }
        GatewayException error = last.toGatewayException();
        if (plan.outcomes().size() > 1) {
            error = new GatewayException(error.kind(), "all Lingma models failed: "
                    + String.join("; ", plan.outcomes()), error.param(), error.retryAfterSeconds(), last);
        }
        throw error;
    }

    private Integer retryAfterSeconds(RemoteFallbackPlan plan) {
        long millis = breakers.find(plan.requested().key())
                .map(b -> b.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1))
                .orElseGet(() -> breakers.getDefaultConfig().getWaitIntervalFunctionInOpenState().apply(1));
        return (int) Math.max(1, millis / 1000);
    }
}
