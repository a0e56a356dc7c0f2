package io.lingma.gateway.auth;

import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpRouter;

/**
 * Puts the metrics tier (issue 9 §1) in front of Camel's Prometheus scrape endpoint ({@code camel.metrics.path},
 * {@code /observe/metrics}) on the management port: a Vert.x handler ahead of every route of that port's router,
 * installed once Camel has started. A missing or wrong credential gets 401 in the OpenAI envelope with
 * {@code WWW-Authenticate: Bearer}; the health path of the same port stays open.
 */
public class MetricsGuard implements StartupListener {

    private final ApiKeyAuthenticator authenticator;
    private final ClientApis apis;
    private final int managementPort;
    private final String metricsPath;

    /**
     * @param authenticator  the tier check
     * @param apis           the client APIs (for the error envelope)
     * @param managementPort the management port ({@code camel.management.port})
     * @param metricsPath    the scrape path ({@code camel.metrics.path})
     */
    public MetricsGuard(ApiKeyAuthenticator authenticator, ClientApis apis, int managementPort, String metricsPath) {
        this.authenticator = authenticator;
        this.apis = apis;
        this.managementPort = managementPort;
        String path = metricsPath.startsWith("/") ? metricsPath : "/" + metricsPath;
        this.metricsPath = path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
    }

    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        VertxPlatformHttpRouter router = VertxPlatformHttpRouter.lookup(context,
                VertxPlatformHttpRouter.getRouterNameFromPort(managementPort));
        if (router == null) {
            return; // management (and with it the scrape endpoint) is off
        }
        router.route().order(Integer.MIN_VALUE).handler(this::guard);
    }

    private void guard(RoutingContext ctx) {
        // the normalised path is the one Vert.x routes by, so /observe/./metrics is guarded too
        String path = ctx.normalizedPath();
        if (!path.equals(metricsPath) && !path.startsWith(metricsPath + "/")) {
            ctx.next();
            return;
        }
        try {
            authenticator.check(AccessTier.METRICS, ApiKeyAuthenticator.presentedKey(
                    ctx.request().getHeader("Authorization"), ctx.request().getHeader("x-api-key"), false));
        } catch (GatewayException e) {
            ctx.response().setStatusCode(e.status())
                    .putHeader("Content-Type", "application/json")
                    .putHeader("WWW-Authenticate", "Bearer")
                    .end(apis.errorBody(ApiProtocol.OPENAI_CHAT, e));
            return;
        }
        ctx.next();
    }
}
