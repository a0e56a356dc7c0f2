package io.lingma.gateway.http;

import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

import java.util.Set;
import java.util.TreeSet;

/**
 * Gives requests that never reach a Camel route the client API's error envelope (client-api.md §2.3, §2.7):
 * unknown path → 404 {@code Invalid URL (METHOD path)}, known path with the wrong method → 405 with {@code Allow},
 * {@code OPTIONS} → 204, body over {@code gateway.http.max-body-bytes} → 413; and {@code HEAD} on every GET route
 * (status and headers of the GET, no body). Installed on the platform-http Vert.x router once Camel has started.
 */
public class VertxRouterSetup implements StartupListener {

    private final ClientApis apis;
    private final int port;

    /**
     * @param apis the client APIs (for their envelopes)
     * @param port the client-facing port ({@code gateway.http.port}), which names the platform-http router
     */
    public VertxRouterSetup(ClientApis apis, int port) {
        this.apis = apis;
        this.port = port;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(port));
        if (router == null) {
            throw new IllegalStateException("no platform-http router for port " + port);
        }
        // HEAD is served by the GET route: Vert.x drops the body of a response to a HEAD request
        router.route().order(Integer.MIN_VALUE).method(HttpMethod.HEAD)
                .handler(ctx -> ctx.reroute(HttpMethod.GET, pathAndQuery(ctx)));
        context.getRegistry().lookupByNameAndType("requestGuard", RequestGuard.class).install(router);
        router.route().last().handler(ctx -> unmatched(router, ctx));
        // the body handler fails the request with 413 inside this sub-router, so a failure handler here sees it
        router.route().order(Integer.MIN_VALUE).failureHandler(ctx -> {
            if (ctx.statusCode() == 413 && !ctx.response().headWritten()) {
                send(ctx, new GatewayException(ErrorKind.REQUEST_TOO_LARGE,
                        "Request body exceeds the configured limit of the gateway"));
            } else {
                ctx.next();
            }
        });
    }

    private void unmatched(VertxPlatformHttpRouter router, RoutingContext ctx) {
        String path = ctx.request().path();
        if (ctx.request().method() == HttpMethod.OPTIONS) {
            ctx.response().setStatusCode(204).end();
            return;
        }
        Set<String> allowed = new TreeSet<>();
        // routes matched the normalised path (dot segments removed), so Allow must be computed on it too
        String routed = ctx.normalizedPath();
        for (Route r : router.getRoutes()) {
            if (r.getPath() != null && r.methods() != null && pathMatches(r.getPath(), routed)) {
                r.methods().forEach(m -> allowed.add(m.name()));
            }
        }
        if (!allowed.isEmpty()) {
            ctx.response().putHeader("Allow", String.join(", ", allowed));
            send(ctx, new GatewayException(ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + ctx.request().method() + " not allowed for " + path));
            return;
        }
        send(ctx, new GatewayException(ErrorKind.UNKNOWN_URL,
                "Invalid URL (" + ctx.request().method() + " " + path + ")"));
    }

    /** The request's path and query: {@code reroute} takes no absolute-form target ({@code http://host/path}). */
    private static String pathAndQuery(RoutingContext ctx) {
        String query = ctx.request().query();
        return ctx.request().path() + (query == null ? "" : "?" + query);
    }

    private static boolean pathMatches(String routePath, String path) {
        String regex = routePath.replaceAll(":[^/]+", "[^/]+").replace("{", "").replace("}", "");
        return path.matches(regex) || path.equals(routePath);
    }

    private void send(RoutingContext ctx, GatewayException error) {
        ApiProtocol protocol = HttpLifecycle.protocolOf(ctx.request().path());
        String requestId = Ids.hex("req_", 32);
        ctx.response()
                .setStatusCode(error.status())
                .putHeader("Content-Type", "application/json")
                .putHeader("x-request-id", requestId)
                .end(apis.errorBody(protocol, error));
    }
}
