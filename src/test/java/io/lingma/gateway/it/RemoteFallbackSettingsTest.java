package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.remote.RecordedRemoteRequest;
import io.lingma.gateway.simulator.remote.RemoteFault;
import io.lingma.gateway.simulator.remote.RemoteSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * An operator changes the remote fallback order and the per-model breaker threshold in properties only (issue 8):
 * {@code gateway.remote.fallback.models} puts dashscope_qmodel right after kmodel, and
 * {@code gateway.remote.breaker.minimum-number-of-calls=1} opens kmodel's breaker after one failure.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=remote", "gateway.remote.simulator=true", "gateway.http.port=18430",
                "camel.management.enabled=false",
                "gateway.remote.fallback.models=kmodel,dashscope_qmodel,mmodel",
                "gateway.remote.breaker.minimum-number-of-calls=1", "gateway.remote.breaker.sliding-window-size=1",
                "gateway.breaker.minimum-number-of-calls=1000", "gateway.breaker.sliding-window-size=1000"})
class RemoteFallbackSettingsTest {

    private static final String CHAT = """
            {"model":"kmodel","messages":[{"role":"user","content":"%s"}]}""";

    @BeanInject("remoteSimulator")
    RemoteSimulator remote;

    @BeanInject
    CamelContext context;

    private final SseClient client = new SseClient(18430);

    @Test
    void theEditedOrderAndThresholdDecideWhichModelsAreTried() throws Exception {
        // the configured models have their own route from the start
        assertThat(context.getRoute("lingma-remote-model-dashscope_qmodel")).isNotNull();
        assertThat(client.get("/v1/models").statusCode()).isEqualTo(200);
        remote.setFault("kmodel", RemoteFault.httpStatus(503, "down"));
        try {
            HttpResponse<String> first = client.post("/v1/chat/completions", CHAT.formatted("edited order"));
            assertThat(first.statusCode()).isEqualTo(200);
            assertThat(first.headers().firstValue("x-lingma-model")).hasValue("dashscope_qmodel");
            assertThat(modelsAsked("edited order")).containsExactly("kmodel", "dashscope_qmodel");

            // one failure opened kmodel's breaker: the next request does not try it
            HttpResponse<String> second = client.post("/v1/chat/completions", CHAT.formatted("breaker open"));
            assertThat(second.statusCode()).isEqualTo(200);
            assertThat(modelsAsked("breaker open")).containsExactly("dashscope_qmodel");
        } finally {
            remote.clearFaults();
        }
    }

    private List<String> modelsAsked(String userText) {
        return remote.requests().stream().filter(r -> r.path().endsWith("agent_chat_generation"))
                .filter(r -> userText.equals(r.lastUserText())).map(RecordedRemoteRequest::modelKey).toList();
    }
}
