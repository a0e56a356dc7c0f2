package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.BeanInject;
import org.apache.camel.CamelContext;
import org.apache.camel.model.ChoiceDefinition;
import org.apache.camel.model.CircuitBreakerDefinition;
import org.apache.camel.model.ModelCamelContext;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.ToDefinition;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The routes show the data flow (issue 8 §1): the chat route chooses the backend visibly, and the IPC turn is a
 * circuit breaker around the {@code lingma-ipc:chat} endpoint, followed inside the breaker by the tool pipeline and
 * the wait for the first event, each a step with its own id.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18341", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class RouteShapeTest {

    @BeanInject
    CamelContext context;

    @Test
    void theChatRouteChoosesTheBackend() {
        ChoiceDefinition backend = node("chat", "backend", ChoiceDefinition.class);
        assertThat(uris(backend)).containsExactly("direct:lingma-remote-turn", "direct:lingma-ipc-turn");
    }

    @Test
    void theIpcTurnIsABreakerAroundTheEndpoint() {
        CircuitBreakerDefinition breaker = node("lingma-ipc-turn", "lingma-ipc-breaker",
                CircuitBreakerDefinition.class);
        assertThat(breaker.getOutputs()).extracting(ProcessorDefinition::getId)
                .containsExactly("open-ipc-turn", "tool-emulation", "await-first-event");
        ToDefinition open = (ToDefinition) breaker.getOutputs().get(0);
        assertThat(open.getEndpointUri()).startsWith("lingma-ipc:chat");
        assertThat(context.getRoute("lingma-ipc-turn").getEndpoint().getEndpointUri())
                .isEqualTo("direct://lingma-ipc-turn");
    }

    @Test
    void aNonStreamedAnswerNamesItsModelAndTheSessionsContextUsage() throws Exception {
        HttpResponse<String> answer = new SseClient(18341).post("/v1/chat/completions",
                "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}");
        assertThat(answer.statusCode()).isEqualTo(200);
        assertThat(answer.headers().firstValue("X-Lingma-Model")).hasValue("kmodel");
        assertThat(answer.headers().firstValue("X-Lingma-Context-Usage")).hasValueSatisfying(
                v -> assertThat(v).matches("[1-9][0-9]*/[1-9][0-9]*"));
        assertThat(answer.headers().firstValue("Content-Type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
    }

    @Test
    void theRemoteTurnRouteIsOnlyThereForTheRemoteBackend() {
        assertThat(context.getRoute("lingma-remote-turn")).isNull();
    }

    /**
     * Bean parameters are bound by annotation, not by a simple expression evaluated per exchange
     * ({@code method: "x(${body}, …)"}), and no expression navigates into an object or map ({@code ${body.model.key}},
     * {@code ${exchangeProperty.gatewayTurn.stream}}, {@code ${body[ready]}}): each costs an OGNL evaluation and
     * type-converter look-ups on every request (architecture.md §3 "Bean calls in routes").
     */
    @Test
    void routesBindBeanParametersWithoutPerRequestExpressions() throws Exception {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        List<String> offending = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(Path.of("routes"), "*.camel.yaml")) {
            for (Path file : files) {
                collect(file.getFileName().toString(), "", yaml.readTree(file.toFile()), offending);
            }
        }
        assertThat(offending).isEmpty();
    }

    private static final Pattern OGNL = Pattern.compile(
            "\\$\\{(body|(exchangeProperty|header|variable)\\.[A-Za-z0-9_-]+)[.\\[?]");

    private static void collect(String file, String path, JsonNode node, List<String> offending) {
        if (node.isContainerNode()) {
            node.fields().forEachRemaining(e -> collect(file, path + "/" + e.getKey(), e.getValue(), offending));
            for (int i = 0; node.isArray() && i < node.size(); i++) {
                collect(file, path + "[" + i + "]", node.get(i), offending);
            }
            return;
        }
        String text = node.asText();
        boolean boundByExpression = path.endsWith("/method") && text.contains("(");
        if (boundByExpression || OGNL.matcher(text).find()) {
            offending.add(file + " " + path + ": " + text);
        }
    }

    private <T extends ProcessorDefinition<?>> T node(String routeId, String nodeId, Class<T> type) {
        RouteDefinition route = ((ModelCamelContext) context).getRouteDefinition(routeId);
        assertThat(route).as(routeId).isNotNull();
        return ProcessorDefinitionHelper.filterTypeInOutputs(route.getOutputs(), type).stream()
                .filter(d -> nodeId.equals(d.getId())).findFirst()
                .orElseThrow(() -> new AssertionError("no " + nodeId + " in " + routeId));
    }

    private static List<String> uris(ChoiceDefinition choice) {
        return ProcessorDefinitionHelper.filterTypeInOutputs(List.of(choice), ToDefinition.class).stream()
                .map(ToDefinition::getEndpointUri).toList();
    }
}
