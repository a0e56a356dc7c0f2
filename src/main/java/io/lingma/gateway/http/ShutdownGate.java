package io.lingma.gateway.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.lingma.gateway.service.Drain;
import io.lingma.gateway.service.HealthService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/**
 * The client port while the gateway shuts down ({@link Drain}; README "Deploy"): Camel suspends its HTTP consumers
 * then, which would answer every request 503 without a body, so this handler, ahead of every route, answers instead:
 * {@code /healthz} 503 with the health document ({@code "ready":false,"draining":true}), {@code /health} and
 * {@code /} 200 with it (the process is still alive), {@code /version} as usual, and anything else 503
 * {@code shutting_down} in the path's API envelope with {@code Retry-After: 1} and {@code Connection: close}, so
 * the client's next attempt opens a connection that the Service sends to another replica. Responses already
 * running are not affected.
 */
public final class ShutdownGate {

    private final Drain drain;
    private final HealthService health;
    private final ClientApis apis;
    private final ObjectMapper mapper;

    /**
     * @param drain  the shutdown state
     * @param health the health documents
     * @param apis   the client APIs (for their envelopes)
     * @param mapper JSON writer
     */
    public ShutdownGate(Drain drain, HealthService health, ClientApis apis, ObjectMapper mapper) {
        this.drain = drain;
        this.health = health;
        this.apis = apis;
        this.mapper = mapper;
    }

    /**
     * Installs the gate on the client port's router, ahead of every route.
     *
     * @param router the platform-http router of the client port
     */
    public void install(Router router) {
        router.route().order(Integer.MIN_VALUE).handler(this::handle);
    }

    private void handle(RoutingContext ctx) {
        if (!drain.draining()) {
            ctx.next();
            return;
        }
        String path = ctx.request().path();
        switch (path) {
            case "/healthz" -> json(ctx, 503, health.document());
            case "/health", "/" -> json(ctx, 200, health.document());
            case "/version" -> json(ctx, 200, health.version());
            default -> {
                GatewayException error = Drain.shuttingDown();
                ctx.response().setStatusCode(error.status())
                        .putHeader("Content-Type", "application/json")
                        .putHeader("Retry-After", String.valueOf(error.retryAfterSeconds()))
                        .putHeader("Connection", "close")
                        .putHeader("x-request-id", Ids.hex("req_", 32))
                        .end(apis.errorBody(HttpLifecycle.protocolOf(path), error));
            }
        }
    }

    private void json(RoutingContext ctx, int status, Object document) {
        try {
            ctx.response().setStatusCode(status).putHeader("Content-Type", "application/json")
                    .end(mapper.writeValueAsString(document));
        } catch (JsonProcessingException e) {
            ctx.fail(e);
        }
    }
}
