package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.Scenario;
import io.lingma.gateway.simulator.SimulatorStats;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A graceful shutdown deletes every Lingma session the gateway still holds (the auto-mode session cache, sessions
 * a dropped connection left behind) before the connection, the simulator and Vert.x go away.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18242", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class GracefulShutdownTest {

    private final SseClient client = new SseClient(18242);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject
    CamelContext context;

    @Test
    void everySessionCreatedIsDeletedByTheGracefulShutdown() throws Exception {
        simulator.addScenario(Scenario.builder("[gs:drop]").chunks("partial ", "answer ", "never sent")
                .disconnectAfterChunks(2).delayFirstChunkMs(300).build());
        ExecutorService clients = Executors.newFixedThreadPool(6);
        List<CompletableFuture<HttpResponse<String>>> first = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            String prompt = "conversation " + i;
            first.add(CompletableFuture.supplyAsync(() -> post(chat(prompt, null)), clients));
        }
        // while those run: a turn that drops the WebSocket under them
        assertThat(post(chat("[gs:drop] x", null)).statusCode()).isEqualTo(502);
        List<Integer> answered = new ArrayList<>();
        List<String> answers = new ArrayList<>();
        for (int i = 0; i < first.size(); i++) {
            HttpResponse<String> r = first.get(i).get(20, TimeUnit.SECONDS);
            answers.add(SseClient.JSON.readTree(r.body()).at("/choices/0/message/content").asText(""));
            if (r.statusCode() == 200) {
                answered.add(i);
            }
        }
        clients.shutdown();
        // continue two conversations: their sessions come out of the cache and go back into it
        assertThat(answered).hasSizeGreaterThanOrEqualTo(2);
        for (int i : answered.subList(0, 2)) {
            HttpResponse<String> r = post(chat("conversation " + i, answers.get(i)));
            assertThat(r.statusCode()).isEqualTo(200);
        }
        assertThat(simulator.stats().activeSessions()).as("sessions the gateway holds").isPositive();

        context.stop();

        SimulatorStats stats = simulator.stats();
        assertThat(stats.sessionsCreated()).isGreaterThanOrEqualTo(7);
        assertThat(stats.sessionsDeleted()).isEqualTo(stats.sessionsCreated());
        assertThat(stats.activeSessions()).isZero();
    }

    private HttpResponse<String> post(String body) {
        try {
            return client.post("/v1/chat/completions", body);
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static String chat(String prompt, String previousAnswer) {
        ObjectNode body = SseClient.JSON.createObjectNode().put("model", "kmodel");
        var messages = body.putArray("messages");
        messages.addObject().put("role", "user").put("content", prompt);
        if (previousAnswer != null) {
            messages.addObject().put("role", "assistant").put("content", previousAnswer);
            messages.addObject().put("role", "user").put("content", "and then?");
        }
        return body.toString();
    }
}
