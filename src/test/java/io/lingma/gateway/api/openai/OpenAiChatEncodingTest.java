package io.lingma.gateway.api.openai;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.api.SseFrame;
import io.lingma.gateway.api.StreamEncoder;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.parse;
import static io.lingma.gateway.api.ApiTestSupport.payloads;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;

class OpenAiChatEncodingTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1747712345), ZoneOffset.UTC);
    private static final ResolvedModel KMODEL = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);
    private static final ApiSettings SEQUENTIAL =
            TestSettings.api().withToolIdGenerator(ApiSettings.ToolIdGenerator.SEQUENTIAL);

    private final OpenAiChatApi api = new OpenAiChatApi(MAPPER, SEQUENTIAL, CLOCK);

    private ChatTurn turn(String extra) {
        return api.normalize(sq("{'model':'gpt-4o','messages':[{'role':'user','content':'hi'}]" + extra + "}"),
                new RequestContext("req_1", "-", SEQUENTIAL));
    }

    private static ChatResult result(String text, String thinking, List<ToolCall> calls, FinishReason reason,
                                     Usage usage) {
        return new ChatResult(text, thinking, calls, reason, usage, null, KMODEL);
    }

    @Test
    void nonStreamTextAnswer() {
        JsonNode body = parse(api.encodeResult(turn(""),
                result("Hello 你好", "", List.of(), FinishReason.STOP, new Usage(812, 40, 0, 0, false))));
        assertThat(body.path("id").asText()).matches("chatcmpl-[A-Za-z0-9]{24}");
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("created").asLong()).isEqualTo(1747712345L);
        assertThat(body.path("model").asText()).isEqualTo("kmodel");
        JsonNode choice = body.path("choices").get(0);
        assertThat(choice.path("index").asInt()).isZero();
        assertThat(choice.path("message").path("role").asText()).isEqualTo("assistant");
        assertThat(choice.path("message").path("content").asText()).isEqualTo("Hello 你好");
        assertThat(choice.path("message").has("tool_calls")).isFalse();
        assertThat(choice.path("message").has("reasoning_content")).isFalse();
        assertThat(choice.get("logprobs").isNull()).isTrue();
        assertThat(choice.path("finish_reason").asText()).isEqualTo("stop");
        JsonNode usage = body.path("usage");
        assertThat(usage.path("prompt_tokens").asLong()).isEqualTo(812);
        assertThat(usage.path("completion_tokens").asLong()).isEqualTo(40);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(852);
        assertThat(usage.has("completion_tokens_details")).isFalse();
    }

    @Test
    void nonStreamBodyDoesNotEscapeNonAscii() {
        String json = api.encodeResult(turn(""), result("你好", "", List.of(), FinishReason.STOP, null));
        assertThat(json).contains("你好");
    }

    @Test
    void nonStreamToolCallsWithEmptyTextHaveNullContent() {
        JsonNode body = parse(api.encodeResult(turn(""), result("", "", List.of(
                        new ToolCall("call_Qm4Tz8KpX2vN7bR1cL5sH9wD", "read_file", "{\"path\":\"go.mod\"}"),
                        new ToolCall(null, "exec", "{\"b\":1,\"a\":2}")),
                FinishReason.TOOL_CALLS, new Usage(1, 2, 0, 0, true))));
        JsonNode message = body.path("choices").get(0).path("message");
        assertThat(message.get("content").isNull()).isTrue();
        JsonNode calls = message.path("tool_calls");
        assertThat(calls).hasSize(2);
        assertThat(calls.get(0).path("id").asText()).isEqualTo("call_Qm4Tz8KpX2vN7bR1cL5sH9wD");
        assertThat(calls.get(0).path("type").asText()).isEqualTo("function");
        assertThat(calls.get(0).path("function").path("name").asText()).isEqualTo("read_file");
        assertThat(calls.get(0).path("function").path("arguments").asText()).isEqualTo("{\"path\":\"go.mod\"}");
        assertThat(calls.get(1).path("id").asText()).isEqualTo("call_1");
        assertThat(calls.get(1).path("function").path("arguments").asText()).isEqualTo("{\"b\":1,\"a\":2}");
        assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
    }

    @Test
    void nonStreamRandomToolIdsHaveTheOfficialShape() {
        OpenAiChatApi random = new OpenAiChatApi(MAPPER, TestSettings.api(), CLOCK);
        JsonNode body = parse(random.encodeResult(turn(""), result("x", "", List.of(new ToolCall(null, "f", "{}")),
                FinishReason.TOOL_CALLS, null)));
        JsonNode message = body.path("choices").get(0).path("message");
        assertThat(message.path("content").asText()).isEqualTo("x");
        assertThat(message.path("tool_calls").get(0).path("id").asText()).matches("^call_[A-Za-z0-9]{24}$");
    }

    @Test
    void nonStreamReasoningContentAndUsageDetails() {
        ChatResult r = result("answer", "thought", List.of(), FinishReason.STOP, new Usage(10, 20, 7, 3, false));
        JsonNode body = parse(api.encodeResult(turn(""), r));
        assertThat(body.path("choices").get(0).path("message").path("reasoning_content").asText())
                .isEqualTo("thought");
        assertThat(body.path("usage").path("completion_tokens_details").path("reasoning_tokens").asLong())
                .isEqualTo(7);
        assertThat(body.path("usage").path("prompt_tokens_details").path("cached_tokens").asLong()).isEqualTo(3);

        OpenAiChatApi hidden = new OpenAiChatApi(MAPPER, SEQUENTIAL.withOpenAiExposeReasoning(false), CLOCK);
        assertThat(parse(hidden.encodeResult(turn(""), r)).path("choices").get(0).path("message")
                .has("reasoning_content")).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"STOP,stop", "LENGTH,length", "CONTENT_FILTER,content_filter", "STOP_SEQUENCE,stop",
            "TOOL_CALLS,stop"})
    void finishReasonMapping(FinishReason reason, String expected) {
        JsonNode body = parse(api.encodeResult(turn(""), result("x", "", List.of(), reason, null)));
        assertThat(body.path("choices").get(0).path("finish_reason").asText()).isEqualTo(expected);
    }

    @Test
    void echoRequestedModelReportsTheClientsName() {
        OpenAiChatApi echo = new OpenAiChatApi(MAPPER, SEQUENTIAL.withEchoRequestedModel(true), CLOCK);
        assertThat(parse(echo.encodeResult(turn(""), result("x", "", List.of(), FinishReason.STOP, null)))
                .path("model").asText()).isEqualTo("gpt-4o");
    }

    private static List<SseFrame> run(StreamEncoder encoder, List<ChatEvent> events, ChatResult result) {
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        for (ChatEvent event : events) {
            frames.addAll(encoder.onEvent(event));
        }
        frames.addAll(encoder.finish(result));
        return frames;
    }

    @Test
    void streamSequenceWithReasoningTextAndToolCalls() {
        StreamEncoder encoder = api.streamEncoder(turn(",'stream':true"), KMODEL, 100);
        List<SseFrame> frames = run(encoder, List.of(new ChatEvent.ThinkingDelta("think"),
                        new ChatEvent.TextDelta("Hel"), new ChatEvent.TextDelta(""), new ChatEvent.TextDelta("lo"),
                        new ChatEvent.ContextUsage(5, 10), new ChatEvent.UsageReport(new Usage(9, 8, 0, 0, false))),
                result("Hello", "think", List.of(new ToolCall("call_a", "read_file", "{\"path\":\"a\"}"),
                        new ToolCall("call_b", "exec", "{\"cmd\":\"ls\"}")), FinishReason.TOOL_CALLS, null));

        assertThat(frames).allSatisfy(f -> {
            assertThat(f.event()).isNull();
            assertThat(f.render()).startsWith("data: ").endsWith("\n\n");
        });
        List<JsonNode> chunks = payloads(frames);
        assertThat(chunks).hasSize(8);
        assertThat(chunks.get(7).asText()).isEqualTo("[DONE]");
        List<JsonNode> json = chunks.subList(0, 7);
        assertThat(json).allSatisfy(c -> {
            assertThat(c.path("object").asText()).isEqualTo("chat.completion.chunk");
            assertThat(c.path("id").asText()).isEqualTo(json.get(0).path("id").asText()).matches("chatcmpl-.{24}");
            assertThat(c.path("created").asLong()).isEqualTo(1747712345L);
            assertThat(c.path("model").asText()).isEqualTo("kmodel");
            assertThat(c.has("usage")).isFalse();
        });
        assertThat(json.get(0).path("choices").get(0).path("delta"))
                .isEqualTo(parse("{\"role\":\"assistant\",\"content\":\"\"}"));
        assertThat(json.get(0).path("choices").get(0).get("finish_reason").isNull()).isTrue();
        assertThat(json.get(1).path("choices").get(0).path("delta").path("reasoning_content").asText())
                .isEqualTo("think");
        assertThat(json.get(2).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("Hel");
        assertThat(json.get(3).path("choices").get(0).path("delta").path("content").asText()).isEqualTo("lo");
        JsonNode call0 = json.get(4).path("choices").get(0).path("delta").path("tool_calls");
        assertThat(call0).isEqualTo(parse("""
                [{"index":0,"id":"call_a","type":"function","function":{"name":"read_file","arguments":"{\\"path\\":\\"a\\"}"}}]"""));
        JsonNode call1 = json.get(5).path("choices").get(0).path("delta").path("tool_calls").get(0);
        assertThat(call1.path("index").asInt()).isEqualTo(1);
        assertThat(call1.path("id").asText()).isEqualTo("call_b");
        assertThat(json.get(6).path("choices").get(0).path("delta").size()).isZero();
        assertThat(json.get(6).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        List<SseFrame> again = run(api.streamEncoder(turn(",'stream':true"), KMODEL, 1), List.of(),
                result("", "", List.of(), FinishReason.LENGTH, null));
        List<JsonNode> minimal = payloads(again);
        assertThat(minimal).hasSize(3);
        assertThat(minimal.get(1).path("choices").get(0).path("delta").size()).isZero();
        assertThat(minimal.get(1).path("choices").get(0).path("finish_reason").asText()).isEqualTo("length");
    }

    @Test
    void streamFinishChunkCarriesToolCallsReason() {
        List<JsonNode> chunks = payloads(run(api.streamEncoder(turn(",'stream':true"), KMODEL, 1), List.of(),
                result("", "", List.of(new ToolCall(null, "f", "{}")), FinishReason.STOP, null)));
        assertThat(chunks.get(1).path("choices").get(0).path("delta").path("tool_calls").get(0).path("id").asText())
                .isEqualTo("call_1");
        assertThat(chunks.get(2).path("choices").get(0).path("finish_reason").asText()).isEqualTo("tool_calls");
        assertThat(chunks.get(3).asText()).isEqualTo("[DONE]");
    }

    @Test
    void vector117IncludeUsageAddsNullUsageEverywhereAndAFinalUsageChunk() {
        StreamEncoder encoder = api.streamEncoder(
                turn(",'stream':true,'stream_options':{'include_usage':true}"), KMODEL, 100);
        List<JsonNode> chunks = payloads(run(encoder, List.of(new ChatEvent.TextDelta("hi"),
                        new ChatEvent.UsageReport(new Usage(812, 40, 5, 0, false))),
                result("hi", "", List.of(), FinishReason.STOP, new Usage(1, 1, 0, 0, true))));
        assertThat(chunks.get(chunks.size() - 1).asText()).isEqualTo("[DONE]");
        JsonNode last = chunks.get(chunks.size() - 2);
        List<JsonNode> earlier = chunks.subList(0, chunks.size() - 2);
        assertThat(earlier).hasSize(3).allSatisfy(c -> {
            assertThat(c.has("usage")).isTrue();
            assertThat(c.get("usage").isNull()).isTrue();
        });
        assertThat(last.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(last.path("choices").isArray()).isTrue();
        assertThat(last.path("choices")).isEmpty();
        assertThat(last.path("usage").path("prompt_tokens").asLong()).isEqualTo(812);
        assertThat(last.path("usage").path("completion_tokens").asLong()).isEqualTo(40);
        assertThat(last.path("usage").path("total_tokens").asLong()).isEqualTo(852);
        assertThat(last.path("usage").path("completion_tokens_details").path("reasoning_tokens").asLong())
                .isEqualTo(5);
    }

    @Test
    void includeUsageFallsBackToTheResultUsageThenTheEstimate() {
        String extra = ",'stream':true,'stream_options':{'include_usage':true}";
        List<JsonNode> fromResult = payloads(run(api.streamEncoder(turn(extra), KMODEL, 100), List.of(),
                result("", "", List.of(), FinishReason.STOP, new Usage(3, 4, 0, 0, true))));
        assertThat(fromResult.get(fromResult.size() - 2).path("usage").path("total_tokens").asLong()).isEqualTo(7);
        List<JsonNode> estimated = payloads(run(api.streamEncoder(turn(extra), KMODEL, 100), List.of(),
                result("", "", List.of(), FinishReason.STOP, null)));
        assertThat(estimated.get(estimated.size() - 2).path("usage").path("prompt_tokens").asLong()).isEqualTo(100);
    }

    @Test
    void reasoningIsNotStreamedWhenNotExposed() {
        OpenAiChatApi hidden = new OpenAiChatApi(MAPPER, SEQUENTIAL.withOpenAiExposeReasoning(false), CLOCK);
        StreamEncoder encoder = hidden.streamEncoder(turn(",'stream':true"), KMODEL, 1);
        encoder.start();
        assertThat(encoder.onEvent(new ChatEvent.ThinkingDelta("secret"))).isEmpty();
    }

    @Test
    void midStreamErrorIsOneErrorFrameThenDoneAndNothingAfter() {
        StreamEncoder encoder = api.streamEncoder(turn(",'stream':true,'stream_options':{'include_usage':true}"),
                KMODEL, 1);
        encoder.start();
        encoder.onEvent(new ChatEvent.TextDelta("partial"));
        List<SseFrame> frames = encoder.error(new GatewayException(ErrorKind.UPSTREAM_ERROR, "upstream broke"));
        List<JsonNode> payloads = payloads(frames);
        assertThat(payloads).hasSize(2);
        assertThat(payloads.get(0)).isEqualTo(parse(
                "{\"error\":{\"message\":\"upstream broke\",\"type\":\"api_error\",\"code\":\"upstream_error\",\"param\":null}}"));
        assertThat(payloads.get(1).asText()).isEqualTo("[DONE]");
        assertThat(encoder.finish(result("", "", List.of(), FinishReason.STOP, null))).isEmpty();
        assertThat(encoder.onEvent(new ChatEvent.TextDelta("late"))).isEmpty();
        assertThat(encoder.error(new GatewayException(ErrorKind.INTERNAL, "again"))).isEmpty();
    }

    @Test
    void startIsImplicitAndOnlyOnce() {
        StreamEncoder encoder = api.streamEncoder(turn(",'stream':true"), KMODEL, 1);
        List<JsonNode> first = payloads(encoder.onEvent(new ChatEvent.TextDelta("a")));
        assertThat(first).hasSize(2);
        assertThat(first.get(0).path("choices").get(0).path("delta").path("role").asText()).isEqualTo("assistant");
        assertThat(encoder.start()).isEmpty();
        assertThat(encoder.onEvent(new ChatEvent.Finish(FinishReason.STOP))).isEmpty();
    }

    @Test
    void keepAliveIsACommentLine() {
        SseFrame frame = api.streamEncoder(turn(""), KMODEL, 1).keepAlive();
        assertThat(frame.render()).isEqualTo(": keep-alive\n\n");
    }

    @Test
    void errorBodyIsTheOpenAiEnvelope() {
        JsonNode body = parse(api.errorBody(GatewayException.badRequest("no user message found in request")));
        assertThat(body).isEqualTo(parse("""
                {"error":{"message":"no user message found in request","type":"invalid_request_error","code":null,"param":null}}"""));
    }
}
