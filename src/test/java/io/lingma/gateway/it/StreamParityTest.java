package io.lingma.gateway.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.ContentBlock;
import com.anthropic.models.messages.ContentBlockParam;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCountTokensParams;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.MessageParam;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.anthropic.models.messages.ToolResultBlockParam;
import com.anthropic.models.messages.ToolUseBlock;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageFunctionToolCall;
import com.openai.models.chat.completions.ChatCompletionStreamOptions;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import com.openai.models.completions.CompletionUsage;
import com.openai.models.responses.FunctionTool;
import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseCreateParams;
import com.openai.models.responses.ResponseOutputItem;
import com.openai.models.responses.ResponseStreamEvent;
import com.openai.models.responses.ResponseUsage;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

import static io.lingma.gateway.it.WeatherTools.weatherFunction;
import static io.lingma.gateway.it.WeatherTools.weatherFunctionTool;
import static io.lingma.gateway.it.WeatherTools.weatherTool;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A streamed and a non-streamed request get the same answer: the same usage numbers (client-api.md §12; Anthropic
 * {@code message_delta.usage} carries the final {@code input_tokens}, which the SDKs take from there), the same
 * text before and after a tool call (§10.9), and on Messages the same {@code input_tokens} as
 * {@code count_tokens} (§7) — on all three client APIs, through the official SDKs.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18235", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.simulator.scenarios=src/test/resources/scenarios/parity.yaml"})
class StreamParityTest {

    private static final String BASE = "http://127.0.0.1:18235";
    /** Plain text, text then a call, whitespace around text and call, and a call with only whitespace around it. */
    private static final List<String> PROMPTS = List.of("[par:plain] say something", "[par:tool] weather in Paris?",
            "[par:padded] weather in Paris?", "[par:only] weather in Paris?");

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private final OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(BASE + "/v1").apiKey("x")
            .maxRetries(0).build();
    private final AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(BASE).apiKey("x")
            .maxRetries(0).build();

    @AfterAll
    void close() {
        openai.close();
        anthropic.close();
    }

    // ---- Chat Completions ----

    /** What a chat client ends up with: text, calls as "name args", usage numbers. */
    private record ChatOutcome(String text, List<String> calls, List<Long> usage) {
    }

    private static List<Long> usage(CompletionUsage u) {
        return List.of(u.promptTokens(), u.completionTokens(), u.totalTokens());
    }

    private ChatOutcome chat(ChatCompletionCreateParams params) {
        ChatCompletion c = openai.chat().completions().create(params);
        ChatCompletion.Choice choice = c.choices().get(0);
        List<String> calls = choice.message().toolCalls().orElse(List.of()).stream()
                .map(t -> t.asFunction().function().name() + " " + t.asFunction().function().arguments()).toList();
        return new ChatOutcome(choice.message().content().orElse(""), calls, usage(c.usage().orElseThrow()));
    }

    private ChatOutcome chatStreamed(ChatCompletionCreateParams params) {
        StringBuilder text = new StringBuilder();
        List<String> calls = new ArrayList<>();
        List<ChatCompletionChunk> chunks = new ArrayList<>();
        try (var s = openai.chat().completions().createStreaming(params.toBuilder()
                .streamOptions(ChatCompletionStreamOptions.builder().includeUsage(true).build()).build())) {
            s.stream().forEach(chunks::add);
        }
        chunks.forEach(ch -> ch.choices().forEach(x -> {
            x.delta().content().ifPresent(text::append);
            x.delta().toolCalls().ifPresent(list -> list.forEach(t -> calls.add(t.function().orElseThrow().name()
                    .orElse("") + " " + t.function().orElseThrow().arguments().orElse(""))));
        }));
        return new ChatOutcome(text.toString(), calls, usage(chunks.get(chunks.size() - 1).usage().orElseThrow()));
    }

    @Test
    void openAiChatStreamedAndNotGiveTheSameTextCallsAndUsage() {
        for (String prompt : PROMPTS) {
            ChatCompletionCreateParams params = ChatCompletionCreateParams.builder().model("kmodel")
                    .addUserMessage(prompt).addFunctionTool(weatherFunction()).build();
            assertThat(chatStreamed(params)).as(prompt).isEqualTo(chat(params));
        }
        ChatCompletionCreateParams noTools = ChatCompletionCreateParams.builder().model("kmodel")
                .addUserMessage(PROMPTS.get(0)).build();
        assertThat(chatStreamed(noTools)).isEqualTo(chat(noTools));
    }

