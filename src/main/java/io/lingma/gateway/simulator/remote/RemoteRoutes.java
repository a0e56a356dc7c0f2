package io.lingma.gateway.simulator.remote;

import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The remote simulator's HTTP surface (lingma-remote.md §11.1) as a Vert.x {@link Router}: every request is counted
 * and its body collected, then {@code GET} model list, {@code POST} chat, and a catch-all 404 (the OSS
 * {@code NoSuchKey} XML by default, for wrong-host tests). A handler that throws answers an empty 500.
 */
final class RemoteRoutes {

    /** §6.1. */
    static final String MODEL_LIST_PATH = "/algo/api/v2/model/list";
    /** §6.2, query excluded. */
    static final String CHAT_PATH = "/algo/api/v2/service/pro/sse/agent_chat_generation";

    private static final Logger LOG = LoggerFactory.getLogger(RemoteSimulator.class);
    private static final String OSS_404 = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error>\n  <Code>NoSuchKey</Code>"
            + "\n  <Message>The specified key does not exist.</Message>\n  <HostId>lingma-remote-simulator</HostId>\n"
            + "</Error>\n";

    private RemoteRoutes() {
    }

    /**
     * @param state the simulator's shared state
     * @return the router to install as the HTTP server's request handler
     */
    static Router router(RemoteSimulatorState state) {
        Router router = Router.router(state.vertx);
        router.route().handler(ctx -> {
            state.requests.incrementAndGet();
            ctx.next();
        });
        router.route().handler(BodyHandler.create(false));
        router.get(MODEL_LIST_PATH).handler(verified(state, MODEL_LIST_PATH, new ModelListEndpoint(state)));
        router.post(CHAT_PATH).handler(verified(state, CHAT_PATH, new ChatEndpoint(state)));
        router.route().handler(ctx -> notFound(state, ctx));
        router.route().failureHandler(RemoteRoutes::failed);
        return router;
    }

    /** A simulated endpoint: called on the event loop with the body as received and the COSY verdict over it. */
    interface Endpoint {
        /**
         * @param request the request (its response not yet started)
         * @param raw     the body bytes exactly as received (empty when there is none)
         * @param auth    the §11.2 verdict; the endpoint records the request and answers a failed one
         */
        void serve(HttpServerRequest request, byte[] raw, CosyVerifier.Result auth);
    }

    private static Handler<RoutingContext> verified(RemoteSimulatorState state, String path, Endpoint endpoint) {
        return ctx -> {
            HttpServerRequest request = ctx.request();
            if (!request.path().equals(path)) {
                // the router ignores a trailing slash and normalises the path; the simulated server does neither
                ctx.next();
                return;
            }
            byte[] raw = rawBody(ctx);
            endpoint.serve(request, raw, state.verifier.verify(request.headers(), path, raw));
        };
    }

    private static byte[] rawBody(RoutingContext ctx) {
        Buffer body = ctx.body().buffer();
        return body == null ? new byte[0] : body.getBytes();
    }

    private static void notFound(RemoteSimulatorState state, RoutingContext ctx) {
        state.record(ctx.request(), rawBody(ctx), null, RecordedRemoteRequest.AuthVerdict.OK, null, null);
        if (state.options.ossCatchAll()) {
            ctx.response().setStatusCode(404).putHeader("Content-Type", "application/xml").end(OSS_404);
        } else {
            ctx.response().setStatusCode(404).end();
        }
    }

    private static void failed(RoutingContext ctx) {
        LOG.warn("remote simulator failed on {} {}: {}", ctx.request().method(), ctx.request().path(),
                ctx.failure() == null ? "status " + ctx.statusCode() : ctx.failure().toString());
        HttpServerResponse response = ctx.response();
        if (!response.ended() && !response.headWritten()) {
            response.setStatusCode(500).end();
        }
    }
}
