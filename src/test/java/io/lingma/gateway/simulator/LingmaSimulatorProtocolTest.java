package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.lingma.ipc.LspFrameCodec;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lingma.gateway.simulator.SimClient.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/** JSON-RPC methods, the default turn script and request validation (lingma-ipc.md §5, §10.4, §10.5). */
class LingmaSimulatorProtocolTest extends SimulatorTestSupport {

    @Test
    void initializeEchoesProtocolVersionAndSaysItIsTheSimulator() throws Exception {
        SimClient client = connect();
        JsonNode response = client.call("initialize", obj().put("protocolVersion", 1)
                .put("timestamp", 1774432779540L).set("clientCapabilities", obj()));

        assertThat(response.path("jsonrpc").asText()).isEqualTo("2.0");
        assertThat(response.path("id").asLong()).isEqualTo(1);
        assertThat(response.path("result").path("protocolVersion").asInt()).isEqualTo(1);
        assertThat(response.path("result").path("serverInfo").path("name").asText()).isEqualTo("lingma-simulator");
        assertThat(simulator.stats().protocolViolations()).isZero();
    }

    @Test
    void defaultTurnStreamsChunksInOrderThenUsageFinishAndResponse() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();
        JsonNode setModel = client.call("session/set_model", obj().put("sessionId", sessionId)
                .put("modelId", "dashscope_qwen3_coder").set("_meta", obj().put("ai-coding/request-id", "gw-1")));
        assertThat(setModel.has("error")).isFalse();

        JsonNode response = client.prompt(sessionId, "gw-1", "请只回复：IPC_OK_2").get(5, TimeUnit.SECONDS);

        assertThat(response.path("result").path("stopReason").asText()).isEqualTo("end_turn");
        List<JsonNode> updates = client.updates("gw-1");
        assertThat(updates).allSatisfy(u -> assertThat(u.path("params").path("sessionId").asText())
                .isEqualTo(sessionId));
        List<String> kinds = updates.stream().map(SimulatorTurnTest::kind).toList();
        assertThat(kinds).last().isEqualTo("chat_finish");
        assertThat(kinds.get(kinds.size() - 2)).isEqualTo("context_usage");
        assertThat(kinds.subList(0, kinds.size() - 2)).isNotEmpty().allMatch("agent_message_chunk"::equals);
        assertThat(client.answer("gw-1"))
                .isEqualTo("Hello from the Lingma simulator (turn 1 of this session). You said: 请只回复：IPC_OK_2");
        JsonNode finish = updates.get(updates.size() - 1).path("params").path("update").path("data");
        assertThat(finish.path("reason").asText()).isEqualTo("finished");
        assertThat(finish.path("fullAnswer").asText()).isEmpty();
        JsonNode usage = updates.get(updates.size() - 2).path("params").path("update").path("data");
        assertThat(usage.path("usedTokens").asLong()).isPositive();
        assertThat(usage.path("limitTokens").asLong()).isEqualTo(131072);
        // the prompt response is the last message of the turn
        assertThat(client.messages.get(client.messages.size() - 1)).isEqualTo(response);