    @Test
    void openAiChatContinuationAfterAToolResultCountsTheSameStreamedAndNot() {
        ChatCompletionCreateParams first = ChatCompletionCreateParams.builder().model("kmodel")
                .addUserMessage("[par:tool] weather in Paris? (chat continuation)").addFunctionTool(weatherFunction())
                .build();
        ChatCompletion c = openai.chat().completions().create(first);
        ChatCompletionMessageFunctionToolCall call = c.choices().get(0).message().toolCalls().orElseThrow().get(0)
                .asFunction();
        ChatCompletionCreateParams next = first.toBuilder().addMessage(c.choices().get(0).message())
                .addMessage(ChatCompletionToolMessageParam.builder().toolCallId(call.id()).content("sunny, 22C")
                        .build())
                .build();
        ChatOutcome plain = chat(next);
        assertThat(plain.text()).contains("sunny in Paris");
        assertThat(chatStreamed(next)).isEqualTo(plain);
    }

    // ---- Messages ----

    /** What a Messages client ends up with: text, calls as "name input", input and output tokens. */
    private record MessageOutcome(String text, List<String> calls, long inputTokens, long outputTokens) {
        static MessageOutcome of(Message m) {
            StringBuilder text = new StringBuilder();
            List<String> calls = new ArrayList<>();
            for (ContentBlock b : m.content()) {
                b.text().ifPresent(t -> text.append(t.text()));
                b.toolUse().ifPresent(t -> calls.add(t.name() + " " + t._input()));
            }
            return new MessageOutcome(text.toString(), calls, m.usage().inputTokens(), m.usage().outputTokens());
        }
    }

