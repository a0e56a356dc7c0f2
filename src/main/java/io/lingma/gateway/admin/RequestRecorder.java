package io.lingma.gateway.admin;

import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.http.ClientConnection;
import io.lingma.gateway.http.GatewayExchange;
import io.lingma.gateway.http.HttpLifecycle;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import org.apache.camel.Exchange;
import org.apache.camel.component.platform.http.PlatformHttpEndpoint;
import org.apache.camel.component.platform.http.vertx.HttpMessage;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.support.EventNotifierSupport;
import org.apache.camel.support.SynchronizationAdapter;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Records finished requests (issue 9 §3, client-api.md §8.5, §14): every generation request into the
 * {@link GatewayStats}, and, when {@code gateway.debug.requests.size} is above 0, every request but the admin
 * endpoints' own into a bounded in-memory ring of that many entries, oldest dropped first. An entry holds the
 * request id, method, path, status, duration, key name, model, a normalised summary of the request, the redacted
 * request body, the upstream calls with their timings, the outcome, and the redacted response body or first/last SSE
 * frames ({@link Redaction}). Bodies are only kept for requests the ring records.
 */
public class RequestRecorder {

    /** Default and largest {@code limit} of {@code GET /internal/debug/requests}. */
    public static final int DEFAULT_LIMIT = 50;
    private static final int MAX_LIMIT = 200;

    /** Bodies longer than this are not parsed for the ring (they are far over its cap anyway). */
    private static final int MAX_PARSED_CHARS = 8 * 1024 * 1024;

    private final GatewayStats stats;
    private final int size;
    private final java.util.concurrent.Executor executor;
    private final Deque<Map<String, Object>> ring = new ArrayDeque<>();

    /**
     * @param stats    the generation counters to feed
     * @param size     {@code gateway.debug.requests.size}: entries kept; 0 = no ring
     * @param executor where entries are redacted and added, in order (a single thread)
     */
    public RequestRecorder(GatewayStats stats, int size, java.util.concurrent.Executor executor) {
        this.stats = stats;
        this.size = Math.max(0, size);
        this.executor = executor;
    }

    /** @return whether the ring records requests */
    public boolean enabled() {
        return size > 0;
    }

    /**
     * The {@code record-request} step after {@code begin-request} (routes/gateway-errors.camel.yaml): starts the
     * request's trace and registers the completion hook that counts and records it.
     *
     * @param exchange a REST exchange after {@link HttpLifecycle#begin(Exchange)}
     */
    public void begin(Exchange exchange) {
        String path = exchange.getFromEndpoint() instanceof PlatformHttpEndpoint http ? http.getPath() : "";
        boolean admin = path.equals("/internal") || path.startsWith("/internal/");
        RequestTrace trace = enabled() && !admin ? new RequestTrace(true) : RequestTrace.NONE;
        exchange.setProperty(RequestTrace.PROPERTY, trace);
        HttpServerRequest request = exchange.getIn(HttpMessage.class).getRequest();
        // the raw body, still the message body here; converted and redacted only once the request is done
        Object body = trace == RequestTrace.NONE ? null : exchange.getIn().getBody();
        String method = request.method().name();
        String requestPath = request.path();
        Instant time = Instant.now();
        exchange.getExchangeExtension().addOnCompletion(new SynchronizationAdapter() {
            @Override
            public void onDone(Exchange done) {
                finished(done, trace, time, method, requestPath, body);
            }
        });
    }

    private void finished(Exchange done, RequestTrace trace, Instant time, String method, String path, Object body) {
        HttpServerResponse response = done.getProperty(GatewayExchange.HTTP_RESPONSE, HttpServerResponse.class);
        ClientConnection connection = HttpLifecycle.connection(done);
        int status = connection != null && connection.gone() ? 499 : response != null && response.ended()
                ? response.getStatusCode() : done.getMessage().getHeader(Exchange.HTTP_RESPONSE_CODE, 200,
                Integer.class);
        ChatTurn turn = done.getProperty(GatewayExchange.TURN, ChatTurn.class);
        ChatResult result = done.getProperty(GatewayExchange.RESULT, ChatResult.class);
        ResolvedModel model = result != null ? result.model()
                : done.getProperty(GatewayExchange.MODEL, ResolvedModel.class);
        RequestContext context = done.getProperty(GatewayExchange.REQUEST_CONTEXT, RequestContext.class);
        String keyName = context == null ? "-" : context.apiKeyScope();
        String outcome = status == 499 ? "client_gone" : status >= 400 || trace.failed() ? "error" : "ok";
        boolean generation = turn != null && !path.endsWith("/count_tokens");
        if (generation) {
            stats.record(model == null ? null : model.key(), keyName, turn.stream(), "ok".equals(outcome),
                    result == null ? 0 : result.usage().promptTokens(),
                    result == null ? 0 : result.usage().completionTokens());
        }
        if (trace == RequestTrace.NONE) {
            return;
        }
        Map<String, Object> entry = new LinkedHashMap<>();
        entry.put("time", time.toString());
        entry.put("request_id", context == null ? null : context.requestId());
        entry.put("method", method);
        entry.put("path", path);
        entry.put("statusCode", status);
        entry.put("durationMs", trace.elapsedMs());
        entry.put("key", keyName);
        entry.put("model", model == null ? null : model.publicId());
        entry.put("outcome", outcome);
        entry.put("summary", turn == null ? null : summary(turn));
        Map<String, Object> frames = trace.framesDocument();
        Object answer = frames == null ? done.getMessage().getBody() : null;
        org.apache.camel.TypeConverter converter = done.getContext().getTypeConverter();
        // parsing and redacting bodies (images included) is kept off the request's thread, which may be an event loop
        executor.execute(() -> {
            entry.put("request", text(converter, body));
            entry.put("upstream", trace.upstreamCalls());
            if (frames != null) {
                entry.put("frames", frames);
            } else {
                entry.put("response", text(converter, answer));
            }
            synchronized (ring) {
                ring.addFirst(entry);
                while (ring.size() > size) {
                    ring.removeLast();
                }
            }
        });
    }

