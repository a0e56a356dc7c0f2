package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.RecordedPrompt;
import io.lingma.gateway.simulator.SimulatorStats;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

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
 * The Lingma session pool at its defaults (issue 12 target 2): a request answered from a pooled session waits for
 * no {@code session/new} or {@code session/set_model}, more requests at once than pooled sessions still succeed,
 * and after the graceful shutdown the simulator has deleted every session it created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18470", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class SessionPoolTest {

    private final SseClient client = new SseClient(18470);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject
    CamelContext context;

    @Test
    void pooledTurnsSkipTheSetUpRoundTripsAndEverySessionIsDeletedAtShutdown() throws Exception {
        assertThat(post("warm up").statusCode()).isEqualTo(200);
        // the pool of kmodel fills to its default size of 2; auto mode keeps the used session in its cache
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(List.of(
                simulator.stats().sessionsCreated(), simulator.stats().activeSessions())).containsExactly(3L, 3L));
        List<String> ready = simulator.sessions();

        // a turn that waited for a set-up call would now take over 4 s
        simulator.setMethodDelay("session/new", 4000);
        simulator.setMethodDelay("session/set_model", 4000);
        long start = System.nanoTime();
        HttpResponse<String> pooled = post("pooled");
        long tookMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        simulator.setMethodDelay("session/new", 0);
        simulator.setMethodDelay("session/set_model", 0);
        assertThat(pooled.statusCode()).isEqualTo(200);
        assertThat(tookMs).as("ms for a pooled turn").isLessThan(2000);
        RecordedPrompt prompt = simulator.prompts().stream().filter(p -> p.text().contains("pooled")).findFirst()
                .orElseThrow();
        assertThat(ready).contains(prompt.sessionId());
        assertThat(prompt.modelId()).as("model set on the pooled session").isNotNull();

        // more at once than pooled sessions (and than turn slots: the rest queue for a slot)
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<CompletableFuture<HttpResponse<String>>> many = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String text = "concurrent " + i;
            many.add(CompletableFuture.supplyAsync(() -> post(text), clients));
        }
        for (CompletableFuture<HttpResponse<String>> r : many) {
            assertThat(r.get(30, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
        }
        clients.shutdown();
        assertThat(simulator.stats().activeSessions()).as("pooled sessions").isPositive();

        context.stop();

        SimulatorStats stats = simulator.stats();
        assertThat(stats.sessionsCreated()).isGreaterThanOrEqualTo(9);
        assertThat(stats.sessionsDeleted()).isEqualTo(stats.sessionsCreated());
        assertThat(stats.activeSessions()).isZero();
    }

    private HttpResponse<String> post(String prompt) {
        ObjectNode body = SseClient.JSON.createObjectNode().put("model", "kmodel");
        body.putArray("messages").addObject().put("role", "user").put("content", prompt);
        try {
            return client.post("/v1/chat/completions", body.toString());
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
