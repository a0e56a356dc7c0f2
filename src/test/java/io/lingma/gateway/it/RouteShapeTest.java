package io.lingma.gateway.it;

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

import java.util.List;

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
    void theRemoteTurnRouteIsOnlyThereForTheRemoteBackend() {
        assertThat(context.getRoute("lingma-remote-turn")).isNull();
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
