package io.lingma.gateway.http;

import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.HostAndPort;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Keeps web pages from using the client port through a visitor's browser (client-api.md §2.3, §2.4), before any
 * body is read or upstream work starts:
 * <ol>
 *   <li><b>Host</b> — while the listener is bound to loopback, only {@code localhost}, {@code *.localhost},
 *   {@code 127.0.0.1} and {@code [::1]} (any port) plus {@code gateway.http.allowed-hosts} are served, so a
 *   DNS-rebound name reaches nothing; bound elsewhere the check applies only when that list is set; {@code *}
 *   turns it off. Other names → 403 {@code Host not allowed}.</li>
 *   <li><b>Origin</b> — a request carrying {@code Origin} passes when it is same-origin (the {@code Host} it was
 *   sent to, that host being one of the names above or the bind address) or listed in
 *   {@code gateway.cors.allowed-origins}; the latter get CORS answers from Vert.x's {@link CorsHandler}
 *   (preflight included, never credentials). Anything else, {@code null} included → 403
 *   {@code Origin not allowed}. Requests without {@code Origin} (SDKs, curl) pass.</li>
 *   <li><b>Content-Type</b> — a POST to a JSON endpoint labelled with a non-JSON media type → 415; a missing
 *   label stays accepted (§2.4: the body is parsed as JSON regardless).</li>
 * </ol>
 * Errors use the path's API envelope. Liveness and readiness ({@code /health}, {@code /healthz}) are never guarded.
 */
public final class RequestGuard {

    private static final Logger ACCESS = LoggerFactory.getLogger("io.lingma.gateway.access");
    private static final Set<String> OPEN_PATHS = Set.of("/health", "/healthz");
    private static final Set<String> JSON_POSTS = Set.of("/v1/chat/completions", "/api/v1/chat/completions",
            "/v1/responses", "/responses", "/api/v1/responses", "/v1/messages", "/v1/messages/count_tokens");
    private static final Set<String> LOOPBACK_NAMES = Set.of("localhost", "127.0.0.1", "::1");
    private static final String CORS_REJECTED = RequestGuard.class.getName() + ".corsRejected";

    /**
     * The guard's settings.
     *
     * @param bindHost     {@code gateway.http.host}, the client listener's bind address (a name it may be called by,
     *                     unless {@code 0.0.0.0} / {@code ::})
     * @param corsOrigins  {@code gateway.cors.allowed-origins}: origins ({@code scheme://host[:port]}) or {@code *};
     *                     empty = CORS off
     * @param allowedHosts {@code gateway.http.allowed-hosts}: host names (any port), {@code *.domain} for its
     *                     subdomains, or {@code *} (no Host check)
     */
    public record Settings(String bindHost, List<String> corsOrigins, List<String> allowedHosts) {

        /** Defensive copies; names are compared lower-case; a wildcard bind address names no host. */
        public Settings {
            bindHost = bindHost == null ? "" : normalise(bindHost);
            bindHost = bindHost.equals("0.0.0.0") || bindHost.equals("::") ? "" : bindHost;
            corsOrigins = List.copyOf(corsOrigins);
            allowedHosts = allowedHosts.stream().map(RequestGuard::normalise).toList();
        }

        /**
         * @param bindHost     the bind address
         * @param corsOrigins  comma-separated origins
         * @param allowedHosts comma-separated host names
         * @return the settings
         */
        public static Settings parse(String bindHost, String corsOrigins, String allowedHosts) {
            return new Settings(bindHost, csv(corsOrigins), csv(allowedHosts));
        }

        private static List<String> csv(String value) {
            return value == null ? List.of() : Arrays.stream(value.split(",")).map(String::trim)
                    .filter(s -> !s.isEmpty()).toList();
        }
    }

    private final ClientApis apis;
    private final Settings settings;
    private final boolean checkHost;
    private final CorsHandler cors;

