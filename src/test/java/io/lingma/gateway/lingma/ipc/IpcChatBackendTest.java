package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

class IpcChatBackendTest extends IpcBackendTestSupport {

    @Test
    void normalTurnStreamsThoughtTextUsageAndFinishThenDeletesTheFreshSession() throws Exception {
        startBackend(settings().build());
        List<ChatEvent> events;
        try (UpstreamTurn t = backend.open(turn("Say hi"), MODEL)) {
            events = drain(t);
            assertThat(t.next(Duration.ZERO)).isEqualTo(events.get(events.size() - 1));
        }
        assertThat(events).containsExactly(new ChatEvent.ThinkingDelta("thinking…"), new ChatEvent.TextDelta("Hel"),
                new ChatEvent.TextDelta("lo"), new ChatEvent.ContextUsage(5123, 131072),
                events.get(4), new ChatEvent.Finish(FinishReason.STOP));
        ChatEvent.UsageReport usage = (ChatEvent.UsageReport) events.get(4);
        assertThat(usage.usage().estimated()).isTrue();
        assertThat(usage.usage().promptTokens()).isEqualTo(new TokenEstimator().estimate("Say hi"));
        assertThat(usage.usage().completionTokens()).isEqualTo(new TokenEstimator().estimate("Hellothinking…"));

        JsonNode init = peer.received("initialize").get(0);
        assertThat(init.path("id").isInt()).isTrue();
        assertThat(init.path("params").path("protocolVersion").asInt()).isEqualTo(1);
        assertThat(init.path("params").path("clientCapabilities").isEmpty()).isTrue();
        assertThat(init.path("params").path("timestamp").asLong()).isPositive();
        assertThat(peer.received("initialized")).isEmpty();

        JsonNode created = peer.received("session/new").get(0).path("params");
        assertThat(created.path("cwd").asText()).doesNotContain("\\").endsWith("agent-cwd");
        assertThat(created.path("mcpServers").isArray()).isTrue();
        assertThat(created.path("_meta").isObject()).isTrue();
        assertThat(Files.isDirectory(tmp.resolve("agent-cwd"))).isTrue();

        JsonNode setModel = peer.received("session/set_model").get(0).path("params");
        assertThat(setModel.path("modelId").asText()).isEqualTo("dashscope_qwen3_coder");

        JsonNode prompt = peer.received("session/prompt").get(0).path("params");
        JsonNode meta = prompt.path("_meta");
        assertThat(meta.path("ai-coding/request-id").asText()).matches("gw-\\d{13}-[0-9a-f]{8}");
        assertThat(setModel.path("_meta").path("ai-coding/request-id").asText())
                .isEqualTo(meta.path("ai-coding/request-id").asText());
        assertThat(meta.path("ai-coding/shell-type").asText()).isEqualTo("zsh");
        assertThat(meta.path("ai-coding/enabled-mcp-servers").isArray()).isTrue();
        assertThat(meta.path("ai-coding/mode").asText()).isEqualTo("agent");
        assertThat(meta.path("ai-coding/model").asText()).isEqualTo("dashscope_qwen3_coder");
        assertThat(meta.has("ai-coding/current-file-path")).isFalse();
        assertThat(prompt.path("prompt").get(0).path("text").asText()).isEqualTo("Say hi");
        assertThat(prompt.path("contextParams").isNull()).isTrue();

        await().atMost(5, TimeUnit.SECONDS).until(() -> !peer.received("chat/deleteSessionById").isEmpty());
        assertThat(peer.received("chat/deleteSessionById").get(0).path("params").path("sessionId").asText())
                .isEqualTo(prompt.path("sessionId").asText());
        assertThat(backend.status()).containsEntry("connected", true).containsEntry("backend", "ipc")
                .containsEntry("context_usage", Map.of("used_tokens", 5123L, "limit_tokens", 131072L));
    }

    @Test
    void pseudoModelWithEmptyKeySkipsSetModel() throws Exception {
        startBackend(settings().build());
        try (UpstreamTurn t = backend.open(turn("Hi"), new ResolvedModel("", "lingma", "lingma", false))) {
            assertThat(text(drain(t))).isEqualTo("Hello");
        }
        assertThat(peer.received("session/set_model")).isEmpty();
        assertThat(peer.received("session/prompt").get(0).path("params").path("_meta").has("ai-coding/model"))
                .isFalse();
    }

