package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.SimulatorOptions;
import io.vertx.core.Vertx;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The gateway starts while no Lingma runs (readiness says so, chat answers 503), then serves as soon as Lingma
 * comes up — no restart.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=ipc", "gateway.http.port=18106", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.ipc.ws-url=ws://127.0.0.1:18107/",
                "gateway.ipc.reconnect-backoff-max=500ms"})
class LingmaDownAtStartTest {

    private final SseClient client = new SseClient(18106);
    private final Vertx vertx = Vertx.vertx();
    private LingmaSimulator lingma;

    @AfterAll
    void stopLingma() {
        if (lingma != null) {
            lingma.stop();
        }
        vertx.close();
    }

    @Test
    void readinessFollowsTheUpstream() throws Exception {
        HttpResponse<String> notReady = client.get("/healthz");
        assertThat(notReady.statusCode()).isEqualTo(503);
        assertThat(SseClient.JSON.readTree(notReady.body()).path("backend").asText()).isEqualTo("ipc");
        assertThat(client.get("/health").statusCode()).isEqualTo(200);

        HttpResponse<String> down = client.post("/v1/chat/completions",
                "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"anyone there?\"}]}");
        assertThat(down.statusCode()).isEqualTo(503);
        assertThat(SseClient.JSON.readTree(down.body()).at("/error/code").asText()).isEqualTo("backend_unavailable");

        lingma = new LingmaSimulator(vertx, SimulatorOptions.defaults().withPort(18107));
        lingma.start();

        await().atMost(Duration.ofSeconds(15)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.get("/healthz").statusCode() == 200);
        HttpResponse<String> up = client.post("/v1/chat/completions",
                "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"now?\"}]}");
        assertThat(up.statusCode()).isEqualTo(200);
        assertThat(up.body()).contains("now?");
    }
}