    /**
     * @param apis     the client APIs (for their envelopes)
     * @param settings the settings
     * @throws IllegalArgumentException for an origin that is not {@code http(s)://host[:port]}, or {@code *} beside
     *                                  other origins (fatal at start)
     */
    public RequestGuard(ClientApis apis, Settings settings) {
        this.apis = apis;
        this.settings = settings;
        boolean wildcard = settings.allowedHosts().contains("*");
        this.checkHost = !wildcard && (isLoopback(settings.bindHost()) || !settings.allowedHosts().isEmpty());
        this.cors = settings.corsOrigins().isEmpty() ? null : corsHandler(settings.corsOrigins());
    }

    /** @return whether the Host check is on for these settings */
    boolean checksHost() {
        return checkHost;
    }

    private static CorsHandler corsHandler(List<String> origins) {
        for (String origin : origins) {
            boolean star = origin.equals("*");
            if (star ? origins.size() > 1 : !isOrigin(origin)) {
                throw new IllegalArgumentException("invalid value for gateway.cors.allowed-origins: "
                        + String.join(",", origins) + " (scheme://host[:port] entries, or * alone)");
            }
        }
        CorsHandler handler = CorsHandler.create().addOrigins(origins);
        Set<HttpMethod> methods = new LinkedHashSet<>(List.of(HttpMethod.GET, HttpMethod.HEAD, HttpMethod.POST,
                HttpMethod.OPTIONS));
        // the explicit names cover Authorization (never matched by "*"); "*" covers the SDKs' x-stainless-* headers
        Set<String> headers = new LinkedHashSet<>(List.of("Content-Type", "Authorization", "x-api-key",
                "anthropic-version", "anthropic-beta", "anthropic-dangerous-direct-browser-access", "x-request-id",
                "*"));
        Set<String> exposed = new LinkedHashSet<>(List.of("x-request-id", "request-id", "X-Lingma-Model",
                "Retry-After"));
        return handler.allowedMethods(methods).allowedHeaders(headers).exposedHeaders(exposed)
                .allowCredentials(false);
    }

    /**
     * Installs the guard on the client port's router, ahead of every route (the order just after the
     * {@code HEAD} → {@code GET} reroute).
     *
     * @param router the platform-http router of the client port
     */
    public void install(Router router) {
        router.route().order(Integer.MIN_VALUE + 1).handler(this::hostAndOrigin).failureHandler(ctx -> {
            if (ctx.statusCode() == 403 && ctx.get(CORS_REJECTED) != null && !ctx.response().headWritten()) {
                reject(ctx, ErrorKind.FORBIDDEN, "Origin not allowed: " + ctx.request().getHeader("Origin"));
            } else {
                ctx.next();
            }
        });
        router.route().order(Integer.MIN_VALUE + 2).handler(this::contentType);
    }

    private void hostAndOrigin(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        if (OPEN_PATHS.contains(request.path())) {
            ctx.next();
            return;
        }
        String host = requestHost(request);
        if (checkHost && host != null && !known(host)) {
            reject(ctx, ErrorKind.FORBIDDEN, "Host not allowed: " + request.getHeader("Host")
                    + " (gateway.http.allowed-hosts lists the names served)");
            return;
        }
        // whether the response varies with Origin: it does for every guarded path (403 or CORS headers)
        if (!ctx.response().headers().contains("Vary", "Origin", true)) {
            ctx.response().headers().add("Vary", "Origin");
        }
        String origin = request.getHeader("Origin");
        if (origin == null || sameOrigin(origin, request, host)) {
            ctx.next();
        } else if (cors != null && !"null".equals(origin)) {
            ctx.put(CORS_REJECTED, Boolean.TRUE);
            cors.handle(ctx);
        } else {
            reject(ctx, ErrorKind.FORBIDDEN, "Origin not allowed: " + origin);
        }
    }