    private static String text(org.apache.camel.TypeConverter converter, Object body) {
        String s = body == null ? null : converter.tryConvertTo(String.class, body);
        if (s == null) {
            return null;
        }
        return s.length() > MAX_PARSED_CHARS ? "[body of " + s.length() + " chars not recorded]" : Redaction.body(s);
    }

    private static Map<String, Object> summary(ChatTurn turn) {
        Map<String, Object> s = new LinkedHashMap<>();
        s.put("api", turn.protocol().name().toLowerCase(java.util.Locale.ROOT));
        s.put("requested_model", turn.requestedModel());
        s.put("stream", turn.stream());
        s.put("system_chars", turn.system().length());
        List<String> roles = new ArrayList<>();
        int images = 0;
        for (ChatMessage m : turn.messages()) {
            roles.add(m.role().name().toLowerCase(java.util.Locale.ROOT));
            images += m.images().size();
        }
        s.put("messages", roles);
        s.put("images", images);
        s.put("tools", turn.tools().stream().map(t -> t.name()).toList());
        s.put("tool_choice", turn.toolChoice().name() != null ? turn.toolChoice().name()
                : turn.toolChoice().mode().name().toLowerCase(java.util.Locale.ROOT));
        s.put("reasoning_effort", turn.reasoningEffort());
        s.put("max_tokens", turn.maxTokens());
        return s;
    }

    /**
     * {@code GET /internal/debug/requests?limit=N}.
     *
     * @param exchange the admin request; its query parameter {@code limit} is the number of entries wanted (default
     *                 {@value #DEFAULT_LIMIT}, clamped to 1..200; not a number = default). Read from the Vert.x
     *                 request, since the query parameters were dropped from the message at the start.
     * @return {@code {"ok":true,"enabled":bool,"size":n,"count":n,"requests":[…newest first]}}
     */
    public Map<String, Object> document(Exchange exchange) {
        String limit = exchange.getIn(HttpMessage.class).getRequest().getParam("limit");
        int n = DEFAULT_LIMIT;
        try {
            n = limit == null || limit.isBlank() ? DEFAULT_LIMIT : Integer.parseInt(limit.trim());
        } catch (NumberFormatException e) {
            // non-numeric limits are ignored (client-api.md §8.5)
        }
        n = Math.max(1, Math.min(MAX_LIMIT, n));
        List<Map<String, Object>> out = new ArrayList<>();
        synchronized (ring) {
            for (Map<String, Object> e : ring) {
                if (out.size() == n) {
                    break;
                }
                out.add(e);
            }
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("ok", true);
        doc.put("enabled", enabled());
        doc.put("size", size);
        doc.put("count", out.size());
        doc.put("requests", out);
        return doc;
    }

    /** @return the event notifier that times the calls towards Lingma of a recorded request */
    public EventNotifierSupport upstreamTimer() {
        return new EventNotifierSupport() {
            @Override
            public boolean isEnabled(CamelEvent event) {
                return event instanceof CamelEvent.ExchangeSentEvent;
            }

            @Override
            public void notify(CamelEvent event) {
                CamelEvent.ExchangeSentEvent sent = (CamelEvent.ExchangeSentEvent) event;
                String uri = sent.getEndpoint().getEndpointUri();
                RequestTrace trace = sent.getExchange().getProperty(RequestTrace.PROPERTY, RequestTrace.class);
                // the upstream open (direct:lingma-ipc-turn / lingma-remote-turn and lingma-ipc:chat) and the remote backend's HTTP calls
                if (trace != null && (uri.contains("lingma") || uri.startsWith("http"))) {
                    trace.upstreamCall(uri, sent.getTimeTaken(), sent.getExchange().getException() != null);
                }
            }
        };
    }
}
