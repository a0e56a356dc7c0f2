package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.simulator.wire.LspFrames;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * A minimal in-test Lingma IPC peer: a Vert.x WebSocket server on 127.0.0.1 (random port) speaking LSP-framed
 * JSON-RPC. Records every inbound message; per-method handlers are replaceable. Not the product simulator, but it
 * frames with the simulator's own {@link LspFrames}, so the gateway's codec only ever meets an independent peer.
 */
final class FakeLingmaPeer implements AutoCloseable {

    static final ObjectMapper MAPPER = new ObjectMapper();

    /** One accepted connection. */
    final class Conn {
        final ServerWebSocket ws;
        final LspFrames.Reader frames = new LspFrames.Reader(64 * 1024 * 1024);

        Conn(ServerWebSocket ws) {
            this.ws = ws;
        }

        void send(JsonNode message) {
            ws.writeTextMessage(new String(LspFrames.frame(message.toString()), StandardCharsets.UTF_8));
        }

        void sendBinary(byte[] bytes) {
            ws.writeBinaryMessage(Buffer.buffer(bytes));
        }

        void respond(JsonNode id, Object result) {
            ObjectNode m = MAPPER.createObjectNode().put("jsonrpc", "2.0");
            m.set("id", id);
            m.set("result", MAPPER.valueToTree(result));
            send(m);
        }

        void error(JsonNode id, int code, String message) {
            ObjectNode m = MAPPER.createObjectNode().put("jsonrpc", "2.0");
            m.set("id", id);
            m.putObject("error").put("code", code).put("message", message);
            send(m);
        }

        /** Sends a {@code session/update} with the given request id (null = no {@code _meta}). */
        void update(String sessionId, String requestId, Object update) {
            ObjectNode m = MAPPER.createObjectNode().put("jsonrpc", "2.0").put("method", "session/update");
            ObjectNode params = m.putObject("params").put("sessionId", sessionId);
            if (requestId != null) {
                params.putObject("_meta").put("ai-coding/request-id", requestId);
            }
            params.set("update", MAPPER.valueToTree(update));
            send(m);
        }

        void chunk(JsonNode prompt, String kind, String text) {
            update(sid(prompt), rid(prompt), Map.of("sessionUpdate", kind, "content",
                    Map.of("type", "text", "text", text)));
        }

        void notification(JsonNode prompt, String type, Object data) {
            update(sid(prompt), rid(prompt), Map.of("sessionUpdate", "notification", "type", type, "data", data));
        }

        /** Plays a normal turn: thought, the given text chunks, context_usage, chat_finish, prompt response. */
        void normalTurn(JsonNode prompt, String... chunks) {
            chunk(prompt, "agent_thought_chunk", "thinking…");
            for (String c : chunks) {
                chunk(prompt, "agent_message_chunk", c);
            }
            notification(prompt, "context_usage", Map.of("usedTokens", 5123, "limitTokens", 131072));
            notification(prompt, "chat_finish", Map.of("reason", "finished", "fullAnswer", ""));
            respond(prompt.get("id"), Map.of("stopReason", "end_turn"));
        }

        void close() {
            ws.close();
        }
    }

    private final Vertx vertx;
    private final HttpServer server;
    final List<JsonNode> received = new CopyOnWriteArrayList<>();
    final List<Conn> connections = new CopyOnWriteArrayList<>();
    final List<String> paths = new CopyOnWriteArrayList<>();
    private final Map<String, BiConsumer<Conn, JsonNode>> handlers = new ConcurrentHashMap<>();
    private final AtomicInteger sessions = new AtomicInteger();
    final List<String> tokens = new CopyOnWriteArrayList<>();
    /** Handshake status for rejected upgrades (0 = accept everything). */
    volatile int rejectStatus;
    /** When set with {@link #rejectStatus}: accept only non-root paths carrying this Cosy-MachineToken. */
    volatile String requiredToken;

    private FakeLingmaPeer(Vertx vertx) {
        this.vertx = vertx;
        this.server = vertx.createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0)
                .setMaxWebSocketMessageSize(64 * 1024 * 1024).setMaxWebSocketFrameSize(64 * 1024 * 1024));
        on("initialize", (c, m) -> c.respond(m.get("id"), Map.of("protocolVersion", 1,
                "serverInfo", Map.of("name", "fake", "version", "0.0.1"))));
        on("session/new", (c, m) -> c.respond(m.get("id"), Map.of("sessionId", "s-" + sessions.incrementAndGet())));
        on("session/set_model", (c, m) -> c.respond(m.get("id"), null));
        on("chat/deleteSessionById", (c, m) -> c.respond(m.get("id"), null));
        on("ping", (c, m) -> c.respond(m.get("id"), Map.of()));
        on("config/queryModels", (c, m) -> c.respond(m.get("id"), Map.of(
                "chat", List.of(Map.of("key", "dashscope_qwen3_coder", "displayName", "Qwen3-Coder",
                        "isReasoning", false, "isVl", false)),
                "inline", List.of(Map.of("key", "q35model")))));
        on("session/prompt", (c, m) -> c.normalTurn(m, "Hel", "lo"));
    }

    /** Starts a peer on 127.0.0.1 with a random port. */
    static FakeLingmaPeer start(Vertx vertx) throws Exception {
        FakeLingmaPeer peer = new FakeLingmaPeer(vertx);
        peer.server.webSocketHandler(ws -> {
            peer.paths.add(ws.path());
            peer.tokens.add(String.valueOf(ws.headers().get("Cosy-MachineToken")));
            if (peer.rejectStatus > 0 && (peer.requiredToken == null || ws.path().equals("/")
                    || !peer.requiredToken.equals(ws.headers().get("Cosy-MachineToken")))) {
                ws.reject(peer.rejectStatus);
                return;
            }
            Conn conn = peer.new Conn(ws);
            peer.connections.add(conn);
            ws.textMessageHandler(t -> peer.feed(conn, t.getBytes(StandardCharsets.UTF_8)));
            ws.binaryMessageHandler(b -> peer.feed(conn, b.getBytes()));
        });
        peer.server.listen().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        return peer;
    }

    /** Replaces the handler of a method. */
    void on(String method, BiConsumer<Conn, JsonNode> handler) {
        handlers.put(method, handler);
    }

    int port() {
        return server.actualPort();
    }

    String url() {
        return "ws://127.0.0.1:" + port() + "/";
    }

    /** @return every received message with this method, in order */
    List<JsonNode> received(String method) {
        return received.stream().filter(m -> method.equals(m.path("method").asText())).toList();
    }

    /** @return every received response (no method) */
    List<JsonNode> responses() {
        return received.stream().filter(m -> !m.has("method")).toList();
    }

    void closeConnections() {
        connections.forEach(Conn::close);
    }

    private void feed(Conn conn, byte[] bytes) {
        try {
            for (byte[] frame : conn.frames.feed(bytes)) {
                JsonNode message = MAPPER.readTree(frame);
                received.add(message);
                String method = message.path("method").asText(null);
                if (method == null || !message.has("id")) {
                    continue;
                }
                BiConsumer<Conn, JsonNode> handler = handlers.get(method);
                if (handler == null) {
                    conn.error(message.get("id"), -32601, "method not found: " + method);
                } else {
                    handler.accept(conn, message);
                }
            }
        } catch (Exception e) {
            conn.close();
        }
    }

    static String rid(JsonNode prompt) {
        return prompt.path("params").path("_meta").path("ai-coding/request-id").asText();
    }

    static String sid(JsonNode prompt) {
        return prompt.path("params").path("sessionId").asText();
    }

    @Override
    public void close() throws Exception {
        server.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
}