        RecordedPrompt recorded = simulator.prompts().get(0);
        assertThat(recorded.sessionId()).isEqualTo(sessionId);
        assertThat(recorded.requestId()).isEqualTo("gw-1");
        assertThat(recorded.text()).isEqualTo("请只回复：IPC_OK_2");
        assertThat(recorded.modelId()).isEqualTo("dashscope_qwen3_coder");
        assertThat(recorded.meta()).containsEntry("ai-coding/shell-type", "bash");
        assertThat(recorded.imageCount()).isZero();
        assertThat(recorded.cwd()).isEqualTo("/tmp/agent-cwd");
        assertThat(simulator.stats().prompts()).isEqualTo(1);
        assertThat(simulator.stats().protocolViolations()).isZero();
    }

    @Test
    void sessionNewAnnouncesAvailableCommandsWithoutRequestId() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();

        JsonNode update = client.awaitMessage(m -> "available_commands_update"
                .equals(m.path("params").path("update").path("sessionUpdate").asText()));
        assertThat(update.path("params").path("sessionId").asText()).isEqualTo(sessionId);
        assertThat(update.path("params").has("_meta")).isFalse();
        assertThat(simulator.stats().sessionsCreated()).isEqualTo(1);
        assertThat(simulator.stats().activeSessions()).isEqualTo(1);
    }

    @Test
    void promptWithoutRequestIdFailsWithRequestIdIsEmpty() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();

        JsonNode response = client.prompt(sessionId, null, "hi").get(5, TimeUnit.SECONDS);

        assertThat(response.path("error").path("message").asText()).isEqualTo("requestId is empty");
        assertThat(simulator.stats().protocolViolations()).isEqualTo(1);
        assertThat(simulator.prompts()).isEmpty();
    }

    @Test
    void unknownSessionFailsFastOnPromptAndSetModel() throws Exception {
        SimClient client = connectInitialized();

        JsonNode prompt = client.prompt("no-such-session", "gw-1", "hi").get(5, TimeUnit.SECONDS);
        JsonNode setModel = client.call("session/set_model",
                obj().put("sessionId", "no-such-session").put("modelId", "org_auto"));

        assertThat(prompt.path("error").path("code").asInt()).isEqualTo(-32001);
        assertThat(prompt.path("error").path("message").asText()).contains("no-such-session");
        assertThat(setModel.path("error").path("code").asInt()).isEqualTo(-32001);
    }

    @Test
    void setModelRejectsAKeyOutsideTheCatalogue() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();

        JsonNode response = client.call("session/set_model",
                obj().put("sessionId", sessionId).put("modelId", "gpt-4o"));

        assertThat(response.path("error").path("message").asText()).isEqualTo("model not found: gpt-4o");
    }

    @Test
    void queryModelsIsSceneGroupedAndMarkedAsSimulated() throws Exception {
        SimClient client = connectInitialized();

        JsonNode result = client.call("config/queryModels", obj()).path("result");

        assertThat(result.fieldNames()).toIterable()
                .containsExactlyInAnyOrder("assistant", "chat", "developer", "inline", "quest");
        assertThat(result.path("chat").findValuesAsText("key")).contains("org_auto", "dashscope_qwen3_coder",
                "dashscope_qwen_plus_20250428_thinking", "kmodel", "mmodel", "dashscope_qwen_max_latest",
                "dashscope_qmodel");
        JsonNode thinking = result.path("chat").get(2);
        assertThat(thinking.path("displayName").asText()).isEqualTo("Qwen3-Thinking");
        assertThat(thinking.path("isReasoning").asBoolean()).isTrue();
        assertThat(result.path("chat")).allSatisfy(m -> assertThat(m.path("simulator").asBoolean()).isTrue());
    }

    @Test
    void pingAuthStatusDeleteAndUnknownMethods() throws Exception {
        SimClient client = connectInitialized();
        String first = client.newSession();
        String second = client.newSession();

        assertThat(client.call("ping", obj()).path("result").isObject()).isTrue();
        assertThat(client.call("auth/status", obj()).path("result"))
                .isEqualTo(obj().put("status", 2).put("name", "sim"));
        assertThat(client.call("chat/deleteSessionById", obj().put("sessionId", first)).has("error")).isFalse();
        assertThat(client.call("chat/deleteSessionById", obj().put("id", second)).has("error")).isFalse();
        assertThat(client.call("chat/listAllSessions", obj()).path("error").path("code").asInt())
                .isEqualTo(-32601);

        assertThat(simulator.deletedSessions()).containsExactly(first, second);
        assertThat(simulator.stats().sessionsDeleted()).isEqualTo(2);
        assertThat(simulator.stats().activeSessions()).isZero();
    }

    @Test
    void arrayOrOmittedParamsGetTheGoDecodeError() throws Exception {
        SimClient client = connectInitialized();

        JsonNode array = client.call("config/queryModels", SimClient.MAPPER.createArrayNode());
        JsonNode omitted = client.call("ping", null);

        assertThat(array.path("error").path("message").asText())
                .isEqualTo("json: cannot unmarshal array into Go value of type definition.EmptyRequest");
        assertThat(omitted.path("error").path("message").asText()).contains("definition.EmptyRequest");
        assertThat(simulator.stats().protocolViolations()).isEqualTo(2);
    }

    @Test
    void countsStringIdsMissingJsonrpcAndInitialized() throws Exception {
        SimClient client = connectInitialized();

        client.sendJson(obj().put("jsonrpc", "2.0").put("id", "init-qc").put("method", "ping").set("params", obj()));
        client.sendJson(obj().put("id", 77).put("method", "ping").set("params", obj()));
        client.notify("initialized", obj());

        JsonNode stringIdAnswer = client.awaitMessage(m -> m.path("id").isTextual());
        assertThat(stringIdAnswer.path("id").asText()).isEqualTo("init-qc");
        await().atMost(SimClient.TIMEOUT).until(() -> simulator.stats().protocolViolations() == 3);
        assertThat(simulator.violations()).anyMatch(v -> v.contains("string request id"))
                .anyMatch(v -> v.contains("jsonrpc")).anyMatch(v -> v.contains("initialized"));
    }

    @Test
    void bareJsonAndBadHeadersAnswerUnknownMessageHeader() throws Exception {
        SimClient client = connectInitialized();

        client.sendRaw("{\"jsonrpc\":\"2.0\",\"id\":5,\"method\":\"ping\",\"params\":{}}");
        client.sendRaw("Content-Length: abc\r\n\r\n{}");

        await().atMost(SimClient.TIMEOUT).until(() -> client.messages.stream()
                .filter(m -> "Unknown message header".equals(m.path("error").path("message").asText())).count() == 2);
        assertThat(simulator.stats().protocolViolations()).isEqualTo(2);
        // the connection stays usable after a malformed frame
        assertThat(client.call("ping", obj()).has("result")).isTrue();
    }

    @Test
    void inboundFramesMayBePackedSplitAndBinary() throws Exception {
        SimClient client = connectInitialized();
        byte[] ping = LspFrameCodec.encode(
                "{\"jsonrpc\":\"2.0\",\"id\":100,\"method\":\"ping\",\"params\":{}}");
        byte[] auth = LspFrameCodec.encode(
                "{\"jsonrpc\":\"2.0\",\"id\":101,\"method\":\"auth/status\",\"params\":{\"note\":\"你好\"}}");
        byte[] both = new byte[ping.length + auth.length];
        System.arraycopy(ping, 0, both, 0, ping.length);
        System.arraycopy(auth, 0, both, ping.length, auth.length);

        client.sendRaw(new String(both, StandardCharsets.UTF_8));
        int cut = auth.length - 5; // inside the body, after the multibyte characters
        client.sendRawBinary(Arrays.copyOfRange(auth, 0, cut));
        client.sendRawBinary(Arrays.copyOfRange(auth, cut, auth.length));

        await().atMost(SimClient.TIMEOUT).until(() -> client.messages.stream()
                .filter(m -> m.path("id").asInt() == 100 || m.path("id").asInt() == 101).count() == 3);
        assertThat(simulator.stats().protocolViolations()).isZero();
    }

    @Test
    void sessionKeepsHistoryAcrossPromptsAndRunsConcurrentTurns() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();
        client.prompt(sessionId, "gw-1", "first question").get(5, TimeUnit.SECONDS);

        CompletableFuture<JsonNode> a = client.prompt(sessionId, "gw-2", "second question");
        CompletableFuture<JsonNode> b = client.prompt(sessionId, "gw-3", "third question");
        CompletableFuture.allOf(a, b).get(5, TimeUnit.SECONDS);

        assertThat(client.answer("gw-2")).contains("(turn 2 of this session)").endsWith("You said: second question");
        assertThat(client.answer("gw-3")).contains("(turn 3 of this session)").endsWith("You said: third question");
        assertThat(simulator.prompts()).extracting(RecordedPrompt::turn).containsExactly(1, 2, 3);
    }

    @Test
    void countsImageBlocksAndJoinsTextBlocks() throws Exception {
        SimClient client = connectInitialized();
        String sessionId = client.newSession();
        ObjectNode params = SimClient.promptParams(sessionId, "gw-1", "看图");
        params.withArray("prompt").addObject().put("type", "image").put("mimeType", "image/png")
                .put("uri", "lingma:///agent/file?path=%2Ftmp%2Fa.png").put("data", "iVBORw0KGgo=");
        params.withArray("prompt").addObject().put("type", "text").put("text", "second block");

        client.request("session/prompt", params).get(5, TimeUnit.SECONDS);

        assertThat(simulator.prompts()).singleElement().satisfies(p -> {
            assertThat(p.imageCount()).isEqualTo(1);
            assertThat(p.text()).isEqualTo("看图\nsecond block");
        });
    }

    @Test
    void defaultReplyQuotesTheNewestUserTurnOfATranscript() {
        String transcript = "System instructions:\n\nBe brief.\n\nConversation transcript:\n\nUser: hi\n\n"
                + "Assistant: hello\n\nUser: what is 2+2?\n\nReply as the assistant to the latest user message only.";

        assertThat(SimulatedTurn.newestUserText(transcript)).isEqualTo("what is 2+2?");
        assertThat(SimulatedTurn.defaultReply("x".repeat(300), 1)).endsWith("You said: " + "x".repeat(200));
    }

    @Test
    void sessionNewUnsupportedIsMethodNotFound() throws Exception {
        simulator.close();
        simulator = new LingmaSimulator(vertx, options().withSessionNewUnsupported(true));
        simulator.start();
        SimClient client = connectInitialized();

        JsonNode response = client.call("session/new", obj().put("cwd", "/tmp"));

        assertThat(response.path("error").path("code").asInt()).isEqualTo(-32601);
        assertThat(client.call("config/queryModels", obj()).has("result")).isTrue();
    }

    @Test
    void acceptsTheWsPathAndEnforcesTheMachineToken() throws Exception {
        simulator.close();
        simulator = new LingmaSimulator(vertx, options().withMachineToken("secret-token"));
        simulator.start();

        assertThat(catchThrowable(
                () -> SimClient.connect(vertx, simulator.port(), "/ws", MultiMap.caseInsensitiveMultiMap())))
                .hasMessageContaining("401");
        SimClient client = track(SimClient.connect(vertx, simulator.port(), "/ws",
                MultiMap.caseInsensitiveMultiMap().add("Cosy-MachineToken", "secret-token")));

        assertThat(client.initialize().has("result")).isTrue();
        assertThat(simulator.stats().handshakesRejected()).isEqualTo(1);
        assertThat(simulator.stats().connections()).isEqualTo(1);
    }

    @Test
    void slowSetupAndHandshakeRejectionAreSwitchable() throws Exception {
        SimClient client = connectInitialized();
        simulator.setMethodDelay("session/new", 300);
        long started = System.nanoTime();

        CompletableFuture<JsonNode> slow = client.request("session/new", obj().put("cwd", "/tmp"));
        assertThat(client.call("ping", obj()).has("result")).isTrue();
        assertThat(slow).isNotDone();
        assertThat(slow.get(5, TimeUnit.SECONDS).path("result").path("sessionId").asText()).isNotEmpty();
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(300);

        simulator.setHandshakeRejection(404);
        assertThat(catchThrowable(() -> connect())).hasMessageContaining("404");
        simulator.setHandshakeRejection(0);
        assertThat(connect().initialize().has("result")).isTrue();
    }
}
