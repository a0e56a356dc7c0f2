package io.lingma.gateway.http;

import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import io.vertx.core.impl.VertxWrapper;

/**
 * The Vert.x instance platform-http sees (bound as {@code vertx}): the process's one Vert.x, except that every
 * HTTP server it creates (client port and management port) gets the gateway's edge handling before it listens.
 * platform-http builds its {@code HttpServerOptions} itself and sets no invalid-request or connection handler, and
 * Vert.x only accepts those before {@code listen}, so this is the one place to add them:
 * <ul>
 *   <li>{@link EdgeErrors#invalidRequest} answers what the HTTP decoder rejects with an envelope (client-api.md
 *       §2.7) instead of a bare status or a reset;</li>
 *   <li>{@link HttpReadGuard#watch} adds the read deadlines (client-api.md §2.4) to each connection;</li>
 *   <li>cleartext HTTP/2 is off: the gateway speaks HTTP/1.1, and a prior-knowledge preface is answered 400.</li>
 * </ul>
 */
public final class GuardedVertx extends VertxWrapper {

    private final EdgeErrors errors;
    private final HttpReadGuard guard;

    /**
     * @param vertx  the process's Vert.x instance, which does all the work
     * @param errors the decoder-error envelopes
     * @param guard  the read deadlines
     */
    public GuardedVertx(VertxInternal vertx, EdgeErrors errors, HttpReadGuard guard) {
        super(vertx);
        this.errors = errors;
        this.guard = guard;
    }

    @Override
    public HttpServer createHttpServer(HttpServerOptions options) {
        HttpServer server = super.createHttpServer(new HttpServerOptions(options).setHttp2ClearTextEnabled(false));
        server.invalidRequestHandler(errors::invalidRequest);
        server.connectionHandler(guard::watch);
        return server;
    }

    @Override
    public HttpServer createHttpServer() {
        return createHttpServer(new HttpServerOptions());
    }
}
