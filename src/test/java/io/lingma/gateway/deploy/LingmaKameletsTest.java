package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.ResolveEndpointFailedException;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * The Kamelets in {@code kamelets/} used from a plain Camel route (the {@code kamelet:} endpoint) and from the
 * {@code Pipe} example, run here as Camel K runs a Pipe: a route {@code source → steps → sink} of
 * {@code kamelet:name?properties} endpoints (timer-source and log-sink from the Kamelet catalogue).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18264", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class LingmaKameletsTest {

    private static final String GATEWAY = "http://127.0.0.1:18264";

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeanInject
    CamelContext context;

    @Test
    void theSinkSendsTheBodyAsThePromptAndLogsTheAnswer() {
        ProducerTemplate template = context.createProducerTemplate();
        String answer = template.requestBody("kamelet:lingma-chat-sink?gatewayUrl=" + GATEWAY
                + "&systemPrompt=RAW(Be brief & exact.)", "sink prompt \"quoted\"", String.class);
        assertThat(answer).startsWith("Hello from the Lingma simulator").contains("sink prompt \"quoted\"");
        assertThat(simulator.prompts()).anySatisfy(p ->
                assertThat(p.text()).contains("Be brief & exact.").contains("sink prompt \"quoted\""));
    }

    @Test
    void theApiKeyIsSentAsABearerTokenOnlyWhenGiven() throws Exception {
        List<String> authorization = new CopyOnWriteArrayList<>();
        HttpServer fake = HttpServer.create(new InetSocketAddress("127.0.0.1", 18265), 0);
        fake.createContext("/v1/chat/completions", exchange -> {
            String auth = exchange.getRequestHeaders().getFirst("Authorization");
            authorization.add(auth == null ? "<none>" : auth);
            byte[] body = "{\"choices\":[{\"message\":{\"role\":\"assistant\",\"content\":\"fake answer\"}}]}"
                    .getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        fake.start();
        try {
            ProducerTemplate template = context.createProducerTemplate();
            String url = "http://127.0.0.1:18265";
            assertThat(template.requestBody("kamelet:lingma-chat-action?gatewayUrl=" + url
                    + "&apiKey=RAW(s3cr&t+key=)", "q", String.class)).isEqualTo("fake answer");
            assertThat(template.requestBody("kamelet:lingma-chat-action?gatewayUrl=" + url, "q", String.class))
                    .isEqualTo("fake answer");
            assertThat(template.requestBody("kamelet:lingma-chat-sink?gatewayUrl=" + url
                    + "&apiKey=RAW(sink-key)", "q", String.class)).isEqualTo("fake answer");
            assertThat(authorization).containsExactly("Bearer s3cr&t+key=", "<none>", "Bearer sink-key");
        } finally {
            fake.stop(0);
        }
    }

    @Test
    void theRequiredGatewayUrlIsEnforced() {
        ProducerTemplate template = context.createProducerTemplate();
        assertThatThrownBy(() -> template.requestBody("kamelet:lingma-chat-action", "q", String.class))
                .isInstanceOf(ResolveEndpointFailedException.class).hasStackTraceContaining("gatewayUrl");
    }

    @Test
    void thePipeExampleRunsTimerSourceThroughTheActionToLogSink() throws Exception {
        JsonNode pipe = Kustomize.ofKind(Kustomize.readAll(Path.of("deploy", "camel-k", "lingma-chat-pipe.yaml")),
                "Pipe").get(0);
        JsonNode spec = pipe.path("spec");
        List<String> uris = new ArrayList<>();
        uris.add(bind(spec.path("source"), "source", Map.of()));
        int n = 0;
        for (JsonNode step : spec.path("steps")) {
            // the gateway's Service name resolves in the cluster only: this test's gateway stands in for it
            uris.add(bind(step, "step-" + n++, Map.of("gatewayUrl", GATEWAY)));
        }
        String sink = bind(spec.path("sink"), "sink", Map.of());
        assertThat(uris.get(1)).isEqualTo("kamelet:lingma-chat-action/step-0");
        List<String> logged = new CopyOnWriteArrayList<>();
        // a lambda, not a RouteBuilder subclass: Camel Main would find and instantiate one in this package
        RouteBuilder.addRoutes(context, rb -> {
            rb.interceptSendToEndpoint("kamelet:log-sink*").process(e -> logged.add(e.getIn().getBody(String.class)));
            RouteDefinition route = rb.from(uris.get(0)).routeId("lingma-chat-pipe");
            uris.subList(1, uris.size()).forEach(route::to);
            route.to(sink);
        });
        try {
            await().atMost(Duration.ofSeconds(30)).until(() -> !logged.isEmpty());
            String message = spec.at("/source/properties/message").asText();
            assertThat(logged.get(0)).startsWith("Hello from the Lingma simulator").contains(message);
            assertThat(simulator.prompts()).anySatisfy(p ->
                    assertThat(p.text()).contains("Answer in one sentence.").contains(message));
        } finally {
            context.getRouteController().stopRoute("lingma-chat-pipe");
            context.removeRoute("lingma-chat-pipe");
        }
    }

    /**
     * Binds a Pipe endpoint that refers to a Kamelet as Camel K does: the endpoint {@code kamelet:<name>/<id>}, its
     * properties as {@code camel.kamelet.<name>.<id>.<property>}.
     */
    private String bind(JsonNode endpoint, String id, Map<String, String> overrides) {
        assertThat(endpoint.at("/ref/kind").asText()).isEqualTo("Kamelet");
        String name = endpoint.at("/ref/name").asText();
        Map<String, String> properties = new LinkedHashMap<>();
        endpoint.path("properties").fields().forEachRemaining(f -> properties.put(f.getKey(), f.getValue().asText()));
        properties.putAll(overrides);
        properties.forEach((key, value) -> context.getPropertiesComponent()
                .addInitialProperty("camel.kamelet." + name + "." + id + "." + key, value));
        return "kamelet:" + name + "/" + id;
    }
}
