package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Beyond the concurrency limit and its queue timeout, requests get 429 with Retry-After. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18105", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.concurrency.max-in-flight=1",
                "gateway.concurrency.queue-timeout=300ms", "gateway.concurrency.retry-after=7",
                "gateway.simulator.scenarios=src/test/resources/scenarios/faults.yaml"})
class ConcurrencyLimitTest {

    private final SseClient client = new SseClient(18105);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @Test
    void secondRequestWhileTheFirstStreamsIsRejected() throws Exception {
        CompletableFuture<SseClient.Stream> slow = CompletableFuture.supplyAsync(() -> {
            try {
                return client.stream("/v1/chat/completions",
                        "{\"model\":\"kmodel\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"[it:slow] hold the slot\"}]}");
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        await().atMost(Duration.ofSeconds(5)).until(() -> simulator.prompts().stream()
                .anyMatch(p -> p.text().contains("hold the slot")));

        HttpResponse<String> rejected = client.post("/v1/messages",
                "{\"model\":\"kmodel\",\"max_tokens\":8,\"messages\":[{\"role\":\"user\",\"content\":\"second\"}]}");
        assertThat(rejected.statusCode()).isEqualTo(429);
        assertThat(rejected.headers().firstValue("retry-after")).contains("7");
        assertThat(SseClient.JSON.readTree(rejected.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");

        assertThat(slow.get().status()).isEqualTo(200);
        HttpResponse<String> after = client.post("/v1/chat/completions",
                "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"slot is free\"}]}");
        assertThat(after.statusCode()).isEqualTo(200);
    }
}
