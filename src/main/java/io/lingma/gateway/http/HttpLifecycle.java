package io.lingma.gateway.http;

import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.ledger.UsageRecorder;
import io.lingma.gateway.service.ConcurrencyLimiter;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.vertx.HttpMessage;

import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.observe.AccessLine;
import io.lingma.gateway.observe.GatewayMetrics;
import io.lingma.gateway.observe.RequestStats;
import org.apache.logging.log4j.Level;
import org.slf4j.MDC;

/**
 * The HTTP side of a request's life, called from the routes: start (request id, protocol, response capture,
 * disconnect tracking, access log), the concurrency slot, and linking the upstream turn to the client connection.
 */
public class HttpLifecycle {

    private static final org.apache.logging.log4j.Logger ACCESS =
            org.apache.logging.log4j.LogManager.getLogger("io.lingma.gateway.access");
    /** MDC key of the request id in every log line of the request (issue 9 §2). */
    public static final String MDC_REQUEST_ID = "request_id";
    /** MDC key of the caller's key name. */
    public static final String MDC_KEY = "key";

    private final ConcurrencyLimiter limiter;
    private final ApiSettings apiSettings;
    private final GatewayMetrics metrics;
    private final UsageRecorder usage;

    /**
     * @param limiter     the generation concurrency limiter
     * @param apiSettings client-API settings passed to normalisers
     * @param metrics     the GenAI meters fed once per request
     * @param usage       the usage ledger's recorder (issue 10 §2)
     */
    public HttpLifecycle(ConcurrencyLimiter limiter, ApiSettings apiSettings, GatewayMetrics metrics,
                         UsageRecorder usage) {
        this.limiter = limiter;
        this.apiSettings = apiSettings;
        this.metrics = metrics;
        this.usage = usage;
    }