    private void contentType(RoutingContext ctx) {
        // past the CORS handler: a later failure is not an origin rejection
        ctx.remove(CORS_REJECTED);
        String label = ctx.request().getHeader("Content-Type");
        if (ctx.request().method() != HttpMethod.POST || !JSON_POSTS.contains(ctx.request().path())
                || label == null || label.isBlank() || isJson(label)) {
            ctx.next();
            return;
        }
        reject(ctx, ErrorKind.UNSUPPORTED_MEDIA_TYPE, "Unsupported Content-Type '" + label.trim()
                + "': send the request body as application/json");
    }

    /** @return whether the media type (parameters such as charset aside) is application/json or application/*+json */
    private static boolean isJson(String contentType) {
        String media = contentType.split(";", 2)[0].trim().toLowerCase(Locale.ROOT);
        return media.equals("application/json") || media.startsWith("application/") && media.endsWith("+json");
    }

    /** @return the Host name, lower-case without brackets or port; null when the request names none (HTTP/1.0) */
    private static String requestHost(HttpServerRequest request) {
        HostAndPort authority = request.authority();
        if (authority == null) {
            // a Host header Vert.x cannot parse names no allowed host
            return request.getHeader("Host") == null ? null : "";
        }
        return normalise(authority.host());
    }

    /** @return whether {@code host} is a loopback name, the bind address or listed in allowed-hosts */
    private boolean known(String host) {
        if (LOOPBACK_NAMES.contains(host) || host.endsWith(".localhost") || host.equals(settings.bindHost())) {
            return true;
        }
        for (String entry : settings.allowedHosts()) {
            if (entry.startsWith("*.") ? host.endsWith(entry.substring(1)) : entry.equals(host)) {
                return true;
            }
        }
        return false;
    }

    /**
     * Same-origin: the page was served from the very {@code host[:port]} the request went to (any scheme, for a
     * TLS proxy in front) and that host is a known name, so a DNS-rebound name never counts as the gateway itself.
     */
    private boolean sameOrigin(String origin, HttpServerRequest request, String host) {
        String target = request.getHeader("Host");
        return host != null && target != null && known(host) && isOrigin(origin)
                && URI.create(origin).getRawAuthority().equalsIgnoreCase(target.trim());
    }

    private void reject(RoutingContext ctx, ErrorKind kind, String message) {
        GatewayException error = new GatewayException(kind, message);
        HttpServerRequest request = ctx.request();
        ApiProtocol protocol = HttpLifecycle.protocolOf(request.path());
        String requestId = Ids.hex("req_", 32);
        // the operator sees which name or origin to allow
        ACCESS.warn("{} {} -> {} (0ms) request_id={}: {}", request.method(), request.path(), kind.status(),
                requestId, message);
        // the CORS handler leaves its own reason phrase behind
        ctx.response().setStatusMessage(HttpResponseStatus.valueOf(kind.status()).reasonPhrase())
                .setStatusCode(kind.status())
                .putHeader("Content-Type", "application/json")
                .putHeader("x-request-id", requestId)
                .end(apis.errorBody(protocol, error));
    }

    /** @return whether {@code value} is a serialised origin: http(s), a host, an optional port and nothing else */
    private static boolean isOrigin(String value) {
        try {
            URI uri = new URI(value);
            return uri.getScheme() != null && uri.getScheme().matches("(?i)https?") && uri.getHost() != null
                    && uri.getRawUserInfo() == null && uri.getRawPath().isEmpty() && uri.getRawQuery() == null
                    && uri.getRawFragment() == null;
        } catch (java.net.URISyntaxException e) {
            return false;
        }
    }

    /** @return whether {@code host} (a bind address) is loopback; names other than localhost are not resolved */
    public static boolean isLoopback(String host) {
        String h = normalise(host);
        if (h.equals("localhost") || h.endsWith(".localhost")) {
            return true;
        }
        if (!h.contains(":") && !h.matches("[0-9.]+")) {
            return false;
        }
        try {
            return InetAddress.getByName(h).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static String normalise(String host) {
        String h = host.trim().toLowerCase(Locale.ROOT);
        if (h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h.endsWith(".") ? h.substring(0, h.length() - 1) : h;
    }
}
