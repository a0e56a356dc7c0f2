package io.lingma.gateway.http;

import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.service.ConcurrencyLimiter;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.regex.Pattern;

/**
 * The HTTP side of a request's life, called from the routes: start (request id, protocol, response capture,
 * disconnect tracking, access log), the concurrency slot, and linking the upstream turn to the client connection.
 */
public class HttpLifecycle {

    private static final Logger ACCESS = LoggerFactory.getLogger("io.lingma.gateway.access");
    private static final Pattern REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    private final ConcurrencyLimiter limiter;
    private final ApiSettings apiSettings;

    /**
     * @param limiter     the generation concurrency limiter
     * @param apiSettings client-API settings passed to normalisers
     */
    public HttpLifecycle(ConcurrencyLimiter limiter, ApiSettings apiSettings) {
        this.limiter = limiter;
        this.apiSettings = apiSettings;
    }

    /**
     * Starts a request: picks the request id (client-api.md §2.5), decides the error envelope from the path,
     * captures the Vert.x response, drops the request headers and query parameters (so none is echoed back, e.g.
     * {@code x-api-key}; path parameters stay),
     * sets {@code x-request-id} and registers the access-log line.
     *
     * @param exchange the REST exchange
     */
    public void begin(Exchange exchange) {
        HttpMessage http = exchange.getIn(HttpMessage.class);
        HttpServerRequest request = http.getRequest();
        HttpServerResponse response = http.getResponse();
        String incoming = request.getHeader("x-request-id");
        String requestId = incoming != null && REQUEST_ID.matcher(incoming).matches() ? incoming
                : Ids.hex("req_", 32);
        ApiProtocol protocol = protocolOf(request.path());
        ClientConnection connection = new ClientConnection();
        // a close after the response ended is the client's normal hang-up, not an abandoned request
        response.closeHandler(v -> {
            if (!response.ended()) {
                connection.disconnected();
            }
        });
        exchange.setProperty(GatewayExchange.PROTOCOL, protocol);
        exchange.setProperty(GatewayExchange.HTTP_RESPONSE, response);
        exchange.setProperty(GatewayExchange.HTTP_VERSION, request.version());
        exchange.setProperty(GatewayExchange.CLIENT_GONE, connection);
        exchange.setProperty(GatewayExchange.REQUEST_CONTEXT, new RequestContext(requestId, "-", apiSettings));
        request.headers().names().forEach(exchange.getIn()::removeHeader);
        new QueryStringDecoder(request.uri()).parameters().keySet().forEach(exchange.getIn()::removeHeader);
        exchange.getIn().setHeader("x-request-id", requestId);
        if (protocol.anthropic()) {
            exchange.getIn().setHeader("request-id", requestId);
        }
        long start = System.nanoTime();
        String line = request.method() + " " + request.path();
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                int status = connection.gone() ? 499 : response.ended() ? response.getStatusCode()
                        : done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
                long ms = (System.nanoTime() - start) / 1_000_000;
                // the key's name as authentication recorded it, never the key
                RequestContext context = done.getProperty(GatewayExchange.REQUEST_CONTEXT, RequestContext.class);
                String text = line + " -> " + status + " (" + ms + "ms) key="
                        + (context == null ? "-" : context.apiKeyScope()) + " request_id=" + requestId;
                if (status >= 500) {
                    ACCESS.error(text);
                } else if (status >= 400) {
                    ACCESS.warn(text);
                } else {
                    ACCESS.info(text);
                }
            }
        });
    }

    /**
     * @param path request path
     * @return the API whose error envelope the path uses (client-api.md §2.7)
     */
    public static ApiProtocol protocolOf(String path) {
        if (path.startsWith("/v1/messages")) {
            return ApiProtocol.ANTHROPIC_MESSAGES;
        }
        if (path.endsWith("/responses")) {
            return ApiProtocol.OPENAI_RESPONSES;
        }
        return ApiProtocol.OPENAI_CHAT;
    }

    /**
     * Takes a generation slot (client-api.md §2.6), released when the exchange completes, stream included.
     *
     * @param exchange the REST exchange
     * @throws io.lingma.gateway.error.GatewayException 429 when no slot frees up in time
     */
    public void acquireSlot(Exchange exchange) {
        ConcurrencyLimiter.Permit permit = limiter.acquire();
        if (connection(exchange).gone()) {
            // the client left while queued: give the slot back and send nothing
            permit.release();
            throw new GatewayException(ErrorKind.INTERNAL, "client disconnected while queued");
        }
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                permit.release();
            }
        });
    }

    /**
     * @param exchange a REST exchange after {@link #begin(Exchange)}
     * @return its client connection
     */
    public static ClientConnection connection(Exchange exchange) {
        return exchange.getProperty(GatewayExchange.CLIENT_GONE, ClientConnection.class);
    }
}
