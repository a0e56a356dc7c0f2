package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.Scenario;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Large answers on the IPC backend (the simulator): a client that reads slowly gets a terminal error event once
 * {@code gateway.stream.max-buffered-bytes} of its answer are waiting (Lingma cannot be paused), the heap does not
 * grow with the answer, a large answer does not stall the event loop other streams share, and a non-streamed answer
 * larger than {@code gateway.http.max-response-bytes} is refused with an error instead of one huge body.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18231", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.stream.max-buffered-bytes=262144",
                "gateway.http.max-response-bytes=1048576"})
class SlowReaderTest {

    private static final int PORT = 18231;
    private static final int MB = 1024 * 1024;
    /** One chunk of the large answers; the simulator sends the same instance every time, so it costs it nothing. */
    private static final String CHUNK = "0123456789abcde\n".repeat(1024);
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private final SseClient client = new SseClient(PORT);

    @Test
    void slowStreamReaderGetsATerminalErrorInsteadOfGrowingTheHeap() throws Exception {
        // paced a little, as Lingma is: a burst of megabytes before the stream starts is not a slow reader
        script("[slow:32mb]", 32 * MB / CHUNK.length(), 1);
        long baseline = SlowReader.retainedHeap();
        long cancels = simulator.stats().cancels();
        try (SlowReader reader = SlowReader.post(PORT, "/v1/chat/completions", CHAT.formatted(true, "[slow:32mb]"))) {
            assertThat(reader.readHead()).startsWith("HTTP/1.1 200");
            // the reader stops; once its backlog passes the limit the gateway gives the turn up (session/cancel)
            await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().cancels() > cancels);
            long grown = SlowReader.retainedHeap() - baseline;
            String rest = reader.readToEnd(64 * MB);
            System.out.printf("SlowReaderTest: retained heap grew by %d KB during a stalled 32 MB stream; "
                    + "%d KB were delivered%n", grown / 1024, rest.length() / 1024);
            // less than the answer (it was 175 MB before the bound): left are the text handed to the socket buffers,
            // kept for usage and the session cache, Netty's buffer pools and the bounded queue
            assertThat(grown).as("heap growth while the client stalls").isLessThan(24L * MB);
            assertThat(rest.length()).as("bytes delivered of a 32 MB answer").isLessThan(16 * MB);
            List<String> data = rest.lines().filter(l -> l.startsWith("data: ")).toList();
            assertThat(data.get(data.size() - 1)).isEqualTo("data: [DONE]");
            JsonNode error = SseClient.JSON.readTree(data.get(data.size() - 2).substring(6));
            assertThat(error.at("/error/message").asText()).contains("client reads too slowly");
            assertThat(rest).doesNotContain("finish_reason\":\"stop");
        }
    }

    @Test
    void largeAnswerDoesNotStallTheOtherStreams() throws Exception {
        simulator.addScenario(Scenario.builder("[slow:paced]").chunks(Collections.nCopies(50, "tick ")
                .toArray(String[]::new)).chunkDelayMs(100).build());
        script("[slow:8mb]", 8 * MB / CHUNK.length(), 1);
        CompletableFuture<SseClient.Stream> paced = CompletableFuture.supplyAsync(() -> {
            try {
                return client.stream("/v1/chat/completions", CHAT.formatted(true, "[slow:paced]"));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(10)).until(() -> simulator.stats().activeTurns() > 0);
        SseClient.Stream large = client.stream("/v1/chat/completions", CHAT.formatted(true, "[slow:8mb]"));
        assertThat(large.dataEvents().get(large.dataEvents().size() - 1).data()).isEqualTo("[DONE]");
        List<SseClient.Event> ticks = paced.get().dataEvents();
        assertThat(ticks.get(ticks.size() - 1).data()).isEqualTo("[DONE]");
        long worstGap = 0;
        for (int i = 1; i < ticks.size(); i++) {
            worstGap = Math.max(worstGap, ticks.get(i).atMillis() - ticks.get(i - 1).atMillis());
        }
        // the paced stream sends every 100 ms; finishing the large answer must not hold its events back
        assertThat(worstGap).as("longest pause between the paced stream's events (ms)").isLessThan(1500);
    }

    @Test
    void nonStreamedAnswerOverTheLimitIsAnErrorNotAHugeBody() throws Exception {
        script("[slow:2mb]", 2 * MB / CHUNK.length(), 0);
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted(false, "[slow:2mb]"));
        assertThat(r.statusCode()).isEqualTo(502);
        assertThat(r.body().length()).isLessThan(4096);
        JsonNode error = SseClient.JSON.readTree(r.body()).path("error");
        assertThat(error.path("type").asText()).isEqualTo("api_error");
        assertThat(error.path("message").asText()).contains("gateway.http.max-response-bytes").contains("stream");

        HttpResponse<String> small = client.post("/v1/chat/completions", CHAT.formatted(false, "small answer"));
        assertThat(small.statusCode()).isEqualTo(200);
    }

    /** An answer of {@code chunks} copies of {@link #CHUNK}. */
    private void script(String match, int chunks, long delayMs) {
        simulator.addScenario(Scenario.builder(match).chunks(Collections.nCopies(chunks, CHUNK)
                .toArray(String[]::new)).chunkDelayMs(delayMs).build());
    }
}
