package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.lingma.ipc.LspFrameCodec;
import io.lingma.gateway.lingma.ipc.LspFramingException;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

import static org.awaitility.Awaitility.await;

/**
 * A raw test client for the simulator: Vert.x {@link WebSocketClient} plus {@link LspFrameCodec}, integer request
 * ids, every inbound message recorded with the WebSocket message it came in. Deliberately independent of the
 * gateway's IPC client.
 */
final class SimClient implements AutoCloseable {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final Duration TIMEOUT = Duration.ofSeconds(5);

    /** One WebSocket message as received: its type, the frames it completed and the bytes left pending after it. */
    record Received(boolean binary, int length, int framesCompleted, int pendingAfter) {
    }

    final List<JsonNode> messages = new CopyOnWriteArrayList<>();
    final List<Received> wsMessages = new CopyOnWriteArrayList<>();
    final CompletableFuture<Short> closed = new CompletableFuture<>();
    volatile boolean answerServerRequests = true;

    private final WebSocketClient client;
    private final WebSocket ws;
    private final LspFrameCodec codec = new LspFrameCodec(64 * 1024 * 1024);
    private final Map<String, CompletableFuture<JsonNode>> pending = new ConcurrentHashMap<>();
    private final AtomicLong ids = new AtomicLong();

    private SimClient(WebSocketClient client, WebSocket ws) {
        this.client = client;
        this.ws = ws;
        ws.textMessageHandler(text -> onData(text.getBytes(StandardCharsets.UTF_8), false));
        ws.binaryMessageHandler(buffer -> onData(buffer.getBytes(), true));
        ws.closeHandler(v -> {
            pending.values().forEach(f -> f.completeExceptionally(new IllegalStateException("closed")));
            closed.complete(ws.closeStatusCode());
        });
    }

    static SimClient connect(Vertx vertx, int port) throws Exception {
        return connect(vertx, port, "/", MultiMap.caseInsensitiveMultiMap());
    }

    static SimClient connect(Vertx vertx, int port, String path, MultiMap headers) throws Exception {
        WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions()
                .setMaxMessageSize(64 * 1024 * 1024).setMaxFrameSize(64 * 1024 * 1024));
        WebSocketConnectOptions options = new WebSocketConnectOptions()
                .setHost("127.0.0.1").setPort(port).setURI(path).setHeaders(headers);
        try {
            WebSocket ws = client.connect(options).toCompletionStage().toCompletableFuture()
                    .get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            return new SimClient(client, ws);
        } catch (Exception e) {
            client.close();
            throw e;
        }
    }

    private void onData(byte[] data, boolean binary) {
        List<byte[]> frames;
        try {
            frames = codec.decode(data);
        } catch (LspFramingException e) {
            throw new IllegalStateException(e);
        }
        wsMessages.add(new Received(binary, data.length, frames.size(), codec.pendingBytes()));
        for (byte[] frame : frames) {
            JsonNode message;
            try {
                message = MAPPER.readTree(frame);
            } catch (IOException e) {
                throw new IllegalStateException(e);
            }
            messages.add(message);
            if (message.has("method") && message.has("id")) {
                if (answerServerRequests) {
                    ObjectNode reply = MAPPER.createObjectNode().put("jsonrpc", "2.0");
                    reply.set("id", message.get("id"));
                    reply.putNull("result");
                    sendJson(reply);
                }
            } else if (message.has("id") && !message.has("method")) {
                CompletableFuture<JsonNode> waiter = pending.remove(message.get("id").asText());
                if (waiter != null) {
                    waiter.complete(message);
                }
            }
        }
    }

    /** @return the full response message (with {@code result} or {@code error}) */
    CompletableFuture<JsonNode> request(String method, JsonNode params) {
        long id = ids.incrementAndGet();
        ObjectNode message = MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", id).put("method", method);
        if (params != null) {
            message.set("params", params);
        }
        CompletableFuture<JsonNode> future = new CompletableFuture<>();
        pending.put(Long.toString(id), future);
        sendJson(message);
        return future;
    }

    JsonNode call(String method, JsonNode params) throws Exception {
        return request(method, params).get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    }

    void notify(String method, JsonNode params) {
        ObjectNode message = MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", method);
        message.set("params", params);
        sendJson(message);
    }

    void sendJson(JsonNode message) {
        sendRaw(new String(LspFrameCodec.encode(message.toString()), StandardCharsets.UTF_8));
    }

    void sendRaw(String text) {
        ws.writeTextMessage(text);
    }

    void sendRawBinary(byte[] bytes) {
        ws.writeBinaryMessage(Buffer.buffer(bytes));
    }

    // ------------------------------------------------------------ ACP helpers

    JsonNode initialize() throws Exception {
        return call("initialize", obj().put("protocolVersion", 1).put("timestamp", System.currentTimeMillis())
                .set("clientCapabilities", obj()));
    }

    String newSession() throws Exception {
        JsonNode response = call("session/new", obj().put("cwd", "/tmp/agent-cwd")
                .<ObjectNode>set("mcpServers", MAPPER.createArrayNode()).set("_meta", obj()));
        return response.path("result").path("sessionId").asText();
    }

    static ObjectNode promptParams(String sessionId, String requestId, String text) {
        ObjectNode params = obj().put("sessionId", sessionId);
        params.putArray("prompt").addObject().put("type", "text").put("text", text);
        params.putNull("contextParams");
        ObjectNode meta = params.putObject("_meta");
        if (requestId != null) {
            meta.put("ai-coding/request-id", requestId).put("ai-coding/shell-type", "bash")
                    .put("ai-coding/mode", "agent");
            meta.putArray("ai-coding/enabled-mcp-servers");
        }
        return params;
    }

    CompletableFuture<JsonNode> prompt(String sessionId, String requestId, String text) {
        return request("session/prompt", promptParams(sessionId, requestId, text));
    }

    /** @return the session/update notifications carrying this request id, in arrival order */
    List<JsonNode> updates(String requestId) {
        return messages.stream()
                .filter(m -> "session/update".equals(m.path("method").asText()))
                .filter(m -> requestId.equals(m.path("params").path("_meta").path("ai-coding/request-id").asText()))
                .toList();
    }

    /** @return the concatenated agent_message_chunk texts of this request id (what a correct client shows) */
    String answer(String requestId) {
        StringBuilder text = new StringBuilder();
        for (JsonNode update : updates(requestId)) {
            JsonNode u = update.path("params").path("update");
            if ("agent_message_chunk".equals(u.path("sessionUpdate").asText())) {
                text.append(u.path("content").path("text").asText());
            }
        }
        return text.toString();
    }

    /** @return the chat_finish update of this request id, waiting for it */
    JsonNode awaitFinish(String requestId) {
        return awaitMessage(m -> requestId.equals(m.path("params").path("_meta").path("ai-coding/request-id").asText())
                && "chat_finish".equals(m.path("params").path("update").path("type").asText()));
    }

    JsonNode awaitMessage(Predicate<JsonNode> predicate) {
        await().atMost(TIMEOUT).until(() -> messages.stream().anyMatch(predicate));
        return messages.stream().filter(predicate).findFirst().orElseThrow();
    }

    static ObjectNode obj() {
        return MAPPER.createObjectNode();
    }

    @Override
    public void close() {
        client.close();
    }
}
