package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static io.lingma.gateway.simulator.SimClient.obj;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Scripted turns and faults (lingma-ipc.md §10.3, §10.5, §10.6), triggered by the built-in scenario markers. */
class SimulatorTurnTest extends SimulatorTestSupport {

    /** @return the sessionUpdate kind, or the notification type for context_usage/chat_finish */
    static String kind(JsonNode update) {
        JsonNode u = update.path("params").path("update");
        String kind = u.path("sessionUpdate").asText();
        return kind.equals("notification") ? u.path("type").asText() : kind;
    }

    private SimClient client;
    private String sessionId;

    private void openSession() throws Exception {
        client = connectInitialized();
        sessionId = client.newSession();
        // let the session's available_commands_update arrive so it is not counted as part of the turn
        client.awaitMessage(m -> "available_commands_update"
                .equals(m.path("params").path("update").path("sessionUpdate").asText()));
    }

    @Test
    void thinkingScenarioSendsThoughtChunksWithDurations() throws Exception {
        openSession();

        client.prompt(sessionId, "gw-1", "please [sim:thinking]").get(5, TimeUnit.SECONDS);

        List<JsonNode> thoughts = client.updates("gw-1").stream()
                .filter(u -> kind(u).equals("agent_thought_chunk")).toList();
        assertThat(thoughts).hasSize(2);
        assertThat(thoughts).extracting(t -> t.path("params").path("update").path("_meta")
                .path("ai-coding/thinking-duration-millis").asLong()).containsExactly(600L, 1200L);
        assertThat(client.answer("gw-1")).isEqualTo("Simulated answer after thinking.");
        assertThat(simulator.prompts().get(0).scenario()).isEqualTo("thinking");
    }

    @Test
    void errorScenarioAnswersWithAnErrorAndStreamsNothing() throws Exception {
        openSession();

        JsonNode response = client.prompt(sessionId, "gw-1", "[sim:error]").get(5, TimeUnit.SECONDS);

        assertThat(response.path("error").path("code").asInt()).isEqualTo(-32000);
        assertThat(response.path("error").path("message").asText()).isEqualTo("simulated Lingma failure");
        assertThat(client.updates("gw-1")).isEmpty();
    }

    @Test
    void emptyScenarioFinishesWithoutChunks() throws Exception {
        openSession();

        client.prompt(sessionId, "gw-1", "[sim:empty]").get(5, TimeUnit.SECONDS);

        assertThat(client.updates("gw-1")).extracting(SimulatorTurnTest::kind)
                .containsExactly("context_usage", "chat_finish");
    }

    @Test
    void packedFramingPutsTwoFramesInOneMessage() throws Exception {
        openSession();
        int before = client.wsMessages.size();

        client.prompt(sessionId, "gw-1", "[sim:packed] hello").get(5, TimeUnit.SECONDS);

        assertThat(client.wsMessages.subList(before, client.wsMessages.size()))
                .anyMatch(m -> m.framesCompleted() == 2);
        assertThat(client.answer("gw-1")).endsWith("You said: [sim:packed] hello");
    }

    @Test
    void splitFramingCutsFramesInsideMultibyteCharacters() throws Exception {
        openSession();
        int before = client.wsMessages.size();

        client.prompt(sessionId, "gw-1", "[sim:split]").get(5, TimeUnit.SECONDS);

        List<SimClient.Received> turn = client.wsMessages.subList(before, client.wsMessages.size());
        assertThat(turn).anyMatch(m -> m.framesCompleted() == 0 && m.pendingAfter() > 0 && m.binary());
        assertThat(client.answer("gw-1")).isEqualTo("分片测试：一个帧被拆成两条消息。");
        assertThat(SimulatorConnection.splitPoint("Content-Length: 3\r\n\r\n\"é\"".getBytes(
                StandardCharsets.UTF_8))).isEqualTo(23);
    }

