package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The real requests recorded from Claude Code 2.1.197 and Codex CLI 0.169.0 (../shared/fixtures/clients) are
 * replayed as recorded — bodies, query and non-secret headers — and answered: first turns, tool first turns
 * (a tool call comes back) and tool-result turns (the model answers from the result).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18112", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.simulator.scenarios=src/test/resources/scenarios/tools.yaml"})
class ClientFixturesTest {

    private static final Path FIXTURES = Path.of(System.getProperty("user.dir"))
            .resolve("../shared/fixtures/clients");

    private final SseClient client = new SseClient(18112);

    private SseClient.Stream replay(String file) throws Exception {
        JsonNode fixture = SseClient.JSON.readTree(Files.readString(FIXTURES.resolve(file)));
        StringBuilder path = new StringBuilder(fixture.path("path").asText());
        if (fixture.path("query").size() > 0) {
            List<String> q = new ArrayList<>();
            fixture.path("query").fields().forEachRemaining(e -> q.add(e.getKey() + "=" + e.getValue().asText()));
            path.append('?').append(String.join("&", q));
        }
        List<String> headers = new ArrayList<>();
        fixture.path("headers").fields().forEachRemaining(e -> {
            String name = e.getKey().toLowerCase();
            if (!name.equals("authorization") && !name.equals("x-api-key") && !name.equals("content-type")
                    && !name.equals("accept-encoding")) {
                headers.add(e.getKey());
                headers.add(e.getValue().asText());
            }
        });
        ObjectNode body = (ObjectNode) fixture.path("body");
        return client.stream(path.toString(), SseClient.JSON.writeValueAsString(body), headers.toArray(String[]::new));
    }

    private static List<JsonNode> payloads(SseClient.Stream s) {
        return s.dataEvents().stream().filter(e -> !"[DONE]".equals(e.data())).map(SseClient.Event::json).toList();
    }

    @Test
    void claudeCodeFirstTurn() throws Exception {
        SseClient.Stream s = replay("claude-code-2.1.197-messages-first-turn.json");
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.eventNames()).startsWith("message_start").endsWith("message_stop");
        assertThat(payloads(s)).anySatisfy(p -> assertThat(p.at("/delta/text").asText()).isNotEmpty());
    }

    @Test
    void claudeCodeToolFirstTurnGetsABashToolUse() throws Exception {
        SseClient.Stream s = replay("claude-code-2.1.197-messages-tool-first-turn.json");
        assertThat(s.status()).isEqualTo(200);
        JsonNode toolUse = payloads(s).stream().filter(p -> "tool_use".equals(p.at("/content_block/type").asText()))
                .findFirst().orElseThrow().path("content_block");
        assertThat(toolUse.path("name").asText()).isEqualTo("Bash");
        String input = payloads(s).stream().filter(p -> "input_json_delta".equals(p.at("/delta/type").asText()))
                .map(p -> p.at("/delta/partial_json").asText()).reduce("", String::concat);
        assertThat(SseClient.JSON.readTree(input).path("command").asText()).isEqualTo("echo hello-from-tool");
        assertThat(payloads(s)).anySatisfy(p -> assertThat(p.at("/delta/stop_reason").asText()).isEqualTo("tool_use"));
        assertThat(s.events().stream().filter(e -> e.data() != null).map(SseClient.Event::data))
                .noneMatch(d -> d.contains("```json"));
    }

    @Test
    void claudeCodeToolResultTurnIsAnswered() throws Exception {
        SseClient.Stream s = replay("claude-code-2.1.197-messages-tool-result-turn.json");
        assertThat(s.status()).isEqualTo(200);
        String text = payloads(s).stream().map(p -> p.at("/delta/text").asText("")).reduce("", String::concat);
        assertThat(text).contains("hello-from-tool");
        assertThat(payloads(s)).anySatisfy(p -> assertThat(p.at("/delta/stop_reason").asText()).isEqualTo("end_turn"));
    }

    @Test
    void codexFirstTurnsComplete() throws Exception {
        for (String file : List.of("codex-0.169.0-responses-first-turn.json",
                "codex-0.169.0-custom-model-responses-first-turn.json")) {
            SseClient.Stream s = replay(file);
            assertThat(s.status()).as(file).isEqualTo(200);
            assertThat(s.eventNames()).as(file).startsWith("response.created").endsWith("response.completed");
            assertThat(s.eventNames()).as(file).contains("response.output_text.delta");
        }
    }

    @Test
    void codexCustomModelToolTurnsRoundTrip() throws Exception {
        SseClient.Stream first = replay("codex-0.169.0-custom-model-responses-tool-first-turn.json");
        JsonNode call = payloads(first).stream()
                .filter(p -> "response.output_item.done".equals(p.path("type").asText())
                        && "function_call".equals(p.at("/item/type").asText()))
                .findFirst().orElseThrow().path("item");
        assertThat(call.path("name").asText()).isEqualTo("exec_command");
        assertThat(SseClient.JSON.readTree(call.path("arguments").asText()).path("cmd").asText())
                .isEqualTo("echo hello-from-tool");

        SseClient.Stream result = replay("codex-0.169.0-custom-model-responses-tool-result-turn.json");
        assertThat(result.eventNames()).endsWith("response.completed");
        String text = payloads(result).stream().map(p -> p.path("delta").asText("")).reduce("", String::concat);
        assertThat(text).contains("hello-from-tool");
    }

    @Test
    void codexDefaultModelFreeformToolTurnsRoundTrip() throws Exception {
        SseClient.Stream first = replay("codex-0.169.0-responses-tool-first-turn.json");
        JsonNode call = payloads(first).stream()
                .filter(p -> "response.output_item.done".equals(p.path("type").asText())
                        && "custom_tool_call".equals(p.at("/item/type").asText()))
                .findFirst().orElseThrow().path("item");
        assertThat(call.path("name").asText()).isEqualTo("exec");
        assertThat(call.path("input").asText()).contains("echo hello-from-tool");

        SseClient.Stream result = replay("codex-0.169.0-responses-tool-result-turn.json");
        assertThat(result.eventNames()).endsWith("response.completed");
        String text = payloads(result).stream().map(p -> p.path("delta").asText("")).reduce("", String::concat);
        assertThat(text).contains("hello-from-tool");
    }
}
