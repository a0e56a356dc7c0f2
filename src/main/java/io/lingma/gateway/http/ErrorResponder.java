package io.lingma.gateway.http;

import io.github.resilience4j.circuitbreaker.CallNotPermittedException;
import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception caught by the routes' error handler into the client API's own error response
 * (client-api.md §2.7, §2.8): status, {@code Retry-After}, JSON envelope. Never sends a stack trace. When a stream
 * was already committed, the streamer has written the terminal event itself and nothing more is sent.
 */
public class ErrorResponder {

    private static final Logger LOG = LoggerFactory.getLogger(ErrorResponder.class);

    private final ClientApis apis;
    private final CircuitBreaker breaker;

    /**
     * @param apis    the client APIs (for their envelopes)
     * @param breaker the upstream breaker, for the {@code Retry-After} of an open circuit
     */
    public ErrorResponder(ClientApis apis, CircuitBreaker breaker) {
        this.apis = apis;
        this.breaker = breaker;
    }

    /**
     * Renders the caught exception ({@link Exchange#EXCEPTION_CAUGHT}) as the response.
     *
     * @param exchange the failed exchange
     */
    public void respond(Exchange exchange) {
        Throwable caught = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        HttpServerResponse response = exchange.getProperty(GatewayExchange.HTTP_RESPONSE, HttpServerResponse.class);
        ClientConnection client = HttpLifecycle.connection(exchange);
        if (response == null) {
            return;
        }
        if (client != null && client.gone()) {
            // nobody to answer: the access log records 499
            if (!response.ended()) {
                response.end();
            }
            return;
        }
        GatewayException error = toGatewayException(caught);
        if (response.headWritten()) {
            if (!response.ended()) {
                response.end();
            }
            return;
        }
        ApiProtocol protocol = exchange.getProperty(GatewayExchange.PROTOCOL, ApiProtocol.OPENAI_CHAT,
                ApiProtocol.class);
        String requestId = exchange.getMessage().getHeader("x-request-id", String.class);
        exchange.getMessage().removeHeaders("*", "CamelHttp*", "x-request-id", "request-id");
        exchange.getMessage().setHeader(Exchange.HTTP_RESPONSE_CODE, error.status());
        exchange.getMessage().setHeader(Exchange.CONTENT_TYPE, "application/json");
        if (error.retryAfterSeconds() != null) {
            exchange.getMessage().setHeader("Retry-After", String.valueOf(error.retryAfterSeconds()));
        }
        exchange.getMessage().setBody(apis.errorBody(protocol, error));
        if (error.status() >= 500) {
            LOG.warn("request {} failed: {} {}", requestId, error.status(), error.getMessage(),
                    error.kind() == ErrorKind.INTERNAL ? caught : null);
        }
    }

    /**
     * @param caught any exception from a route
     * @return its client-facing form: gateway errors as they are, an open circuit as 503 with
     * {@code Retry-After}, anything else as 500 {@code internal_error}
     */
    public GatewayException toGatewayException(Throwable caught) {
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof GatewayException g) {
                return g;
            }
            if (t instanceof CallNotPermittedException) {
                long waitSeconds = Math.max(1,
                        breaker.getCircuitBreakerConfig().getWaitIntervalFunctionInOpenState().apply(1) / 1000);
                return new GatewayException(ErrorKind.BACKEND_UNAVAILABLE,
                        "Lingma upstream is failing; the circuit breaker is open, retry later", null,
                        (int) waitSeconds, t);
            }
        }
        return new GatewayException(ErrorKind.INTERNAL, "internal gateway error", caught);
    }
}
