package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.GatewayException;
import io.vertx.core.Vertx;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Fixture shared by the IPC backend tests: a fresh Vert.x and {@link FakeLingmaPeer} per test, an
 * {@link IpcChatBackend} on it started by {@link #startBackend(IpcSettings)}, everything closed afterwards, plus
 * helpers to build turns and read them to their end.
 */
abstract class IpcBackendTestSupport {

    static final ObjectMapper MAPPER = new ObjectMapper();
    static final ResolvedModel MODEL =
            new ResolvedModel("dashscope_qwen3_coder", "Qwen3-Coder", "Qwen3-Coder", false);

    @TempDir
    Path tmp;

    Vertx vertx;
    FakeLingmaPeer peer;
    LingmaIpcClient client;
    IpcChatBackend backend;

    @BeforeEach
    void startPeer() throws Exception {
        vertx = Vertx.vertx();
        peer = FakeLingmaPeer.start(vertx);
    }

    @AfterEach
    void closeEverything() throws Exception {
        if (backend != null) {
            backend.close();
        }
        if (client != null) {
            client.close();
        }
        if (peer != null) {
            peer.close();
        }
        vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }

    /**
     * @return settings pointing at the fake peer, fresh session mode, no session pool (these tests count the set-up
     * calls of one turn; IpcSessionPoolTest covers the pool)
     */
    IpcSettings.Builder settings() {
        return TestSettings.ipc().toBuilder().wsUrl(peer.url()).cwd(tmp.resolve("agent-cwd"))
                .sessionMode(IpcSettings.SessionMode.FRESH).shellType("zsh").sessionPoolSize(0);
    }

    /** Starts the client and backend on {@code settings}. */
    void startBackend(IpcSettings settings) {
        IpcEndpointDiscovery discovery = new IpcEndpointDiscovery(settings, MAPPER, tmp, Map.of(), "Linux",
                pid -> true);
        client = new LingmaIpcClient(vertx, MAPPER, settings, discovery);
        backend = new IpcChatBackend(client, settings, new TokenEstimator(), false, null);
        backend.start();
    }

    static ChatTurn turn(List<ChatMessage> messages, List<ToolDefinition> tools) {
        return new ChatTurn("req-1", ApiProtocol.OPENAI_CHAT, "Qwen3-Coder", "", messages, tools, ToolChoice.AUTO,
                true, null, true, false, null, null, List.of(), null, "-");
    }

    static ChatTurn turn(String... userTexts) {
        List<ChatMessage> messages = new ArrayList<>();
        for (String t : userTexts) {
            messages.add(ChatMessage.user(t));
        }
        return turn(messages, List.of());
    }

    /** Reads a turn to its terminal event (each event within 10 s). */
    static List<ChatEvent> drain(UpstreamTurn t) throws InterruptedException {
        List<ChatEvent> events = new ArrayList<>();
        while (true) {
            ChatEvent e = t.next(Duration.ofSeconds(10));
            assertThat(e).as("event within 10 s").isNotNull();
            events.add(e);
            if (e.terminal()) {
                return events;
            }
        }
    }

    static String text(List<ChatEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ChatEvent.TextDelta)
                .forEach(e -> sb.append(((ChatEvent.TextDelta) e).text()));
        return sb.toString();
    }

    static GatewayException failure(List<ChatEvent> events) {
        ChatEvent last = events.get(events.size() - 1);
        assertThat(last).isInstanceOf(ChatEvent.Failure.class);
        return ((ChatEvent.Failure) last).error();
    }
}
