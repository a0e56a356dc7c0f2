package io.lingma.gateway.it;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.Scenario;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * One dropped Lingma WebSocket while several turns run on it: turns without output yet are replayed and succeed,
 * the drop counts once on the circuit breaker (not once per turn it ended), and every session opened on the lost
 * connection is deleted after reconnecting.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18241", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.ipc.session-mode=fresh",
                "gateway.breaker.minimum-number-of-calls=1000", "gateway.breaker.sliding-window-size=1000",
                // counts the sessions of turns only: pooled ones stay open until shutdown (SessionPoolTest)
                "gateway.ipc.session-pool.size=0"})
class ConnectionLossTest {

    private static final int PORT = 18241;
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
    private final ExecutorService readers = Executors.newCachedThreadPool();

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject("lingmaCircuitBreaker")
    CircuitBreaker breaker;

    /** A streamed response read on its own thread: {@code firstData} completes at the first data line. */
    private record Call(CompletableFuture<Void> firstData, CompletableFuture<Answer> done) {
    }

    private record Answer(int status, String body) {
    }

    @AfterAll
    void stopReaders() {
        readers.shutdownNow();
    }

    private boolean scenariosAdded;

    private synchronized void addScenarios() {
        if (scenariosAdded) {
            return;
        }
        scenariosAdded = true;
        // streaming for about 2.6 s; waiting 1.5 s for the first chunk (the replay waits again); dropping after 2 chunks
        simulator.addScenario(Scenario.builder("[cl:slow]").delayFirstChunkMs(0).chunkDelayMs(200).build());
        simulator.addScenario(Scenario.builder("[cl:late]").delayFirstChunkMs(1500).build());
        simulator.addScenario(Scenario.builder("[cl:drop]").chunks("partial ", "answer ", "never sent")
                .disconnectAfterChunks(2).build());
    }

    @Test
    void oneDroppedConnectionIsOneBreakerFailureAndTurnsWithoutOutputReplay() throws Exception {
        long failedBefore = breaker.getMetrics().getNumberOfFailedCalls();
        List<Answer> late = dropWhileBusy("a");
        for (Answer a : late) {
            assertThat(a.status()).isEqualTo(200);
            assertThat(a.body()).containsAnyOf("event: message_stop", "\"finish_reason\":\"stop\"")
                    .doesNotContain("\"error\"");
        }
        assertThat(breaker.getMetrics().getNumberOfFailedCalls() - failedBefore)
                .as("failures recorded for one dropped connection").isEqualTo(1);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void sessionsOpenedOnTheDroppedConnectionAreDeletedAfterReconnecting() throws Exception {
        dropWhileBusy("b");
        // fresh mode: every session must go, including those the lost connection left behind
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            assertThat(simulator.stats().sessionsDeleted()).isEqualTo(simulator.stats().sessionsCreated());
            assertThat(simulator.stats().activeSessions()).isZero();
        });
    }

    /**
     * Two streams mid-reply and two turns still waiting for their first chunk, then a turn that drops the
     * WebSocket.
     *
     * @return the answers of the two waiting turns
     */
    private List<Answer> dropWhileBusy(String tag) throws Exception {
        addScenarios();
        Call slowOpenAi = call("/v1/chat/completions", CHAT.formatted(true, "[cl:slow] " + tag + "1"));
        Call slowAnthropic = call("/v1/messages", MESSAGES.formatted(true, "[cl:slow] " + tag + "2"));
        slowOpenAi.firstData().get(10, TimeUnit.SECONDS);
        slowAnthropic.firstData().get(10, TimeUnit.SECONDS);
        Call lateStream = call("/v1/messages", MESSAGES.formatted(true, "[cl:late] " + tag + "3"));
        Call lateJson = call("/v1/chat/completions", CHAT.formatted(false, "[cl:late] " + tag + "4"));
        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.prompts().stream()
                .filter(p -> p.text().contains("[cl:late] " + tag)).count() == 2);
        Answer drop = call("/v1/chat/completions", CHAT.formatted(false, "[cl:drop] " + tag + "5")).done()
                .get(10, TimeUnit.SECONDS);
        assertThat(drop.status()).isEqualTo(502);
        assertThat(drop.body()).contains("upstream_incomplete");
        List<Answer> waiting = new ArrayList<>();
        for (Call c : List.of(slowOpenAi, slowAnthropic, lateStream, lateJson)) {
            Answer a = c.done().get(20, TimeUnit.SECONDS);
            if (c == lateStream || c == lateJson) {
                waiting.add(a);
            }
        }
        return waiting;
    }

    private Call call(String path, String body) {
        CompletableFuture<Void> first = new CompletableFuture<>();
        CompletableFuture<Answer> done = CompletableFuture.supplyAsync(() -> {
            HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + PORT + path))
                    .timeout(Duration.ofSeconds(20)).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build();
            try {
                HttpResponse<java.util.stream.Stream<String>> response =
                        http.send(request, HttpResponse.BodyHandlers.ofLines());
                StringBuilder all = new StringBuilder();
                response.body().forEach(line -> {
                    all.append(line).append('\n');
                    if (line.startsWith("data:")) {
                        first.complete(null);
                    }
                });
                first.complete(null);
                return new Answer(response.statusCode(), all.toString());
            } catch (Exception e) {
                first.completeExceptionally(e);
                throw new IllegalStateException(e);
            }
        }, readers);
        return new Call(first, done);
    }
}
