package io.lingma.gateway.http;

import io.vertx.core.http.HttpServer;
import io.vertx.core.net.impl.TCPServerBase;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.HttpEndpointModel;
import org.apache.camel.component.platform.http.PlatformHttpComponent;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Comparator;
import java.util.Set;

/**
 * Checks, once Camel has started, that every embedded HTTP server (the client-facing port and the management port)
 * is listening, and logs the address each one is really bound to (README "Operations").
 *
 * <p>platform-http only logs a failed bind (e.g. the port is in use) and carries on without a listener; this check
 * makes the start fail instead, so {@link io.lingma.gateway.GatewayMain} exits non-zero. It also replaces
 * platform-http's endpoint summary, which always names the host {@code 0.0.0.0}.
 */
public class HttpListeners implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(HttpListeners.class);

    private final int clientPort;
    private volatile String clientBase;

    /** @param clientPort the client-facing port ({@code gateway.http.port}) */
    public HttpListeners(int clientPort) {
        this.clientPort = clientPort;
    }

    /**
     * @throws IllegalStateException when a server is not listening: Camel's start fails with it
     */
    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        Set<VertxPlatformHttpServer> servers = context.hasServices(VertxPlatformHttpServer.class);
        for (VertxPlatformHttpServer server : servers) {
            HttpServer vertx = server.getServer();
            String base = "http://" + host(server.getHost()) + ":";
            // a failed bind still reports the configured port; only the server's own state tells
            if (vertx == null || vertx.actualPort() <= 0
                    || vertx instanceof TCPServerBase tcp && !tcp.isListening()) {
                throw new IllegalStateException("cannot listen on " + base + server.getConfigurationPort()
                        + " (is the port in use?)");
            }
            base += vertx.actualPort();
            if (server.getConfigurationPort() == clientPort) {
                clientBase = base;
                LOG.info("client API listening on {}", base);
            } else {
                LOG.info("management listening on {}", base);
            }
        }
    }

    /** Lists the client API's endpoints, known once the routes have started. */
    @Override
    public void onCamelContextFullyStarted(CamelContext context, boolean alreadyStarted) {
        PlatformHttpComponent http = context.getComponent("platform-http", PlatformHttpComponent.class);
        String base = clientBase;
        if (http == null || base == null) {
            return;
        }
        http.getHttpEndpoints().stream().sorted(Comparator.comparing(HttpEndpointModel::getUri))
                .forEach(e -> LOG.info("    {}{} ({})", base, e.getUri(), e.getVerbs()));
    }

    private static String host(String host) {
        String h = host == null || host.isEmpty() ? "0.0.0.0" : host;
        return h.contains(":") && !h.startsWith("[") ? "[" + h + "]" : h;
    }
}
