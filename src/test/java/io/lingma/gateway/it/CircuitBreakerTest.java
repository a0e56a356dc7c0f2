package io.lingma.gateway.it;

import io.github.resilience4j.circuitbreaker.CircuitBreaker;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The breaker around opening an upstream turn opens after failures, fails fast, and recovers. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18104", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.breaker.minimum-number-of-calls=2", "gateway.breaker.sliding-window-size=2",
                "gateway.breaker.failure-rate-threshold=50", "gateway.breaker.wait-duration-in-open-state=1s",
                "gateway.simulator.scenarios=src/test/resources/scenarios/faults.yaml"})
class CircuitBreakerTest {

    private static final String CHAT = """
            {"model":"kmodel","messages":[{"role":"user","content":"%s"}]}""";

    private final SseClient client = new SseClient(18104);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject("lingmaCircuitBreaker")
    CircuitBreaker breaker;

    @Test
    void opensAfterUpstreamFailuresFailsFastAndRecovers() throws Exception {
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("[it:rpc-error] 1")).statusCode()).isEqualTo(502);
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("[it:rpc-error] 2")).statusCode()).isEqualTo(502);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.OPEN);

        int promptsBefore = simulator.prompts().size();
        HttpResponse<String> fast = client.post("/v1/chat/completions", CHAT.formatted("while open"));
        assertThat(fast.statusCode()).isEqualTo(503);
        assertThat(fast.headers().firstValue("retry-after")).isPresent();
        assertThat(SseClient.JSON.readTree(fast.body()).at("/error/code").asText()).isEqualTo("backend_unavailable");
        assertThat(simulator.prompts()).hasSize(promptsBefore);
        assertThat(SseClient.JSON.readTree(client.get("/health").body()).at("/circuit_breaker/state").asText())
                .isEqualTo("OPEN");

        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .until(() -> client.post("/v1/chat/completions", CHAT.formatted("after the wait")).statusCode() == 200);
        assertThat(breaker.getState()).isEqualTo(CircuitBreaker.State.CLOSED);
    }

    @Test
    void clientErrorsDoNotCountAsFailures() throws Exception {
        await().atMost(Duration.ofSeconds(10)).until(() -> breaker.getState() != CircuitBreaker.State.OPEN);
        for (int i = 0; i < 4; i++) {
            assertThat(client.post("/v1/chat/completions", "{\"messages\":[]}").statusCode()).isEqualTo(400);
        }
        assertThat(breaker.getState()).isNotEqualTo(CircuitBreaker.State.OPEN);
    }
}
