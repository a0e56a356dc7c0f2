package io.lingma.gateway.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.StopReason;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseFunctionToolCall;
import com.openai.models.responses.ResponseInputItem;
import com.openai.models.responses.ResponseStreamEvent;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static io.lingma.gateway.it.WeatherTools.weatherFunction;
import static io.lingma.gateway.it.WeatherTools.weatherFunctionTool;
import static io.lingma.gateway.it.WeatherTools.weatherTool;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tool calling through the official SDKs on the IPC backend (prompt-emulated tools, client-api.md §10): a call
 * comes back, the result goes back in, the model answers from it — on Chat Completions, Messages and Responses.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18111", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.simulator.scenarios=src/test/resources/scenarios/tools.yaml"})
class ToolCallingTest {

    private static final String BASE = "http://127.0.0.1:18111";

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private final SseClient client = new SseClient(18111);
    private final OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(BASE + "/v1").apiKey("x")
            .maxRetries(0).build();
    private final AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(BASE).apiKey("x")
            .maxRetries(0).build();

    @AfterAll
    void close() {
        openai.close();
        anthropic.close();
    }

    @Test
    void openAiChatToolCallRoundTrip() {
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("kmodel")
                .addUserMessage("[it:weather] How is the weather in Paris?").addFunctionTool(weatherFunction()).build();
        ChatCompletion c = openai.chat().completions().create(first);
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        ChatCompletionMessageFunctionToolCall call = choice.message().toolCalls().orElseThrow().get(0).asFunction();
        assertThat(call.id()).matches("call_[A-Za-z0-9]{24}");
        assertThat(call.function().name()).isEqualTo("get_weather");
        assertThat(call.function().arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(choice.message().content().orElse("")).doesNotContain("```");
        assertThat(simulator.prompts()).anySatisfy(p -> assertThat(p.text()).contains("Available tools:")
                .contains("get_weather(city)"));

        ChatCompletion answer = openai.chat().completions().create(first.toBuilder()
                .addMessage(choice.message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("sunny, 22C").build())
                .build());
        assertThat(answer.choices().get(0).message().content()).hasValueSatisfying(
                t -> assertThat(t).contains("sunny in Paris"));
        assertThat(answer.choices().get(0).finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.STOP);
        assertThat(simulator.prompts()).anySatisfy(p -> assertThat(p.text())
                .contains("Tool result for " + call.id() + " (get_weather)").contains("sunny, 22C")
                .contains("\"tool\":\"get_weather\""));
    }

    @Test
    void openAiChatStreamsToolCallsWithoutLeakingTheActionBlock() {
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var stream = openai.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("kmodel").addUserMessage("[it:weather] stream it").addFunctionTool(weatherFunction()).build())) {
            stream.stream().forEach(chunks::add);
        }
        StringBuilder text = new StringBuilder();
        List<ChatCompletionChunk.Choice.Delta.ToolCall> calls = new ArrayList<>();
        chunks.forEach(ch -> ch.choices().forEach(x -> {
            x.delta().content().ifPresent(text::append);
            x.delta().toolCalls().ifPresent(calls::addAll);
        }));
        assertThat(text.toString()).contains("Let me check the weather.").doesNotContain("```").doesNotContain("\"tool\"");
        assertThat(calls).hasSize(1);
        assertThat(calls.get(0).index()).isZero();
        assertThat(calls.get(0).function().orElseThrow().name()).contains("get_weather");
        assertThat(calls.get(0).function().orElseThrow().arguments()).contains("{\"city\":\"Paris\"}");
        assertThat(chunks).anySatisfy(ch -> assertThat(ch.choices()).anySatisfy(x -> assertThat(x.finishReason())
                .contains(ChatCompletionChunk.Choice.FinishReason.TOOL_CALLS)));
    }

    @Test
    void anthropicToolUseRoundTripStreamingAndNot() {
        MessageCreateParams first = MessageCreateParams.builder().model("kmodel").maxTokens(512)
                .addUserMessage("[it:weather] weather in Paris?").addTool(weatherTool()).build();
        Message m = anthropic.messages().create(first);
        assertThat(m.stopReason()).contains(StopReason.TOOL_USE);
        ToolUseBlock use = m.content().stream().filter(b -> b.isToolUse()).findFirst().orElseThrow().asToolUse();
        assertThat(use.id()).matches("toolu_01[A-Za-z0-9]{22}");
        assertThat(use.name()).isEqualTo("get_weather");
        assertThat(use._input().toString()).contains("Paris");

        MessageAccumulator acc = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(first)) {
            s.stream().forEach(e -> {
                events.add(e);
                acc.accumulate(e);
            });
        }
        assertThat(acc.message().stopReason()).contains(StopReason.TOOL_USE);
        assertThat(acc.message().content()).anySatisfy(b -> assertThat(b.isToolUse()).isTrue());
        assertThat(events).anySatisfy(e -> assertThat(e.isContentBlockDelta()
                && e.asContentBlockDelta().delta().isInputJson()).isTrue());

        Message answer = anthropic.messages().create(first.toBuilder().addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam.builder()
                        .toolUseId(use.id()).content("sunny, 22C").build())))
                .build());
        assertThat(answer.stopReason()).contains(StopReason.END_TURN);
        assertThat(answer.content().get(0).text()).hasValueSatisfying(t -> assertThat(t.text()).contains("sunny"));
    }

    @Test
    void responsesFunctionCallRoundTripStreamingAndNot() {
        FunctionTool tool = weatherFunctionTool();
        ResponseCreateParams first = ResponseCreateParams.builder().model("kmodel")
                .input("[it:weather] weather in Paris?").addTool(tool).build();
        Response r = openai.responses().create(first);
        ResponseFunctionToolCall call = r.output().stream().filter(o -> o.isFunctionCall()).findFirst().orElseThrow()
                .asFunctionCall();
        assertThat(call.name()).isEqualTo("get_weather");
        assertThat(call.arguments()).isEqualTo("{\"city\":\"Paris\"}");
        assertThat(call.callId()).startsWith("call_");

        List<ResponseStreamEvent> events = new ArrayList<>();
        try (var s = openai.responses().createStreaming(first)) {
            s.stream().forEach(events::add);
        }
        assertThat(events.get(events.size() - 1).isCompleted()).isTrue();
        assertThat(events).anySatisfy(e -> assertThat(e.isFunctionCallArgumentsDone()).isTrue());

        Response answer = openai.responses().create(ResponseCreateParams.builder().model("kmodel").addTool(tool)
                .inputOfResponse(List.of(
                        ResponseInputItem.ofEasyInputMessage(com.openai.models.responses.EasyInputMessage.builder()
                                .role(com.openai.models.responses.EasyInputMessage.Role.USER)
                                .content("[it:weather] weather in Paris?").build()),
                        ResponseInputItem.ofFunctionCall(call),
                        ResponseInputItem.ofFunctionCallOutput(ResponseInputItem.FunctionCallOutput.builder()
                                .callId(call.callId()).output("sunny, 22C").build())))
                .build());
        StringBuilder text = new StringBuilder();
        answer.output().stream().filter(o -> o.isMessage()).forEach(o -> o.asMessage().content()
                .forEach(c -> c.outputText().ifPresent(t -> text.append(t.text()))));
        assertThat(text.toString()).contains("sunny in Paris");
    }

    @Test
    void aRefusalIsRetriedOnceInTheSameLingmaSessionAndTheRetryCallWins() {
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder().model("kmodel")
                .addUserMessage("[it:refuse] check the weather in Berlin").addFunctionTool(weatherFunction()).build());
        ChatCompletion.Choice choice = c.choices().get(0);
        assertThat(choice.finishReason()).isEqualTo(ChatCompletion.Choice.FinishReason.TOOL_CALLS);
        assertThat(choice.message().toolCalls().orElseThrow().get(0).asFunction().function().arguments())
                .isEqualTo("{\"city\":\"Berlin\"}");
        var prompts = simulator.prompts().stream().filter(p -> p.text().contains("check the weather in Berlin"))
                .toList();
        assertThat(prompts).hasSize(2);
        assertThat(prompts.get(1).sessionId()).isEqualTo(prompts.get(0).sessionId());
        assertThat(prompts.get(1).requestId()).startsWith("gw-retry-");
        assertThat(prompts.get(1).text()).startsWith(prompts.get(0).text())
                .contains("Your previous reply contained no action block.");
    }

    @Test
    void toolModeStaysOnWhileToolHistoryExists() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", """
                {"model":"kmodel","messages":[
                 {"role":"user","content":"weather in Paris?"},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_abc","type":"function",
                   "function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
                 {"role":"tool","tool_call_id":"call_abc","content":"sunny"},
                 {"role":"user","content":"[it:again] and in Rome?"}]}""");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode choice = SseClient.JSON.readTree(r.body()).at("/choices/0");
        assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(choice.at("/message/tool_calls/0/function/arguments").asText()).isEqualTo("{\"city\":\"Rome\"}");
        assertThat(choice.at("/message/content").isNull()).isTrue();
    }

    @Test
    void previousResponseIdGetsAClearError() throws Exception {
        HttpResponse<String> r = client.post("/v1/responses",
                "{\"model\":\"kmodel\",\"input\":\"hi\",\"previous_response_id\":\"resp_123\"}");
        assertThat(r.statusCode()).isEqualTo(400);
        assertThat(SseClient.JSON.readTree(r.body()).at("/error/message").asText())
                .contains("previous_response_id is not supported");
    }

    @Test
    void forcedUnknownToolAndAllowlistAreRejected() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", """
                {"model":"kmodel","messages":[{"role":"user","content":"hi"}],
                 "tools":[{"type":"function","function":{"name":"read_file","parameters":{"type":"object"}}}],
                 "tool_choice":{"type":"function","function":{"name":"nope"}}}""");
        assertThat(r.statusCode()).isEqualTo(400);
        JsonNode e = SseClient.JSON.readTree(r.body());
        assertThat(e.at("/error/message").asText()).contains("nope");
    }
}