    @Test
    void binaryFramingUsesBinaryMessages() throws Exception {
        openSession();
        int before = client.wsMessages.size();

        client.prompt(sessionId, "gw-1", "[sim:binary]").get(5, TimeUnit.SECONDS);

        assertThat(client.wsMessages.subList(before, client.wsMessages.size())).allMatch(SimClient.Received::binary);
    }

    @Test
    void disconnectAfterTwoChunks() throws Exception {
        openSession();

        CompletableFuture<JsonNode> response = client.prompt(sessionId, "gw-1", "[sim:disconnect]");

        client.closed.get(5, TimeUnit.SECONDS);
        assertThat(response).isCompletedExceptionally();
        assertThat(client.updates("gw-1")).extracting(SimulatorTurnTest::kind)
                .containsExactly("agent_message_chunk", "agent_message_chunk");
        assertThat(client.answer("gw-1")).isEqualTo("This reply is cu");
        await().atMost(SimClient.TIMEOUT).until(() -> simulator.stats().openConnections() == 0
                && simulator.stats().activeTurns() == 0);
    }

    @Test
    void disconnectBeforeAnyChunk() throws Exception {
        openSession();

        client.prompt(sessionId, "gw-1", "[sim:disconnect-early]");

        client.closed.get(5, TimeUnit.SECONDS);
        assertThat(client.updates("gw-1")).isEmpty();
    }

    @Test
    void cancelStopsAStalledTurn() throws Exception {
        openSession();
        CompletableFuture<JsonNode> response = client.prompt(sessionId, "gw-1", "[sim:stall]");
        client.awaitMessage(m -> kind(m).equals("agent_message_chunk"));
        await().during(Duration.ofMillis(200)).atMost(SimClient.TIMEOUT)
                .until(() -> !response.isDone() && client.updates("gw-1").size() == 1);

        client.notify("session/cancel", obj().put("sessionId", sessionId));

        JsonNode result = response.get(5, TimeUnit.SECONDS);
        assertThat(result.path("result").path("stopReason").asText()).isEqualTo("cancelled");
        assertThat(client.awaitFinish("gw-1").path("params").path("update").path("data").path("reason").asText())
                .isEqualTo("cancelled");
        assertThat(simulator.stats().cancels()).isEqualTo(1);
        assertThat(simulator.stats().activeTurns()).isZero();
    }

    @Test
    void serverRequestsWithIntegerAndStringIdsAreRecordedAsAnswered() throws Exception {
        openSession();

        client.prompt(sessionId, "gw-1", "[sim:server-request]").get(5, TimeUnit.SECONDS);

        List<JsonNode> requests = client.messages.stream().filter(m -> m.has("method") && m.has("id")).toList();
        assertThat(requests).extracting(m -> m.path("id").isInt()).containsExactly(true, false);
        await().atMost(SimClient.TIMEOUT).until(() -> simulator.stats().serverRequestsAnswered() == 2);
        assertThat(simulator.serverRequests()).extracting(RecordedServerRequest::id)
                .containsExactly(9101, "sim-srv-1");
        assertThat(simulator.serverRequests()).allMatch(RecordedServerRequest::answered);
        assertThat(simulator.stats().serverRequestsSent()).isEqualTo(2);
    }

    @Test
    void unansweredServerRequestsStayUnanswered() throws Exception {
        openSession();
        client.answerServerRequests = false;

        client.prompt(sessionId, "gw-1", "[sim:server-request]").get(5, TimeUnit.SECONDS);

        assertThat(simulator.serverRequests()).hasSize(2).noneMatch(RecordedServerRequest::answered);
        assertThat(simulator.stats().serverRequestsAnswered()).isZero();
    }