    @Test
    void jsonRpcErrorOnPromptFailsFast() throws Exception {
        startBackend(settings().build());
        peer.on("session/prompt", (c, m) -> c.error(m.get("id"), -32001, "unknown session"));
        long start = System.nanoTime();
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            GatewayException error = failure(drain(t));
            assertThat(error.kind()).isEqualTo(ErrorKind.UPSTREAM_ERROR);
            assertThat(error.getMessage()).contains("unknown session").contains("-32001");
        }
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !peer.received("chat/deleteSessionById").isEmpty());
    }

    @Test
    void disconnectAfterAChunkIsUpstreamIncomplete() throws Exception {
        startBackend(settings().build());
        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "partial");
            c.close();
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("partial");
            assertThat(failure(events).kind()).isEqualTo(ErrorKind.UPSTREAM_INCOMPLETE);
        }
        assertThat(peer.received("session/prompt")).hasSize(1);
    }

    @Test
    void disconnectAfterAChunkReturnsPartialWhenConfigured() throws Exception {
        startBackend(settings().partialOnDisconnect(IpcSettings.PartialOnDisconnect.RETURN_PARTIAL).build());
        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "partial");
            c.close();
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("partial");
            assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
        }
    }

    @Test
    void disconnectBeforeAnyChunkReconnectsAndReplaysOnce() throws Exception {
        startBackend(settings().build());
        AtomicInteger prompts = new AtomicInteger();
        peer.on("session/prompt", (c, m) -> {
            if (prompts.incrementAndGet() == 1) {
                c.close();
            } else {
                c.normalTurn(m, "re", "played");
            }
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("replayed");
            assertThat(events.get(events.size() - 1)).isInstanceOf(ChatEvent.Finish.class);
        }
        assertThat(peer.received("initialize")).hasSize(2);
        List<JsonNode> sent = peer.received("session/prompt");
        assertThat(sent).hasSize(2);
        assertThat(FakeLingmaPeer.rid(sent.get(0))).isNotEqualTo(FakeLingmaPeer.rid(sent.get(1)));
    }

    @Test
    void stallEndsInIdleTimeoutWithCancelAndDelete() throws Exception {
        startBackend(settings().idleTimeout(Duration.ofMillis(300)).build());
        peer.on("session/prompt", (c, m) -> c.chunk(m, "agent_message_chunk", "then silence"));
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(failure(events).kind()).isEqualTo(ErrorKind.UPSTREAM_TIMEOUT);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> !peer.received("session/cancel").isEmpty()
                && !peer.received("chat/deleteSessionById").isEmpty());
        JsonNode cancel = peer.received("session/cancel").get(0);
        assertThat(cancel.has("id")).isFalse();
        assertThat(cancel.path("params").path("sessionId").asText())
                .isEqualTo(FakeLingmaPeer.sid(peer.received("session/prompt").get(0)));
    }

    @Test
    void promptSuccessWithStopReasonEndsTheTurnAfterFinishGrace() throws Exception {
        startBackend(settings().finishGrace(Duration.ofMillis(200)).build());
        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "cut");
            c.respond(m.get("id"), Map.of("stopReason", "max_tokens"));
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("cut");
            assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.LENGTH));
        }
    }

    @Test
    void chatFinishWithoutTextIsAnEmptyReplyButFullAnswerIsUsedWhenNoChunkArrived() throws Exception {
        startBackend(settings().build());
        AtomicInteger prompts = new AtomicInteger();
        peer.on("session/prompt", (c, m) -> {
            String full = prompts.incrementAndGet() == 1 ? "" : "from fullAnswer";
            c.notification(m, "chat_finish", Map.of("reason", "finished", "fullAnswer", full));
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(failure(drain(t)).kind()).isEqualTo(ErrorKind.UPSTREAM_EMPTY_REPLY);
        }
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("from fullAnswer");
        }
    }

    @Test
    void chatFinishWithErrorStatusFails() throws Exception {
        startBackend(settings().build());
        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "x");
            c.notification(m, "chat_finish", Map.of("reason", "error", "statusCode", 500));
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(failure(drain(t)).getMessage()).contains("500");
        }
    }

    @Test
    void serverRequestsWithIntegerAndStringIdsAreAnswered() throws Exception {
        startBackend(settings().build());
        peer.on("session/prompt", (c, m) -> {
            c.send(FakeLingmaPeer.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", 77)
                    .put("method", "session/request_permission"));
            c.send(FakeLingmaPeer.MAPPER.createObjectNode().put("jsonrpc", "2.0").put("id", "srv-1")
                    .put("method", "fs/read_text_file"));
            c.normalTurn(m, "ok");
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("ok");
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.responses().size() >= 2);
        JsonNode intReply = peer.responses().stream().filter(r -> r.path("id").isInt()).findFirst().orElseThrow();
        JsonNode stringReply = peer.responses().stream().filter(r -> r.path("id").isTextual()).findFirst()
                .orElseThrow();
        assertThat(intReply.path("id").asInt()).isEqualTo(77);
        assertThat(intReply.has("result") && intReply.get("result").isNull()).isTrue();
        assertThat(stringReply.path("id").asText()).isEqualTo("srv-1");
    }

    @Test
    void notificationsWithForeignOrMissingRequestIdsAreIgnored() throws Exception {
        startBackend(settings().build());
        peer.on("session/prompt", (c, m) -> {
            c.update(FakeLingmaPeer.sid(m), "gw-1-deadbeef", Map.of("sessionUpdate", "agent_message_chunk",
                    "content", Map.of("text", "FOREIGN")));
            c.update(FakeLingmaPeer.sid(m), null, Map.of("sessionUpdate", "agent_message_chunk",
                    "content", Map.of("text", "NOMETA")));
            c.send(FakeLingmaPeer.MAPPER.createObjectNode().put("jsonrpc", "2.0")
                    .put("method", "chat/process_step_callback"));
            c.update(FakeLingmaPeer.sid(m), FakeLingmaPeer.rid(m), Map.of("sessionUpdate", "tool_call",
                    "toolCallId", "call-1", "status", "in_progress"));
            c.normalTurn(m, "mine");
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("mine");
        }
        assertThat(client.counters()).containsEntry("unknown_request_id", 1L).containsEntry("missing_request_id", 1L)
                .containsEntry("legacy_notifications", 1L).containsEntry("native_tool_updates", 1L);
    }

    @Test
    void sessionNewMethodNotFoundIsBackendUnsupportedAndModelsStillWork() throws Exception {
        startBackend(settings().build());
        peer.on("session/new", (c, m) -> c.error(m.get("id"), -32601, "method not found"));
        assertThatThrownBy(() -> backend.open(turn("Hi"), MODEL)).isInstanceOfSatisfying(GatewayException.class,
                e -> {
                    assertThat(e.kind()).isEqualTo(ErrorKind.BACKEND_UNSUPPORTED);
                    assertThat(e.getMessage()).contains("does not support ACP sessions");
                });
        List<ModelInfo> models = backend.models();
        assertThat(models).extracting(ModelInfo::key).containsExactly("dashscope_qwen3_coder", "q35model");
        assertThat(models.get(0).displayName()).isEqualTo("Qwen3-Coder");
        assertThat(models.get(0).scenes()).containsExactly("chat");
    }

    @Test
    void setModelFailureIsModelNotFound() throws Exception {
        startBackend(settings().build());
        peer.on("session/set_model", (c, m) -> c.error(m.get("id"), -32602, "unknown model"));
        assertThatThrownBy(() -> backend.open(turn("Hi"), MODEL)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.MODEL_NOT_FOUND));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !peer.received("chat/deleteSessionById").isEmpty());
    }

    @Test
    void setupTimeoutTellsTheUserToReopenLingma() throws Exception {
        // golden vector 44
        startBackend(settings().setupTimeout(Duration.ofMillis(300)).build());
        peer.on("session/new", (c, m) -> { });
        client.link().get(5, TimeUnit.SECONDS);
        assertThatThrownBy(() -> backend.open(turn("Hi"), MODEL)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.getMessage()).contains("session setup timed out")
                        .contains("重新打开 Lingma App、QoderCN App"));
    }

    @Test
    void deleteFallsBackToIdParameterAndRemembersIt() throws Exception {
        startBackend(settings().build());
        peer.on("chat/deleteSessionById", (c, m) -> {
            if (m.path("params").has("sessionId")) {
                c.error(m.get("id"), -32602, "json: unknown field sessionId");
            } else {
                c.respond(m.get("id"), null);
            }
        });
        for (int i = 0; i < 2; i++) {
            try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
                drain(t);
            }
            int expected = i == 0 ? 2 : 3;
            await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("chat/deleteSessionById").size() >= expected);
        }
        List<JsonNode> deletes = peer.received("chat/deleteSessionById");
        assertThat(deletes.get(0).path("params").has("sessionId")).isTrue();
        assertThat(deletes.get(1).path("params").has("id")).isTrue();
        assertThat(deletes.get(2).path("params").has("id")).isTrue();
    }

    @Test
    void vector139AutoModeSecondTurnReusesTheSessionAndSendsOnlyTheNewUserText() throws Exception {
        startBackend(settings().sessionMode(IpcSettings.SessionMode.AUTO).build());
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("Hello");
        }
        ChatTurn second = turn(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("How are you?")), List.of());
        try (UpstreamTurn t = backend.open(second, MODEL)) {
            assertThat(text(drain(t))).isEqualTo("Hello");
        }
        assertThat(peer.received("session/new")).hasSize(1);
        List<JsonNode> prompts = peer.received("session/prompt");
        assertThat(prompts).hasSize(2);
        assertThat(FakeLingmaPeer.sid(prompts.get(1))).isEqualTo(FakeLingmaPeer.sid(prompts.get(0)));
        assertThat(prompts.get(1).path("params").path("prompt").get(0).path("text").asText())
                .isEqualTo("How are you?");
        assertThat(peer.received("session/set_model")).hasSize(1);
        assertThat(backend.sessionCacheStats().hits()).isEqualTo(1);
        assertThat(peer.received("chat/deleteSessionById")).isEmpty();
        backend.close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("chat/deleteSessionById").size() == 1);
    }

    @Test
    void vector140AutoModeWithToolsNeverUsesTheCache() throws Exception {
        startBackend(settings().sessionMode(IpcSettings.SessionMode.AUTO).build());
        List<ToolDefinition> tools = List.of(new ToolDefinition("Bash", "run", null));
        try (UpstreamTurn t = backend.open(turn(List.of(ChatMessage.user("Hi")), tools), MODEL)) {
            drain(t);
        }
        ChatTurn second = turn(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("How are you?")), tools);
        try (UpstreamTurn t = backend.open(second, MODEL)) {
            drain(t);
        }
        assertThat(peer.received("session/new")).hasSize(2);
        assertThat(peer.received("session/prompt").get(1).path("params").path("prompt").get(0).path("text").asText())
                .contains("User: Hi").contains("Assistant: Hello").contains("User: How are you?");
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("chat/deleteSessionById").size() == 2);
    }

    @Test
    void reuseModeKeepsOneStickySessionAndDropsItAfterAnError() throws Exception {
        startBackend(settings().sessionMode(IpcSettings.SessionMode.REUSE).build());
        try (UpstreamTurn t = backend.open(turn("one"), MODEL)) {
            drain(t);
        }
        try (UpstreamTurn t = backend.open(turn(List.of(ChatMessage.user("one"), ChatMessage.assistant("Hello"),
                ChatMessage.user("two")), List.of()), MODEL)) {
            drain(t);
        }
        assertThat(peer.received("session/new")).hasSize(1);
        assertThat(peer.received("session/set_model")).hasSize(1);
        assertThat(peer.received("session/prompt").get(1).path("params").path("prompt").get(0).path("text").asText())
                .isEqualTo("two");
        assertThat(backend.status().get("sticky_session_id")).isEqualTo("s-1");

        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "x");
            c.notification(m, "chat_finish", Map.of("statusCode", 500));
        });
        try (UpstreamTurn t = backend.open(turn("three"), MODEL)) {
            failure(drain(t));
        }
        assertThat(backend.status().get("sticky_session_id")).isNull();
        await().atMost(5, TimeUnit.SECONDS).until(() -> !peer.received("chat/deleteSessionById").isEmpty());
    }

    @Test
    void concurrencyLimitRejectsWith429AfterTheSetupTimeout() throws Exception {
        startBackend(settings().maxConcurrentTurns(1).setupTimeout(Duration.ofMillis(200)).build());
        // the 200 ms set-up timeout is for the queued second turn; a loaded machine may take longer to connect
        await().atMost(10, TimeUnit.SECONDS).until(backend::ready);
        peer.on("session/prompt", (c, m) -> c.chunk(m, "agent_message_chunk", "slow"));
        try (UpstreamTurn first = backend.open(turn("Hi"), MODEL)) {
            assertThatThrownBy(() -> backend.open(turn("Hi"), MODEL))
                    .isInstanceOfSatisfying(GatewayException.class,
                            e -> assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED));
            first.cancel("client disconnected");
            assertThat(failure(drain(first)).kind()).isEqualTo(ErrorKind.INTERNAL);
            first.cancel("again");
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("session/cancel").size() == 1
                && peer.received("chat/deleteSessionById").size() == 1);
        peer.on("session/prompt", (c, m) -> c.normalTurn(m, "again"));
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("again");
        }
    }

    @Test
    void imagesAreSentAsBlocksWithTempFilesThatAreDeletedAfterTheTurn() throws Exception {
        startBackend(settings().build());
        ChatMessage withImage = new ChatMessage(io.lingma.gateway.chat.ChatRole.USER, "", "[image]",
                List.of(new io.lingma.gateway.chat.ImageInput("image/png", "AAAA", "https://example.com/a.png")),
                null, null, false, List.of());
        try (UpstreamTurn t = backend.open(turn(List.of(withImage), List.of()), MODEL)) {
            drain(t);
        }
        JsonNode params = peer.received("session/prompt").get(0).path("params");
        JsonNode block = params.path("prompt").get(1);
        assertThat(params.path("prompt").get(0).path("text").asText()).isEqualTo(IpcPromptRenderer.IMAGE_DESCRIBE);
        assertThat(block.path("type").asText()).isEqualTo("image");
        assertThat(block.path("mimeType").asText()).isEqualTo("image/png");
        assertThat(block.path("data").asText()).isEqualTo("AAAA");
        assertThat(block.path("uri").asText()).startsWith("lingma:///agent/file?path=").contains("lingma-img-");
        assertThat(params.path("contextParams").get(0)).isEqualTo(block);
        assertThat(params.path("extra").path("imageUrl").asText()).isEqualTo("https://example.com/a.png");
        Path file = Path.of(java.net.URLDecoder.decode(block.path("uri").asText().substring(
                "lingma:///agent/file?path=".length()), java.nio.charset.StandardCharsets.UTF_8));
        await().atMost(5, TimeUnit.SECONDS).until(() -> !Files.exists(file));
    }

    @Test
    void lingmaDownAtStartThenUp() throws Exception {
        int port = peer.port();
        peer.close();
        peer = null;
        Path info = tmp.resolve("QoderCN").resolve("SharedClientCache").resolve(".info.json");
        IpcSettings settings = TestSettings.ipc().toBuilder().discoveryFile(info).cwd(tmp.resolve("cwd"))
                .sessionMode(IpcSettings.SessionMode.FRESH).build();
        IpcEndpointDiscovery discovery = new IpcEndpointDiscovery(settings, MAPPER, tmp, Map.of(), "Linux",
                IpcEndpointDiscovery::processAlive);
        client = new LingmaIpcClient(vertx, MAPPER, settings, discovery);
        backend = new IpcChatBackend(client, settings, new TokenEstimator(), true, null);
        backend.start();
        assertThat(backend.name()).isEqualTo("simulator");
        await().atMost(5, TimeUnit.SECONDS).until(() -> client.status().get("last_error") != null);
        assertThat(backend.ready()).isFalse();
        assertThat((String) client.status().get("last_error")).contains("No Lingma IPC endpoint found");

        peer = FakeLingmaPeer.start(vertx);
        Files.createDirectories(info.getParent());
        Files.writeString(info, "{\"websocketPort\":" + peer.port() + ",\"pid\":" + ProcessHandle.current().pid()
                + ",\"ipcServerPath\":\"/tmp/x.sock\",\"isDev\":false}");
        assertThat(port).isPositive();
        await().atMost(10, TimeUnit.SECONDS).until(backend::ready);
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("Hello");
        }
        assertThat(client.status()).containsEntry("endpoint_source", info.toString());
        assertThat(client.ping().get(5, TimeUnit.SECONDS).isObject()).isTrue();
    }

    @Test
    void lingmaDownMakesOpenFailWith503WithinTheSetupTimeout() throws Exception {
        peer.close();
        peer = null;
        IpcSettings settings = TestSettings.ipc().toBuilder().discoveryFile(tmp.resolve("missing.json"))
                .cwd(tmp.resolve("cwd")).setupTimeout(Duration.ofMillis(500)).build();
        startBackend(settings);
        assertThatThrownBy(() -> backend.open(turn("Hi"), MODEL)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.BACKEND_UNAVAILABLE));
        assertThatThrownBy(() -> backend.models()).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.status()).isEqualTo(503));
    }
}
