package io.lingma.gateway.lingma.ipc.camel;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.UpstreamFaultException;
import io.lingma.gateway.http.GatewayExchange;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code lingma-ipc} component on the built-in simulator: {@code lingma-ipc:chat} opens a running turn from the
 * exchange's normalised request and model, its endpoint options override the {@code gateway.ipc.*} defaults per
 * endpoint, upstream faults and client errors are told apart for the circuit breaker, and bad options stop the
 * endpoint from being created.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18340", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.ipc.session-mode=fresh",
                // a slow session/new stands for an unreachable Lingma here; a pooled session would skip it
                "gateway.ipc.session-pool.size=0"})
class LingmaIpcComponentTest {

    private static final ResolvedModel KIMI = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);

    @BeanInject
    CamelContext context;

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @Test
    void chatOpensARunningTurnFromTheExchangeProperties() throws Exception {
        Exchange done = send("lingma-ipc:chat", turn("Hello"));
        assertThat(done.getException()).isNull();
        try (UpstreamTurn turn = done.getMessage().getBody(UpstreamTurn.class)) {
            assertThat(turn).isNotNull();
            assertThat(turn.model().key()).isEqualTo("kmodel");
            assertThat(readText(turn)).isNotBlank();
        }
    }

    @Test
    void theSessionModeOptionOverridesTheSetting() throws Exception {
        // gateway.ipc.session-mode=fresh: every turn gets its own session; sessionMode=reuse shares one
        List<String> reused = sessionsOf("lingma-ipc:chat?sessionMode=reuse", "first question",
                "an unrelated second question");
        assertThat(reused.get(1)).isEqualTo(reused.get(0));
        List<String> fresh = sessionsOf("lingma-ipc:chat", "third question", "fourth question");
        assertThat(fresh.get(1)).isNotEqualTo(fresh.get(0));
    }

    @Test
    void optionsAreBoundFromTheUri() {
        LingmaIpcEndpoint endpoint = context.getEndpoint("lingma-ipc:chat?sessionMode=auto&setupTimeout=3s",
                LingmaIpcEndpoint.class);
        assertThat(endpoint.getOperation()).isEqualTo(LingmaIpcEndpoint.Operation.chat);
        assertThat(endpoint.getSessionMode()).hasToString("AUTO");
        assertThat(endpoint.getSetupTimeout()).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void badOptionsStopTheEndpoint() {
        for (String uri : List.of("lingma-ipc:chat?bogus=1", "lingma-ipc:chat?sessionMode=sometimes",
                "lingma-ipc:chat?setupTimeout=0s", "lingma-ipc:talk")) {
            assertThatThrownBy(() -> context.getEndpoint(uri)).as(uri)
                    .isInstanceOf(ResolveEndpointFailedException.class);
        }
    }

    @Test
    void aClientErrorIsNotAnUpstreamFault() {
        ChatTurn noUser = new ChatTurn("req-c", ApiProtocol.OPENAI_CHAT, "kmodel", "only a system text",
                List.of(ChatMessage.assistant("hi")), List.of(), ToolChoice.AUTO, true, null, false, false, null,
                null, List.of(), null, "-");
        Exchange done = send("lingma-ipc:chat", noUser);
        assertThat(done.getException()).isInstanceOf(GatewayException.class)
                .isNotInstanceOf(UpstreamFaultException.class);
    }

    @Test
    void anUnreachableLingmaIsAnUpstreamFault() {
        simulator.setMethodDelay("session/new", 2_000);
        try {
            Exchange done = send("lingma-ipc:chat?setupTimeout=200ms", turn("Hello"));
            assertThat(done.getException()).isInstanceOf(UpstreamFaultException.class);
        } finally {
            simulator.setMethodDelay("session/new", 0);
        }
    }

    @Test
    void modelsListsLingmasModels() {
        Object body = context.createProducerTemplate().requestBody("lingma-ipc:models", (Object) null);
        assertThat(body).isInstanceOf(List.class);
        assertThat(((List<?>) body).stream().map(m -> ((ModelInfo) m).key())).contains("kmodel");
    }

    private Exchange send(String uri, ChatTurn turn) {
        ProducerTemplate template = context.createProducerTemplate();
        return template.send(uri, exchange -> {
            exchange.setProperty(GatewayExchange.TURN, turn);
            exchange.setProperty(GatewayExchange.MODEL, KIMI);
        });
    }

    /** Runs one turn per text on {@code uri} and returns the Lingma session each prompt went to. */
    private List<String> sessionsOf(String uri, String... texts) throws InterruptedException {
        List<String> sessions = new java.util.ArrayList<>();
        for (String text : texts) {
            ChatTurn request = turn(text);
            Exchange done = send(uri, request);
            assertThat(done.getException()).isNull();
            try (UpstreamTurn turn = done.getMessage().getBody(UpstreamTurn.class)) {
                readText(turn);
            }
            sessions.add(simulator.prompts().stream().filter(p -> p.text().contains(text)).reduce((a, b) -> b)
                    .orElseThrow().sessionId());
        }
        return sessions;
    }

    private static ChatTurn turn(String userText) {
        return new ChatTurn("req-" + userText.hashCode(), ApiProtocol.OPENAI_CHAT, "kmodel", "",
                List.of(ChatMessage.user(userText)), List.of(), ToolChoice.AUTO, true, null, false, false, null, null,
                List.of(), null, "-");
    }

    private static String readText(UpstreamTurn turn) throws InterruptedException {
        StringBuilder text = new StringBuilder();
        long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
        while (System.nanoTime() < deadline) {
            ChatEvent e = turn.next(Duration.ofMillis(500));
            if (e instanceof ChatEvent.TextDelta d) {
                text.append(d.text());
            } else if (e instanceof ChatEvent.Failure f) {
                throw f.error();
            } else if (e != null && e.terminal()) {
                return text.toString();
            }
        }
        throw new AssertionError("the turn did not finish");
    }
}