    /**
     * Starts a request: picks the request id ({@link RequestIds}, client-api.md §2.5) and puts it in the MDC,
     * decides the error envelope from the path, captures the Vert.x response, drops the request headers and query
     * parameters (so none is echoed back, e.g. {@code x-api-key}; path parameters stay), sets
     * {@code x-request-id} and registers the access-log line and the request's metrics.
     *
     * @param exchange the REST exchange
     */
    public void begin(Exchange exchange) {
        HttpMessage http = exchange.getIn(HttpMessage.class);
        HttpServerRequest request = http.getRequest();
        HttpServerResponse response = http.getResponse();
        String requestId = RequestIds.of(request);
        MDC.put(MDC_REQUEST_ID, requestId);
        MDC.put(MDC_KEY, "-");
        ApiProtocol protocol = protocolOf(request.path());
        ClientConnection connection = new ClientConnection();
        // a close after the response ended is the client's normal hang-up, not an abandoned request
        response.closeHandler(v -> {
            if (!response.ended()) {
                connection.disconnected();
            }
        });
        RequestStats stats = new RequestStats();
        exchange.setProperty(GatewayExchange.PROTOCOL, protocol);
        exchange.setProperty(GatewayExchange.HTTP_RESPONSE, response);
        exchange.setProperty(GatewayExchange.HTTP_VERSION, request.version());
        exchange.setProperty(GatewayExchange.CLIENT_GONE, connection);
        exchange.setProperty(GatewayExchange.STATS, stats);
        exchange.setProperty(GatewayExchange.REQUEST_CONTEXT, new RequestContext(requestId, "-", apiSettings));
        request.headers().names().forEach(exchange.getIn()::removeHeader);
        new QueryStringDecoder(request.uri()).parameters().keySet().forEach(exchange.getIn()::removeHeader);
        exchange.getIn().setHeader(RequestIds.HEADER, requestId);
        if (protocol.anthropic()) {
            exchange.getIn().setHeader("request-id", requestId);
        }
        String method = request.method().name();
        String path = request.path();
        exchange.getExchangeExtension().addOnCompletion(new org.apache.camel.support.SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                int status = connection.gone() ? 499 : response.ended() ? response.getStatusCode()
                        : done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200, Integer.class);
                AccessLine line = accessLine(done, requestId, method, path, status, stats);
                // the completing thread may not be the one that began: the line carries the id itself too
                MDC.put(MDC_REQUEST_ID, requestId);
                MDC.put(MDC_KEY, line.key());
                try {
                    Level level = status >= 500 ? Level.ERROR : status >= 400 ? Level.WARN : Level.INFO;
                    ACCESS.log(level, line.message());
                    metrics.record(line);
                } finally {
                    MDC.remove(MDC_REQUEST_ID);
                    MDC.remove(MDC_KEY);
                }
                usage.finished(done, path, status, stats);
            }
        });
    }

    private static AccessLine accessLine(Exchange done, String requestId, String method, String path, int status,
                                         RequestStats stats) {
        double seconds = (System.nanoTime() - stats.startNanos()) / 1e9;
        // the key's name as authentication recorded it, never the key
        RequestContext context = done.getProperty(GatewayExchange.REQUEST_CONTEXT, RequestContext.class);
        String key = context == null ? "-" : context.apiKeyScope();
        ChatTurn turn = done.getProperty(GatewayExchange.TURN, ChatTurn.class);
        if (turn == null || path.endsWith("/count_tokens")) {
            return new AccessLine(requestId, method, path, status, seconds, key, null, null, null, null, false,
                    -1, -1, -1, -1, 0, GatewayMetrics.NO_ERROR);
        }
        ResolvedModel resolved = done.getProperty(GatewayExchange.MODEL, ResolvedModel.class);
        ResolvedModel answered = stats.answeredModel() != null ? stats.answeredModel() : resolved;
        Usage usage = stats.usage();
        int fallbacks = resolved != null && answered != null && !resolved.key().equals(answered.key()) ? 1 : 0;
        return new AccessLine(requestId, method, path, status, seconds, key, apiName(turn.protocol()),
                turn.requestedModel(), modelLabel(turn.requestedModel(), resolved),
                answered == null ? "-" : answered.key(), turn.stream(), stats.timeToFirstTokenSeconds(),
                stats.upstreamSeconds(), usage == null ? -1 : usage.promptTokens(),
                usage == null ? -1 : usage.completionTokens(), fallbacks, errorType(done, status, stats));
    }

    /**
     * @param protocol a client API
     * @return its metrics label: {@code openai.chat}, {@code openai.responses}, {@code anthropic.messages}
     */
    public static String apiName(ApiProtocol protocol) {
        return switch (protocol) {
            case OPENAI_CHAT -> "openai.chat";
            case OPENAI_RESPONSES -> "openai.responses";
            case ANTHROPIC_MESSAGES -> "anthropic.messages";
        };
    }

    // the client's name only when it names the model that ran (key, public id or display name): labels stay bounded
    private static String modelLabel(String requested, ResolvedModel resolved) {
        if (resolved != null && requested != null && (requested.equalsIgnoreCase(resolved.key())
                || requested.equalsIgnoreCase(resolved.publicId())
                || requested.equalsIgnoreCase(resolved.displayName()))) {
            return resolved.key();
        }
        return GatewayMetrics.OTHER;
    }

    private static String errorType(Exchange done, int status, RequestStats stats) {
        Throwable caught = done.getException() != null ? done.getException()
                : done.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        for (Throwable t = caught; t != null; t = t.getCause()) {
            if (t instanceof GatewayException g) {
                return g.kind().name().toLowerCase(java.util.Locale.ROOT);
            }
        }
        if (stats.failure() != null) {
            return stats.failure().kind().name().toLowerCase(java.util.Locale.ROOT);
        }
        if (status == 499) {
            return "client_closed";
        }
        return status >= 400 ? "http_" + status : GatewayMetrics.NO_ERROR;
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