    /** Streams the request; asserts what the stream says about input tokens at its start and at its end. */
    private MessageOutcome messageStreamed(MessageCreateParams params, long expectedInput) {
        MessageAccumulator acc = MessageAccumulator.create();
        List<RawMessageStreamEvent> events = new ArrayList<>();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(params)) {
            s.stream().forEach(e -> {
                events.add(e);
                acc.accumulate(e);
            });
        }
        assertThat(events.get(0).asMessageStart().message().usage().inputTokens()).isEqualTo(expectedInput);
        RawMessageStreamEvent delta = events.stream().filter(RawMessageStreamEvent::isMessageDelta).findFirst()
                .orElseThrow();
        assertThat(delta.asMessageDelta().usage().inputTokens()).contains(expectedInput);
        return MessageOutcome.of(acc.message());
    }

    private long countTokens(MessageCreateParams params, List<MessageParam> messages) {
        return anthropic.messages().countTokens(MessageCountTokensParams.builder().model(params.model())
                .messages(messages).addTool(weatherTool()).build()).inputTokens();
    }

    @Test
    void anthropicStreamedAndNotGiveTheSameTextCallsAndUsageAsCountTokens() {
        for (String prompt : PROMPTS) {
            MessageCreateParams params = MessageCreateParams.builder().model("kmodel").maxTokens(512)
                    .addUserMessage(prompt).addTool(weatherTool()).build();
            MessageOutcome plain = MessageOutcome.of(anthropic.messages().create(params));
            assertThat(countTokens(params, params.messages())).as(prompt).isEqualTo(plain.inputTokens());
            assertThat(messageStreamed(params, plain.inputTokens())).as(prompt).isEqualTo(plain);
        }
        MessageCreateParams noTools = MessageCreateParams.builder().model("kmodel").maxTokens(512)
                .system("Be brief.").addUserMessage(PROMPTS.get(0)).build();
        MessageOutcome plain = MessageOutcome.of(anthropic.messages().create(noTools));
        assertThat(anthropic.messages().countTokens(MessageCountTokensParams.builder().model("kmodel")
                .system("Be brief.").messages(noTools.messages()).build()).inputTokens())
                .isEqualTo(plain.inputTokens());
        assertThat(messageStreamed(noTools, plain.inputTokens())).isEqualTo(plain);
    }

    @Test
    void anthropicContinuationAfterAToolResultCountsTheSameStreamedAndNot() {
        MessageCreateParams first = MessageCreateParams.builder().model("kmodel").maxTokens(512)
                .addUserMessage("[par:tool] weather in Paris? (messages continuation)").addTool(weatherTool())
                .build();
        Message m = anthropic.messages().create(first);
        ToolUseBlock use = m.content().stream().filter(ContentBlock::isToolUse).findFirst().orElseThrow()
                .asToolUse();
        MessageCreateParams next = first.toBuilder().addMessage(m)
                .addUserMessageOfContentBlockParams(List.of(ContentBlockParam.ofToolResult(ToolResultBlockParam
                        .builder().toolUseId(use.id()).content("sunny, 22C").build())))
                .build();
        MessageOutcome plain = MessageOutcome.of(anthropic.messages().create(next));
        assertThat(plain.text()).contains("sunny in Paris");
        assertThat(countTokens(next, next.messages())).isEqualTo(plain.inputTokens());
        assertThat(messageStreamed(next, plain.inputTokens())).isEqualTo(plain);
    }

    @Test
    void anthropicFollowUpOnAReusedLingmaSessionCountsTheWholeConversation() {
        MessageCreateParams first = MessageCreateParams.builder().model("kmodel").maxTokens(512).system("Be brief.")
                .addUserMessage("[par:plain] first question of a conversation the session cache keeps").build();
        Message m = anthropic.messages().create(first);
        MessageCreateParams next = first.toBuilder().addMessage(m)
                .addUserMessage("[par:plain] and a follow-up").build();
        // tool-free follow-ups reuse the cached session, which Lingma gets only the newest user text for
        MessageOutcome plain = MessageOutcome.of(anthropic.messages().create(next));
        assertThat(simulator.prompts()).anySatisfy(p -> assertThat(p.text()).isEqualTo("[par:plain] and a follow-up"));
        long counted = anthropic.messages().countTokens(MessageCountTokensParams.builder().model("kmodel")
                .system("Be brief.").messages(next.messages()).build()).inputTokens();
        assertThat(plain.inputTokens()).isEqualTo(counted);
        assertThat(messageStreamed(next, counted)).isEqualTo(plain);
    }

    // ---- Responses ----

    /** What a Responses client ends up with: message text, calls as "name args", usage numbers. */
    private record ResponseOutcome(String text, List<String> calls, List<Long> usage) {
        static ResponseOutcome of(Response r, Function<Response, String> text) {
            List<String> calls = r.output().stream().filter(ResponseOutputItem::isFunctionCall)
                    .map(o -> o.asFunctionCall().name() + " " + o.asFunctionCall().arguments()).toList();
            ResponseUsage u = r.usage().orElseThrow();
            return new ResponseOutcome(text.apply(r), calls, List.of(u.inputTokens(), u.outputTokens(),
                    u.totalTokens(), u.outputTokensDetails().reasoningTokens()));
        }
    }

    private static String messageText(Response r) {
        StringBuilder text = new StringBuilder();
        r.output().stream().filter(ResponseOutputItem::isMessage).forEach(o -> o.asMessage().content()
                .forEach(c -> c.outputText().ifPresent(t -> text.append(t.text()))));
        return text.toString();
    }

    @Test
    void responsesStreamedAndNotGiveTheSameTextCallsAndUsage() {
        FunctionTool tool = weatherFunctionTool();
        for (String prompt : PROMPTS) {
            ResponseCreateParams params = ResponseCreateParams.builder().model("kmodel").input(prompt).addTool(tool)
                    .build();
            ResponseOutcome plain = ResponseOutcome.of(openai.responses().create(params),
                    StreamParityTest::messageText);
            List<ResponseStreamEvent> events = new ArrayList<>();
            try (var s = openai.responses().createStreaming(params)) {
                s.stream().forEach(events::add);
            }
            StringBuilder deltas = new StringBuilder();
            events.stream().filter(ResponseStreamEvent::isOutputTextDelta)
                    .forEach(e -> deltas.append(e.asOutputTextDelta().delta()));
            Response completed = events.get(events.size() - 1).asCompleted().response();
            assertThat(ResponseOutcome.of(completed, r -> deltas.toString())).as(prompt).isEqualTo(plain);
            assertThat(ResponseOutcome.of(completed, StreamParityTest::messageText)).as(prompt).isEqualTo(plain);
        }
    }
}