    @Test
    void noiseNeverReachesTheAnswerOfACorrectClient() throws Exception {
        openSession();

        client.prompt(sessionId, "gw-1", "[sim:noise] hi").get(5, TimeUnit.SECONDS);

        assertThat(client.answer("gw-1")).doesNotContain("[sim-noise").endsWith("You said: [sim:noise] hi");
        List<String> methods = client.messages.stream().map(m -> m.path("method").asText()).toList();
        assertThat(methods).contains("chat/process_step_callback", "snapshot/syncAll", "session/title/update");
        List<String> kinds = client.updates("gw-1").stream().map(SimulatorTurnTest::kind).toList();
        assertThat(kinds).contains("tool_call", "tool_call_update", "plan", "sim_unknown_update_kind");
        assertThat(client.messages).anyMatch(m -> m.path("params").path("_meta").path("ai-coding/request-id")
                .asText().equals("foreign-gw-1"));
    }

    @Test
    void immediatePromptResponseComesBeforeTheStream() throws Exception {
        openSession();

        JsonNode response = client.prompt(sessionId, "gw-1", "[sim:prompt-ack]").get(5, TimeUnit.SECONDS);
        client.awaitFinish("gw-1");

        assertThat(response.path("result").isNull()).isTrue();
        int responseIndex = client.messages.indexOf(response);
        int firstChunk = client.messages.indexOf(client.updates("gw-1").get(0));
        assertThat(responseIndex).isLessThan(firstChunk);
    }

    @Test
    void yamlAndJsonScenarioFilesAreMatched(@TempDir Path dir)
            throws Exception {
        Path yaml = dir.resolve("custom.yaml");
        Files.writeString(yaml, """
                scenarios:
                  - name: yaml-fence
                    match: "re:tool\\\\s+call"
                    reply: "好的。\\n```json action\\n{\\"tool\\":\\"x\\"}\\n```"
                    chunkSize: 3
                    finishStatusCode: 500
                """);
        Path json = dir.resolve("custom.json");
        Files.writeString(json, """
                {"scenarios":[{"name":"json-one","match":"from json","chunks":["A","B"],"stopReason":"max_tokens"}]}
                """);
        simulator.loadScenarios(yaml);
        simulator.loadScenarios(json);
        openSession();

        JsonNode fromJson = client.prompt(sessionId, "gw-1", "hello from json").get(5, TimeUnit.SECONDS);
        client.prompt(sessionId, "gw-2", "please tool   call").get(5, TimeUnit.SECONDS);

        assertThat(client.answer("gw-1")).isEqualTo("AB");
        assertThat(fromJson.path("result").path("stopReason").asText()).isEqualTo("max_tokens");
        assertThat(client.answer("gw-2")).isEqualTo("好的。\n```json action\n{\"tool\":\"x\"}\n```");
        assertThat(client.updates("gw-2").stream().filter(u -> kind(u).equals("agent_message_chunk")))
                .extracting(u -> u.path("params").path("update").path("content").path("text").asText())
                .startsWith("好的。", "\n``", "`js");
        assertThat(client.awaitFinish("gw-2").path("params").path("update").path("data").path("statusCode").asInt())
                .isEqualTo(500);

        simulator.clearScenarios();
        client.prompt(sessionId, "gw-3", "hello from json").get(5, TimeUnit.SECONDS);
        assertThat(client.answer("gw-3")).startsWith("Hello from the Lingma simulator");
    }

    @Test
    void addedScenarioWinsOverOlderOnes() throws Exception {
        simulator.addScenario(Scenario.builder("[sim:thinking]").name("override").chunks("overridden").build());
        openSession();

        client.prompt(sessionId, "gw-1", "[sim:thinking]").get(5, TimeUnit.SECONDS);

        assertThat(client.answer("gw-1")).isEqualTo("overridden");
    }

    @Test
    void chunkDelaysUseTimersWithoutBlocking() throws Exception {
        simulator.addScenario(Scenario.builder("slowish").chunks("a", "b", "c").chunkDelayMs(100).build());
        openSession();
        long started = System.nanoTime();

        CompletableFuture<JsonNode> slow = client.prompt(sessionId, "gw-1", "slowish");
        JsonNode ping = client.call("ping", obj());

        assertThat(ping.has("result")).isTrue();
        assertThat(slow).isNotDone();
        slow.get(5, TimeUnit.SECONDS);
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started)).isGreaterThanOrEqualTo(300);
    }
}
