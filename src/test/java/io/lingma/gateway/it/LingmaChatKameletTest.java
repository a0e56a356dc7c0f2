package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/** The {@code lingma-chat-action} Kamelet asks a running gateway and returns the answer text. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18108", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class LingmaChatKameletTest {

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject
    CamelContext context;

    @Test
    void asksTheGatewayAndReturnsTheAnswerText() {
        ProducerTemplate template = context.createProducerTemplate();
        String prompt = "Quote \"this\" and a backslash \\ and a newline\nplease";
        String answer = template.requestBody(
                "kamelet:lingma-chat-action?gatewayUrl=http://127.0.0.1:18108&model=Qwen3-Coder"
                        + "&systemPrompt=Answer in one line.", prompt, String.class);
        assertThat(answer).startsWith("Hello from the Lingma simulator").contains("Quote \"this\" and a backslash");
        assertThat(simulator.prompts()).anySatisfy(p -> {
            assertThat(p.text()).contains("Answer in one line.").contains("backslash \\ and a newline\nplease");
            assertThat(p.modelId()).isEqualTo("dashscope_qwen3_coder");
        });
    }
}
