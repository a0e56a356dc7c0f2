package io.lingma.gateway.http;

import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.service.ClientApis;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.vertx.VertxPlatformHttpServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * Answers requests rejected below the routes with the client API's error envelope (client-api.md §2.4, §2.7):
 * what the HTTP decoder refuses (request line over the limit → 414, headers over the limit → 431, a broken
 * {@code Content-Length}, an unsupported HTTP version or any other malformed head → 400), what Vert.x Web refuses
 * before routing (no {@code Host} on HTTP/1.1, a bad percent escape → 400, a request target that is not a path →
 * 404), and the read timeouts and broken chunked bodies of {@link HttpReadGuard} (408, 400). The envelope is
 * Anthropic's on {@code /v1/messages*}, OpenAI's elsewhere and whenever the path could not be read. The connection
 * is closed after each of these answers: the rest of its bytes cannot be framed.
 */
public class EdgeErrors implements StartupListener {

    private static final Logger LOG = LoggerFactory.getLogger(EdgeErrors.class);
    /** Statuses Vert.x Web answers by itself, with a plain-text body, unless an error handler takes them. */
    private static final int[] ROUTER_STATUSES = {400, 404, 405, 413, 500};

    private final ClientApis apis;
    private final int port;

    /**
     * @param apis the client APIs (for their envelopes)
     * @param port the client-facing port ({@code gateway.http.port}), whose router gets the error handlers
     */
    public EdgeErrors(ClientApis apis, int port) {
        this.apis = apis;
        this.port = port;
    }

    /** Raised by {@link HttpReadGuard} on a request line naming an HTTP version other than 1.0 or 1.1. */
    static final class UnsupportedVersion extends DecoderException {

        UnsupportedVersion(String version) {
            super(version);
        }
    }

    /** Installs the router error handlers on the client port's main router, once its server listens. */
    @Override
    public void onCamelContextStarted(CamelContext context, boolean alreadyStarted) {
        for (VertxPlatformHttpServer server : context.hasServices(VertxPlatformHttpServer.class)) {
            if (server.getConfigurationPort() == port && server.getServer() != null
                    && server.getServer().requestHandler() instanceof Router router) {
                for (int status : ROUTER_STATUSES) {
                    router.errorHandler(status, this::routerError);
                }
            }
        }
    }

    /**
     * The servers' invalid-request handler: answers a request whose head the decoder rejected, then closes.
     *
     * @param request the request (its {@code decoderResult()} failed)
     */
    public void invalidRequest(HttpServerRequest request) {
        send(request, decoderError(request.decoderResult().cause()), true);
    }

    /**
     * @param path  the request path (decides the envelope), or null when unknown
     * @param error the error
     * @return a complete response for writing straight to the channel, with {@code Connection: close}
     */
    FullHttpResponse response(String path, GatewayException error) {
        byte[] body = apis.errorBody(HttpLifecycle.protocolOf(path == null ? "/" : path), error)
                .getBytes(StandardCharsets.UTF_8);
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(error.status()), Unpooled.wrappedBuffer(body));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .set(HttpHeaderNames.CONTENT_LENGTH, body.length)
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE)
                .set("x-request-id", Ids.hex("req_", 32));
        return response;
    }

    /**
     * @param cause why the decoder rejected a request head
     * @return the client-facing error (never the decoder's own message, which may echo header values)
     */
    static GatewayException decoderError(Throwable cause) {
        if (cause instanceof TooLongHttpLineException) {
            return new GatewayException(ErrorKind.URI_TOO_LONG, "request line too long");
        }
        if (cause instanceof TooLongHttpHeaderException) {
            return new GatewayException(ErrorKind.HEADERS_TOO_LARGE, "request header fields too large");
        }
        if (cause instanceof UnsupportedVersion v) {
            return GatewayException.badRequest("HTTP version " + v.getMessage() + " is not supported (use HTTP/1.1)");
        }
        String message = cause == null || cause.getMessage() == null ? "" : cause.getMessage();
        if (message.toLowerCase(Locale.ROOT).contains("content-length")) {
            return GatewayException.badRequest("invalid Content-Length header");
        }
        return GatewayException.badRequest("malformed HTTP request");
    }

    private void routerError(RoutingContext ctx) {
        HttpServerRequest request = ctx.request();
        // Vert.x decodes the path while routing and fails without a status on a bad escape: the client's mistake
        boolean badEscape = !decodable(request);
        GatewayException error = switch (badEscape ? 400 : ctx.statusCode()) {
            case 400 -> GatewayException.badRequest(badEscape ? "invalid percent-encoding in the request target"
                    : badRequestMessage(ctx.failure()));
            case 404 -> new GatewayException(ErrorKind.UNKNOWN_URL,
                    "Invalid URL (" + request.method() + " " + pathOf(request) + ")");
            case 405 -> new GatewayException(ErrorKind.METHOD_NOT_ALLOWED,
                    "Method " + request.method() + " not allowed for " + request.path());
            case 413 -> new GatewayException(ErrorKind.REQUEST_TOO_LARGE,
                    "Request body exceeds the configured limit of the gateway");
            default -> new GatewayException(ErrorKind.INTERNAL, "internal gateway error");
        };
        if (error.status() >= 500) {
            LOG.warn("{} {} failed in the HTTP router", request.method(), request.path(), ctx.failure());
        }
        // the head was framed correctly: the connection stays usable
        send(request, error, false);
    }

    private static String badRequestMessage(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t.getMessage() != null && t.getMessage().toLowerCase(Locale.ROOT).contains("'host' header")) {
                return "the Host header is required on HTTP/1.1 requests";
            }
        }
        return "malformed HTTP request";
    }

    private static boolean decodable(HttpServerRequest request) {
        try {
            QueryStringDecoder.decodeComponent(pathOf(request));
            new QueryStringDecoder(request.uri()).parameters();
            return true;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    private void send(HttpServerRequest request, GatewayException error, boolean close) {
        HttpServerResponse response = request.response();
        if (response.closed()) {
            return;
        }
        if (response.headWritten()) {
            request.connection().close();
            return;
        }
        response.setStatusCode(error.status())
                .putHeader(HttpHeaderNames.CONTENT_TYPE, "application/json")
                .putHeader("x-request-id", Ids.hex("req_", 32));
        if (close) {
            response.putHeader(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        response.end(apis.errorBody(HttpLifecycle.protocolOf(pathOf(request)), error)).onComplete(done -> {
            if (close) {
                request.connection().close();
            }
        });
    }

    private static String pathOf(HttpServerRequest request) {
        try {
            String path = request.path() != null ? request.path() : request.uri();
            return path == null ? "/" : path;
        } catch (RuntimeException e) {
            // an unparseable request target has no path: the OpenAI envelope
            return "/";
        }
    }
}
