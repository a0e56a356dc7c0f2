package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One JSON-RPC 2.0 link to Lingma over a Vert.x WebSocket with LSP framing inside each message
 * (lingma-ipc.md §4).
 *
 * <ul>
 *   <li>Outbound: one {@code Content-Length} frame per text message; integer ids from 1; {@code params} always an
 *       object. Vert.x serialises writes, so any thread may call {@link #call} and {@link #notify}.</li>
 *   <li>Inbound: text and binary messages feed one {@link LspFrameCodec}; a framing error closes the link.</li>
 *   <li>Responses complete the matching {@link #call} future; error responses fail it with
 *       {@link JsonRpcException}; a per-call timeout fails it with {@link JsonRpcTimeoutException}.</li>
 *   <li>Server → client requests (both {@code method} and {@code id}, integer or string id) are answered at once,
 *       echoing the id's JSON type, per {@code gateway.ipc.server-request-reply}, then passed to the listener.</li>
 *   <li>Notifications go to the {@link Listener} on the Vert.x event loop: listeners must never block.</li>
 *   <li>On close the listener's {@code onClosing} runs first, then every pending call fails with
 *       {@link IpcConnectionClosedException}, then {@code onClose} runs.</li>
 * </ul>
 */
public final class JsonRpcConnection {

    private static final Logger LOG = LoggerFactory.getLogger(JsonRpcConnection.class);

    /** Receives inbound traffic; called on the Vert.x event loop, so implementations must not block. */
    public interface Listener {
        /**
         * @param method the notification (or server request) method
         * @param params its {@code params}, {@link NullNode} when absent
         */
        void onNotification(String method, JsonNode params);

        /**
         * Called once when the link is closing, before any pending call fails: the listener still sees every
         * call and turn that was on the link.
         *
         * @param cause why the link closes
         */
        default void onClosing(IpcConnectionClosedException cause) {
        }

        /** @param cause why the link closed; called once, after every pending call failed */
        void onClose(IpcConnectionClosedException cause);
    }

    private final Vertx vertx;
    private final WebSocket webSocket;
    private final ObjectMapper mapper;
    private final IpcSettings.ServerRequestReply replyPolicy;
    private final LspFrameCodec codec;
    private final AtomicLong nextId = new AtomicLong(1);
    private final Map<Long, Pending> pending = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final CompletableFuture<IpcConnectionClosedException> closeFuture = new CompletableFuture<>();
    private final String url;
    private volatile Listener listener;

    private record Pending(String method, CompletableFuture<JsonNode> future, long timerId) {
    }

    private JsonRpcConnection(Vertx vertx, WebSocket webSocket, ObjectMapper mapper, IpcSettings settings,
                              String url) {
        this.vertx = vertx;
        this.webSocket = webSocket;
        this.mapper = mapper;
        this.replyPolicy = settings.serverRequestReply();
        this.codec = new LspFrameCodec(settings.maxFrameBytes());
        this.url = url;
    }

    /**
     * Opens a WebSocket and wraps it. Non-blocking.
     *
     * @param vertx    the Vert.x instance (timers)
     * @param client   the WebSocket client (its options must allow messages of {@code max-frame-bytes})
     * @param mapper   shared JSON mapper
     * @param url      {@code ws://host:port/path}
     * @param headers  extra handshake headers (values may be secrets: never logged)
     * @param settings {@code handshake-timeout}, {@code max-frame-bytes}, {@code server-request-reply}
     * @param listener receives notifications and the close event
     * @return the open connection; fails with {@link IpcTransportException} (with the HTTP status when the
     * handshake was rejected) or on handshake timeout
     */
    public static CompletableFuture<JsonRpcConnection> open(Vertx vertx, WebSocketClient client, ObjectMapper mapper,
                                                            String url, Map<String, String> headers,
                                                            IpcSettings settings, Listener listener) {
        WebSocketConnectOptions options;
        try {
            options = connectOptions(url, headers, settings.handshakeTimeout());
        } catch (IllegalArgumentException e) {
            return CompletableFuture.failedFuture(new IpcTransportException("invalid endpoint URL " + url, e));
        }
        CompletableFuture<JsonRpcConnection> result = new CompletableFuture<>();
        long timer = vertx.setTimer(settings.handshakeTimeout().toMillis(), t -> result.completeExceptionally(
                new IpcTransportException("WebSocket handshake with " + url + " timed out after "
                        + settings.handshakeTimeout().toMillis() + " ms", new TimeoutException())));
        client.connect(options).onComplete(ar -> {
            vertx.cancelTimer(timer);
            if (ar.failed()) {
                Throwable cause = ar.cause();
                int status = cause instanceof UpgradeRejectedException rejected ? rejected.getStatus() : 0;
                result.completeExceptionally(new IpcTransportException("cannot connect to " + url + ": "
                        + (status > 0 ? "handshake answered HTTP " + status : String.valueOf(cause.getMessage())),
                        status, cause));
                return;
            }
            JsonRpcConnection connection = new JsonRpcConnection(vertx, ar.result(), mapper, settings, url);
            connection.listener = listener;
            connection.attach();
            if (!result.complete(connection)) {
                connection.close();
            }
        });
        return result;
    }

    /** @return the endpoint URL */
    public String url() {
        return url;
    }

    /** @return true until the link closed */
    public boolean isOpen() {
        return !closed.get();
    }

    /** @return completes (never exceptionally) with the close cause once the link closed */
    public CompletableFuture<IpcConnectionClosedException> closeFuture() {
        return closeFuture;
    }

    /**
     * Sends a request.
     *
     * @param method  JSON-RPC method, e.g. {@code session/new}
     * @param params  the params object ({@code {}} when null)
     * @param timeout per-call timeout; null or zero = none
     * @return the {@code result} ({@link NullNode} when null/absent); fails with {@link JsonRpcException},
     * {@link JsonRpcTimeoutException} or {@link IpcConnectionClosedException}
     */
    public CompletableFuture<JsonNode> call(String method, ObjectNode params, Duration timeout) {
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        if (closed.get()) {
            future.completeExceptionally(new IpcConnectionClosedException("Lingma IPC connection is closed", null));
            return future;
        }
        long id = nextId.getAndIncrement();
        long timerId = -1;
        if (timeout != null && !timeout.isZero() && !timeout.isNegative()) {
            timerId = vertx.setTimer(Math.max(1, timeout.toMillis()), t -> {
                if (pending.remove(id) != null) {
                    future.completeExceptionally(new JsonRpcTimeoutException(method, timeout));
                }
            });
        }
        pending.put(id, new Pending(method, future, timerId));
        ObjectNode message = mapper.createObjectNode();
        message.put("jsonrpc", "2.0");
        message.put("id", id);
        message.put("method", method);
        message.set("params", params == null ? mapper.createObjectNode() : params);
        if (!send(message)) {
            Pending p = pending.remove(id);
            if (p != null) {
                cancelTimer(p);
                future.completeExceptionally(new IpcConnectionClosedException("Lingma IPC connection is closed", null));
            }
        }
        if (closed.get() && pending.remove(id) != null) {
            // lost the race with close(): fail instead of waiting forever
            future.completeExceptionally(new IpcConnectionClosedException("Lingma IPC connection is closed", null));
        }
        return future;
    }

    /**
     * Sends a notification (no id, no response).
     *
     * @param method JSON-RPC method, e.g. {@code session/cancel}
     * @param params the params object ({@code {}} when null)
     * @return false when the link is closed
     */
    public boolean notify(String method, ObjectNode params) {
        ObjectNode message = mapper.createObjectNode();
        message.put("jsonrpc", "2.0");
        message.put("method", method);
        message.set("params", params == null ? mapper.createObjectNode() : params);
        return send(message);
    }

    /** @return number of calls awaiting a response */
    public int pendingCalls() {
        return pending.size();
    }

    /** Closes the link; pending calls fail with {@link IpcConnectionClosedException}. Idempotent, non-blocking. */
    public void close() {
        closeWith(new IpcConnectionClosedException("Lingma IPC connection closed by the gateway", null));
    }

    private void attach() {
        webSocket.textMessageHandler(text -> feed(text.getBytes(StandardCharsets.UTF_8)));
        webSocket.binaryMessageHandler(buffer -> feed(buffer.getBytes()));
        webSocket.exceptionHandler(e -> closeWith(new IpcConnectionClosedException(
                "Lingma IPC connection failed: " + e.getMessage(), e)));
        webSocket.closeHandler(v -> closeWith(new IpcConnectionClosedException(
                "Lingma IPC connection closed by the peer"
                        + (webSocket.closeStatusCode() == null ? "" : " (status " + webSocket.closeStatusCode() + ")"),
                null)));
    }

    private void feed(byte[] chunk) {
        List<byte[]> frames;
        try {
            frames = codec.decode(chunk);
        } catch (LspFramingException e) {
            LOG.warn("Lingma IPC framing error from {}: {}; closing the connection", url, e.getMessage());
            closeWith(new IpcConnectionClosedException("Lingma IPC framing error: " + e.getMessage(), e));
            return;
        }
        for (byte[] frame : frames) {
            JsonNode message;
            try {
                message = mapper.readTree(frame);
            } catch (java.io.IOException e) {
                LOG.warn("Lingma IPC sent a frame that is not JSON ({} bytes); ignored", frame.length);
                continue;
            }
            if (message != null && message.isObject()) {
                dispatch(message);
            }
        }
    }

    private void dispatch(JsonNode message) {
        JsonNode method = message.get("method");
        JsonNode id = message.get("id");
        boolean hasId = id != null && !id.isNull();
        if (method != null && method.isTextual()) {
            JsonNode params = message.has("params") ? message.get("params") : NullNode.getInstance();
            if (hasId) {
                answerServerRequest(method.asText(), id);
            }
            Listener l = listener;
            if (l != null) {
                try {
                    l.onNotification(method.asText(), params);
                } catch (RuntimeException e) {
                    LOG.warn("Lingma IPC notification listener failed for {}", method.asText(), e);
                }
            }
            return;
        }
        if (hasId && id.canConvertToLong()) {
            Pending p = pending.remove(id.asLong());
            if (p == null) {
                LOG.debug("Lingma IPC response for unknown id {}", id);
                return;
            }
            cancelTimer(p);
            JsonNode error = message.get("error");
            if (error != null && !error.isNull()) {
                p.future().completeExceptionally(new JsonRpcException(p.method(), error.path("code").asInt(0),
                        error.path("message").asText(""), error.get("data")));
            } else {
                JsonNode result = message.get("result");
                p.future().complete(result == null ? NullNode.getInstance() : result);
            }
        }
    }

    private void answerServerRequest(String method, JsonNode id) {
        ObjectNode reply = mapper.createObjectNode();
        reply.put("jsonrpc", "2.0");
        reply.set("id", id);
        if (replyPolicy == IpcSettings.ServerRequestReply.METHOD_NOT_FOUND) {
            ObjectNode error = reply.putObject("error");
            error.put("code", JsonRpcException.METHOD_NOT_FOUND);
            error.put("message", "Method not found: " + method);
        } else {
            reply.putNull("result");
        }
        LOG.debug("Lingma IPC server request {} (id {}) answered with {}", method, id, replyPolicy);
        send(reply);
    }

    private boolean send(ObjectNode message) {
        if (closed.get()) {
            return false;
        }
        String json;
        try {
            json = mapper.writeValueAsString(message);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise a JSON-RPC message", e);
        }
        byte[] frame = LspFrameCodec.encode(json);
        webSocket.writeTextMessage(new String(frame, StandardCharsets.UTF_8)).onFailure(e ->
                LOG.debug("Lingma IPC write to {} failed: {}", url, e.getMessage()));
        return true;
    }

    private void closeWith(IpcConnectionClosedException cause) {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (!webSocket.isClosed()) {
            webSocket.close();
        }
        // onClosing first: the listener sees the whole connection (every turn still on it) before single calls fail
        Listener l = listener;
        notify(l, true, cause);
        List<Pending> failed = new ArrayList<>(pending.values());
        pending.clear();
        for (Pending p : failed) {
            cancelTimer(p);
            p.future().completeExceptionally(cause);
        }
        closeFuture.complete(cause);
        notify(l, false, cause);
    }

    private static void notify(Listener l, boolean closing, IpcConnectionClosedException cause) {
        if (l == null) {
            return;
        }
        try {
            if (closing) {
                l.onClosing(cause);
            } else {
                l.onClose(cause);
            }
        } catch (RuntimeException e) {
            LOG.warn("Lingma IPC close listener failed", e);
        }
    }

    private void cancelTimer(Pending p) {
        if (p.timerId() >= 0) {
            vertx.cancelTimer(p.timerId());
        }
    }

    private static WebSocketConnectOptions connectOptions(String url, Map<String, String> headers, Duration timeout) {
        URI uri = URI.create(url);
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(java.util.Locale.ROOT);
        boolean ssl = scheme.equals("wss");
        if (!ssl && !scheme.equals("ws")) {
            throw new IllegalArgumentException("scheme must be ws or wss");
        }
        int port = uri.getPort() > 0 ? uri.getPort() : (ssl ? 443 : 80);
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        if (uri.getRawQuery() != null) {
            path += "?" + uri.getRawQuery();
        }
        WebSocketConnectOptions options = new WebSocketConnectOptions().setHost(uri.getHost()).setPort(port)
                .setSsl(ssl).setURI(path);
        options.setConnectTimeout(timeout.toMillis());
        headers.forEach(options::addHeader);
        return options;
    }
}
