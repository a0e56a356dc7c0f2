package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.simulator.wire.LspFrames;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class JsonRpcConnectionTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private Vertx vertx;
    private FakeLingmaPeer peer;
    private WebSocketClient wsClient;
    private final List<String> notifications = new CopyOnWriteArrayList<>();
    private final CompletableFuture<IpcConnectionClosedException> closed = new CompletableFuture<>();

    @BeforeEach
    void setUp() throws Exception {
        vertx = Vertx.vertx();
        peer = FakeLingmaPeer.start(vertx);
        wsClient = vertx.createWebSocketClient(new WebSocketClientOptions().setMaxMessageSize(1 << 24));
    }

    @AfterEach
    void tearDown() throws Exception {
        wsClient.close();
        peer.close();
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    private JsonRpcConnection open(IpcSettings settings) throws Exception {
        return JsonRpcConnection.open(vertx, wsClient, MAPPER, peer.url(), Map.of("X-Test", "1"), settings,
                new JsonRpcConnection.Listener() {
                    @Override
                    public void onNotification(String method, JsonNode params) {
                        notifications.add(method + " " + params);
                    }

                    @Override
                    public void onClose(IpcConnectionClosedException cause) {
                        closed.complete(cause);
                    }
                }).get(5, TimeUnit.SECONDS);
    }

    @Test
    void requestsUseIntegerIdsFromOneAndObjectParams() throws Exception {
        JsonRpcConnection c = open(TestSettings.ipc());
        JsonNode result = c.call("ping", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        assertThat(result.isObject()).isTrue();
        c.call("config/queryModels", MAPPER.createObjectNode(), Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        assertThat(peer.received).extracting(m -> m.path("id").asInt()).containsExactly(1, 2);
        assertThat(peer.received).allSatisfy(m -> {
            assertThat(m.path("jsonrpc").asText()).isEqualTo("2.0");
            assertThat(m.path("params").isObject()).isTrue();
        });
        c.close();
    }

    @Test
    void errorResponsesKeepCodeMessageAndData() throws Exception {
        peer.on("chat/listAllSessions", (conn, m) -> {
            var reply = MAPPER.createObjectNode().put("jsonrpc", "2.0");
            reply.set("id", m.get("id"));
            reply.putObject("error").put("code", -32602).put("message", "bad params").putObject("data").put("x", 1);
            conn.send(reply);
        });
        JsonRpcConnection c = open(TestSettings.ipc());
        assertThatThrownBy(() -> c.call("chat/listAllSessions", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class).cause().isInstanceOfSatisfying(JsonRpcException.class, e -> {
                    assertThat(e.code()).isEqualTo(-32602);
                    assertThat(e.rpcMessage()).isEqualTo("bad params");
                    assertThat(e.data().path("x").asInt()).isEqualTo(1);
                    assertThat(e.method()).isEqualTo("chat/listAllSessions");
                });
    }

    @Test
    void callsTimeOutIndividually() throws Exception {
        peer.on("slow", (conn, m) -> { });
        JsonRpcConnection c = open(TestSettings.ipc());
        assertThatThrownBy(() -> c.call("slow", null, Duration.ofMillis(100)).get(5, TimeUnit.SECONDS))
                .cause().isInstanceOf(JsonRpcTimeoutException.class);
        assertThat(c.pendingCalls()).isZero();
        assertThat(c.isOpen()).isTrue();
    }

    @Test
    void closeFailsEveryPendingCallWithATypedException() throws Exception {
        peer.on("hang", (conn, m) -> conn.close());
        JsonRpcConnection c = open(TestSettings.ipc());
        CompletableFuture<JsonNode> pending = c.call("hang", null, null);
        assertThatThrownBy(() -> pending.get(5, TimeUnit.SECONDS)).cause()
                .isInstanceOf(IpcConnectionClosedException.class);
        assertThat(closed.get(5, TimeUnit.SECONDS)).isInstanceOf(IpcConnectionClosedException.class);
        assertThat(c.isOpen()).isFalse();
        assertThatThrownBy(() -> c.call("ping", null, null).get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOf(IpcConnectionClosedException.class);
    }

    @Test
    void binaryMessagesSplitFramesAndSeveralFramesPerMessageAreDecoded() throws Exception {
        peer.on("burst", (conn, m) -> {
            byte[] n1 = LspFrames.frame("{\"jsonrpc\":\"2.0\",\"method\":\"n1\",\"params\":{\"t\":\"你好\"}}");
            byte[] n2 = LspFrames.frame("{\"jsonrpc\":\"2.0\",\"method\":\"n2\",\"params\":{}}");
            byte[] reply = LspFrames.frame("{\"jsonrpc\":\"2.0\",\"id\":" + m.get("id") + ",\"result\":7}");
            byte[] both = Arrays.copyOf(n1, n1.length + n2.length);
            System.arraycopy(n2, 0, both, n1.length, n2.length);
            conn.sendBinary(Arrays.copyOfRange(both, 0, 40));
            conn.sendBinary(Arrays.copyOfRange(both, 40, both.length));
            conn.ws.writeTextMessage(new String(reply, StandardCharsets.UTF_8));
        });
        JsonRpcConnection c = open(TestSettings.ipc());
        assertThat(c.call("burst", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS).asInt()).isEqualTo(7);
        assertThat(notifications).containsExactly("n1 {\"t\":\"你好\"}", "n2 {}");
    }

    @Test
    void serverRequestsAreAnsweredEchoingTheIdType() throws Exception {
        peer.on("trigger", (conn, m) -> {
            conn.send(MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", 5).put("method", "fs/read_text_file"));
            conn.send(MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", "x-1").put("method", "chat/answer"));
            conn.respond(m.get("id"), Map.of());
        });
        JsonRpcConnection c = open(TestSettings.ipc().toBuilder()
                .serverRequestReply(IpcSettings.ServerRequestReply.parse("method-not-found")).build());
        c.call("trigger", null, Duration.ofSeconds(5)).get(5, TimeUnit.SECONDS);
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.responses().size() == 2);
        JsonNode first = peer.responses().get(0);
        JsonNode second = peer.responses().get(1);
        assertThat(first.path("id").isInt()).isTrue();
        assertThat(first.path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(second.path("id").isTextual()).isTrue();
        assertThat(second.path("id").asText()).isEqualTo("x-1");
        assertThat(notifications).hasSize(2);
    }

    @Test
    void framingErrorClosesTheConnection() throws Exception {
        peer.on("garbage", (conn, m) -> conn.ws.writeTextMessage("Content-Length: nope\r\n\r\n{}"));
        JsonRpcConnection c = open(TestSettings.ipc());
        CompletableFuture<JsonNode> call = c.call("garbage", null, null);
        assertThat(closed.get(5, TimeUnit.SECONDS).getMessage()).contains("framing error");
        assertThat(call).isCompletedExceptionally();
    }

    @Test
    void rejectedHandshakeReportsTheStatus() {
        peer.rejectStatus = 401;
        assertThatThrownBy(() -> open(TestSettings.ipc())).cause()
                .isInstanceOfSatisfying(IpcTransportException.class, e -> assertThat(e.handshakeStatus())
                        .isEqualTo(401));
    }
}
