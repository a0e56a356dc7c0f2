package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.RecordedPrompt;
import io.lingma.gateway.simulator.Scenario;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.Socket;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Upstream failures before and after the first byte, stalls and client disconnects, as a client sees them. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18103", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.ipc.idle-timeout=1s",
                "gateway.stream.write-stall-timeout=1s",
                "gateway.breaker.minimum-number-of-calls=1000", "gateway.breaker.sliding-window-size=1000",
                "gateway.simulator.scenarios=src/test/resources/scenarios/faults.yaml"})
class UpstreamFaultTest {

    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    private final SseClient client = new SseClient(18103);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @Test
    void jsonRpcErrorBeforeOutputIsA502() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted(false, "[it:rpc-error] a"));
        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode e = SseClient.JSON.readTree(r.body());
        assertThat(e.at("/error/code").asText()).isEqualTo("upstream_error");
        assertThat(e.at("/error/message").asText()).contains("model overloaded");

        // a streaming request fails the same way: nothing was committed, so it is a plain HTTP error
        SseClient.Stream s = client.stream("/v1/messages", MESSAGES.formatted(true, "[it:rpc-error] b"));
        assertThat(s.status()).isEqualTo(502);
    }

    @Test
    void disconnectMidStreamEndsWithATerminalErrorEvent() throws Exception {
        SseClient.Stream openai = client.stream("/v1/chat/completions", CHAT.formatted(true, "[it:disconnect-mid] a"));
        assertThat(openai.status()).isEqualTo(200);
        List<SseClient.Event> data = openai.dataEvents();
        assertThat(data.get(data.size() - 1).data()).isEqualTo("[DONE]");
        JsonNode error = data.get(data.size() - 2).json();
        assertThat(error.at("/error/code").asText()).isEqualTo("upstream_incomplete");

        SseClient.Stream anthropic = client.stream("/v1/messages", MESSAGES.formatted(true, "[it:disconnect-mid] b"));
        assertThat(anthropic.status()).isEqualTo(200);
        List<String> names = anthropic.eventNames();
        assertThat(names.get(names.size() - 1)).isEqualTo("error");
        assertThat(names).doesNotContain("message_stop");
    }

    @Test
    void stallBecomesATimeout() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted(false, "[it:stall] a"));
        assertThat(r.statusCode()).isEqualTo(504);
        assertThat(SseClient.JSON.readTree(r.body()).at("/error/code").asText()).isEqualTo("upstream_timeout");

        SseClient.Stream s = client.stream("/v1/messages", MESSAGES.formatted(true, "[it:stall] b"));
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.eventNames().get(s.eventNames().size() - 1)).isEqualTo("error");
        String sessionId = sessionOf("[it:stall] b");
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.deletedSessions().contains(sessionId));
    }

    @Test
    void clientDisconnectCancelsTheTurnAndDeletesItsSession() throws Exception {
        long cancelsBefore = simulator.stats().cancels();
        String first = RawHttp.postAndDisconnectAfterFirstData(18103, "/v1/chat/completions",
                CHAT.formatted(true, "[it:slow] disconnect me"));
        assertThat(first).startsWith("data:");
        String sessionId = sessionOf("[it:slow] disconnect me");
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.deletedSessions().contains(sessionId));
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().cancels() > cancelsBefore);
    }

    @Test
    void aClientThatStopsReadingIsDroppedInsteadOfBuffered() throws Exception {
        // 32 MB of answer over about 5 s: far more than the socket buffers hold, so an unread stream fills the
        // write queue long before Lingma finishes, and the gateway must give up on the client (and the turn)
        simulator.addScenario(Scenario.builder("[it:flood]").reply("x".repeat(32 * 1024 * 1024)).chunkSize(65536)
                .chunkDelayMs(10).build());
        long cancelsBefore = simulator.stats().cancels();
        try (Socket socket = RawHttp.postAndStopReading(18103, "/v1/chat/completions",
                CHAT.formatted(true, "[it:flood] never read me"))) {
            String sessionId = sessionOf("[it:flood] never read me");
            await().atMost(Duration.ofSeconds(20)).until(() -> simulator.stats().cancels() > cancelsBefore);
            await().atMost(Duration.ofSeconds(10)).until(() -> simulator.deletedSessions().contains(sessionId));
            assertThat(socket.isClosed()).isFalse();
        }
    }

    private String sessionOf(String marker) {
        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.prompts().stream()
                .anyMatch(p -> p.text().contains(marker)));
        return simulator.prompts().stream().filter(p -> p.text().contains(marker)).map(RecordedPrompt::sessionId)
                .findFirst().orElseThrow();
    }
}
