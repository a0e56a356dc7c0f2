package io.lingma.gateway.api.responses;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ApiTestSupport;
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

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.fixtureBody;
import static io.lingma.gateway.api.ApiTestSupport.parse;
import static io.lingma.gateway.api.ApiTestSupport.payloads;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;

class ResponsesEncodingTest {

    private static final Clock CLOCK = Clock.fixed(Instant.ofEpochSecond(1747712345), ZoneOffset.UTC);
    private static final ResolvedModel KMODEL = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);
    private static final ApiSettings SEQUENTIAL =
            TestSettings.api().withToolIdGenerator(ApiSettings.ToolIdGenerator.SEQUENTIAL);
    private static final ToolCall READ = new ToolCall(null, "read_file", "{\"file_path\":\"go.mod\"}");

    private static ResponsesApi api(ApiSettings settings) {
        return new ResponsesApi(MAPPER, settings, CLOCK);
    }

    private static ChatTurn turn(ResponsesApi api, String extra) {
        return api.normalize(sq("{'model':'gpt-5','input':'hi','tools':[{'type':'function','name':'read_file'}]"
                + extra + "}"), new RequestContext("req_1", "-", SEQUENTIAL));
    }

    private static ChatResult result(String text, String thinking, List<ToolCall> calls, FinishReason reason) {
        return new ChatResult(text, thinking, calls, reason, new Usage(812, 40, 7, 5, false), null, KMODEL);
    }

    /** Runs a stream: start, the events, then finish(result) or error(failure). */
    private static List<SseFrame> stream(StreamEncoder encoder, List<ChatEvent> events, ChatResult result,
                                         GatewayException failure) {
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        for (ChatEvent event : events) {
            frames.addAll(encoder.onEvent(event));
        }
        frames.addAll(failure == null ? encoder.finish(result) : encoder.error(failure));
        return frames;
    }

    private static List<JsonNode> events(List<SseFrame> frames) {
        return payloads(frames).stream().filter(JsonNode::isObject).toList();
    }

    private static List<String> types(List<JsonNode> events) {
        return events.stream().map(e -> e.path("type").asText()).toList();
    }

    private static void assertEnvelope(List<SseFrame> frames, boolean done) {
        List<SseFrame> named = frames.stream().filter(f -> !"[DONE]".equals(f.data())).toList();
        List<JsonNode> events = events(frames);
        for (int i = 0; i < events.size(); i++) {
            assertThat(events.get(i).path("sequence_number").asLong()).isEqualTo(i);
            assertThat(named.get(i).event()).isEqualTo(events.get(i).path("type").asText());
            assertThat(events.get(i).path("response_id").asText()).isEqualTo("resp_1");
        }
        assertThat("[DONE]".equals(frames.get(frames.size() - 1).data())).isEqualTo(done);
        assertThat(frames.get(0).render()).startsWith("event: response.created\ndata: {");
    }

    @Test
    void nonStreamBodyWithReasoningTextAndCallVector10() {
        ResponsesApi api = api(TestSettings.api());
        ChatTurn turn = turn(api, ",'reasoning':{'effort':'medium'}");
        JsonNode body = parse(api.encodeResult(turn, result("final answer", "reasoning summary",
                List.of(new ToolCall("call_Qm4Tz8KpX2vN7bR1cL5sH9wD", "read_file", "{\"b\":1,\"a\":2}")),
                FinishReason.TOOL_CALLS)));
        assertThat(body.path("id").asText()).matches("resp_[A-Za-z0-9]{24}");
        assertThat(body.path("object").asText()).isEqualTo("response");
        assertThat(body.path("created_at").asLong()).isEqualTo(1747712345L);
        assertThat(body.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("model").asText()).isEqualTo("kmodel");
        JsonNode output = body.path("output");
        assertThat(output).hasSize(3);
        assertThat(output.get(0).path("type").asText()).isEqualTo("reasoning");
        assertThat(output.get(0).path("id").asText()).matches("rs_[A-Za-z0-9]{24}");
        assertThat(output.get(0).path("summary").get(0).path("text").asText()).isEqualTo("reasoning summary");
        assertThat(output.get(1).path("type").asText()).isEqualTo("message");
        assertThat(output.get(1).path("id").asText()).matches("msg_[A-Za-z0-9]{24}");
        assertThat(output.get(1).path("content").get(0).path("text").asText()).isEqualTo("final answer");
        JsonNode call = output.get(2);
        assertThat(call.path("type").asText()).isEqualTo("function_call");
        assertThat(call.path("id").asText()).isEqualTo("fc_Qm4Tz8KpX2vN7bR1cL5sH9wD");
        assertThat(call.path("call_id").asText()).isEqualTo("call_Qm4Tz8KpX2vN7bR1cL5sH9wD");
        assertThat(call.path("arguments").asText()).isEqualTo("{\"b\":1,\"a\":2}");
        assertThat(call.path("status").asText()).isEqualTo("completed");
        assertThat(body.path("output_text").asText()).isEqualTo("final answer");
        JsonNode usage = body.path("usage");
        assertThat(usage.path("input_tokens").asLong()).isEqualTo(812);
        assertThat(usage.path("input_tokens_details").path("cached_tokens").asLong()).isEqualTo(5);
        assertThat(usage.path("output_tokens").asLong()).isEqualTo(40);
        assertThat(usage.path("output_tokens_details").path("reasoning_tokens").asLong()).isEqualTo(7);
        assertThat(usage.path("total_tokens").asLong()).isEqualTo(852);
    }

    @Test
    void nonStreamOmitsReasoningWhenNotRequestedAndMessageWhenTextIsEmpty() {
        ResponsesApi api = api(SEQUENTIAL);
        JsonNode body = parse(api.encodeResult(turn(api, ""), result("", "thought", List.of(READ),
                FinishReason.TOOL_CALLS)));
        assertThat(body.path("output")).hasSize(1);
        assertThat(body.path("output").get(0).path("id").asText()).isEqualTo("fc_1");
        assertThat(body.path("output").get(0).path("call_id").asText()).isEqualTo("call_1");
        assertThat(body.path("output_text").asText()).isEmpty();
    }

    @Test
    void nonStreamLengthStopIsIncomplete() {
        ResponsesApi api = api(SEQUENTIAL);
        JsonNode body = parse(api.encodeResult(turn(api, ",'max_output_tokens':5"),
                result("cut", "", List.of(), FinishReason.LENGTH)));
        assertThat(body.path("status").asText()).isEqualTo("incomplete");
        assertThat(body.path("incomplete_details").path("reason").asText()).isEqualTo("max_output_tokens");
        assertThat(body.path("max_output_tokens").asInt()).isEqualTo(5);
    }

    @Test
    void dropTextWithToolCallsRemovesTheMessageOnlyWhenCallsExist() {
        ApiSettings drop = SEQUENTIAL.withResponses(SEQUENTIAL.responses().withDropTextWithToolCalls(true));
        ResponsesApi api = api(drop);
        ChatTurn turn = turn(api, "");
        JsonNode withCall = parse(api.encodeResult(turn, result("text", "", List.of(READ), FinishReason.TOOL_CALLS)));
        assertThat(withCall.path("output")).extracting(i -> i.path("type").asText()).containsExactly("function_call");
        assertThat(withCall.path("output_text").asText()).isEmpty();
        JsonNode textOnly = parse(api.encodeResult(turn, result("text", "", List.of(), FinishReason.STOP)));
        assertThat(textOnly.path("output_text").asText()).isEqualTo("text");

        List<SseFrame> frames = stream(api.streamEncoder(turn, KMODEL, 3),
                List.of(new ChatEvent.TextDelta("text")), result("text", "", List.of(READ), FinishReason.TOOL_CALLS),
                null);
        assertThat(types(events(frames))).doesNotContain("response.output_text.delta");
        frames = stream(api.streamEncoder(turn, KMODEL, 3), List.of(new ChatEvent.TextDelta("te"),
                new ChatEvent.TextDelta("xt")), result("text", "", List.of(), FinishReason.STOP), null);
        assertThat(events(frames)).filteredOn(e -> e.path("type").asText().equals("response.output_text.delta"))
                .extracting(e -> e.path("delta").asText()).containsExactly("text");
    }

    @Test
    void streamWithToolOnlyResultVector9() {
        ResponsesApi api = api(SEQUENTIAL);
        List<SseFrame> frames = stream(api.streamEncoder(turn(api, ""), KMODEL, 3), List.of(),
                result("", "", List.of(READ), FinishReason.TOOL_CALLS), null);
        assertEnvelope(frames, true);
        List<JsonNode> events = events(frames);
        assertThat(types(events)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.function_call_arguments.delta",
                "response.function_call_arguments.done", "response.output_item.done", "response.completed");
        String text = String.join("\n", frames.stream().map(SseFrame::render).toList());
        assertThat(text).doesNotContain("\"type\":\"message\"").contains("\"call_id\":\"call_1\"")
                .contains("\"sequence_number\":0").contains("\"response_id\":\"resp_1\"")
                .contains("\"output_index\":0").contains("\"item_id\":\"fc_1\"");
        JsonNode added = events.get(2).path("item");
        assertThat(added.path("arguments").asText()).isEmpty();
        assertThat(added.path("status").asText()).isEqualTo("in_progress");
        assertThat(events.get(3).path("delta").asText()).isEqualTo("{\"file_path\":\"go.mod\"}");
        assertThat(events.get(4).path("name").asText()).isEqualTo("read_file");
        assertThat(events.get(5).path("item").path("status").asText()).isEqualTo("completed");
        JsonNode completed = events.get(6).path("response");
        assertThat(completed.path("status").asText()).isEqualTo("completed");
        assertThat(completed.path("output")).hasSize(1);
        assertThat(completed.path("usage").path("total_tokens").asLong()).isEqualTo(852);
    }

    @Test
    void streamReasoningLifecycleVector11() {
        ResponsesApi api = api(SEQUENTIAL);
        List<SseFrame> frames = stream(api.streamEncoder(turn(api, ",'reasoning':{'effort':'medium'}"), KMODEL, 3),
                List.of(new ChatEvent.ThinkingDelta("reasoning "), new ChatEvent.ThinkingDelta("summary"),
                        new ChatEvent.TextDelta("final answer"), new ChatEvent.ThinkingDelta(" late")),
                result("final answer", "reasoning summary late", List.of(), FinishReason.STOP), null);
        assertEnvelope(frames, true);
        List<JsonNode> events = events(frames);
        assertThat(types(events)).containsExactly("response.created", "response.in_progress",
                "response.output_item.added", "response.reasoning_summary_part.added",
                "response.reasoning_summary_text.delta", "response.reasoning_summary_text.delta",
                "response.reasoning_summary_text.done", "response.reasoning_summary_part.done",
                "response.output_item.done", "response.output_item.added", "response.content_part.added",
                "response.output_text.delta", "response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed");
        assertThat(events.get(2).path("item").path("type").asText()).isEqualTo("reasoning");
        assertThat(events.get(2).path("output_index").asInt()).isZero();
        assertThat(events.get(6).path("text").asText()).isEqualTo("reasoning summary");
        assertThat(events.get(9).path("output_index").asInt()).isEqualTo(1);
        JsonNode output = events.get(15).path("response").path("output");
        assertThat(output.get(0).path("summary").get(0).path("text").asText()).isEqualTo("reasoning summary late");
        assertThat(output.get(1).path("content").get(0).path("text").asText()).isEqualTo("final answer");
    }

    @Test
    void streamWithoutRequestedReasoningSendsNoReasoningItem() {
        ResponsesApi api = api(SEQUENTIAL);
        List<SseFrame> frames = stream(api.streamEncoder(turn(api, ""), KMODEL, 3),
                List.of(new ChatEvent.ThinkingDelta("hidden"), new ChatEvent.TextDelta("hi")),
                result("hi", "hidden", List.of(), FinishReason.STOP), null);
        assertThat(frames.stream().map(SseFrame::render)).noneMatch(f -> f.contains("\"type\":\"reasoning\"") || f.contains("reasoning_summary"));
    }

    @Test
    void streamTextIncrementallyVector118() {
        ResponsesApi api = api(SEQUENTIAL);
        List<SseFrame> frames = stream(api.streamEncoder(turn(api, ""), KMODEL, 3),
                List.of(new ChatEvent.TextDelta("Hello"), new ChatEvent.TextDelta(" "),
                        new ChatEvent.TextDelta("world")),
                result("Hello world", "", List.of(READ), FinishReason.TOOL_CALLS), null);
        assertEnvelope(frames, true);
        List<JsonNode> events = events(frames);
        List<String> types = types(events);
        assertThat(types).contains("response.in_progress");
        assertThat(types.stream().filter("response.output_text.delta"::equals)).hasSize(3);
        assertThat(types.indexOf("response.output_text.delta")).isLessThan(types.indexOf("response.completed"));
        JsonNode textDone = events.get(types.indexOf("response.output_text.done"));
        assertThat(textDone.path("text").asText()).isEqualTo("Hello world");
        assertThat(textDone.path("item_id").asText()).isEqualTo("msg_1");
        JsonNode call = events.get(types.lastIndexOf("response.output_item.added"));
        assertThat(call.path("output_index").asInt()).isEqualTo(1);
        JsonNode completed = events.get(events.size() - 1).path("response");
        assertThat(completed.path("output_text").asText()).isEqualTo("Hello world");
        assertThat(completed.path("output")).extracting(i -> i.path("type").asText())
                .containsExactly("message", "function_call");
    }

    @Test
    void streamFailureAfterTextVector119() {
        ResponsesApi api = api(SEQUENTIAL);
        GatewayException boom = new GatewayException(ErrorKind.UPSTREAM_ERROR, "upstream failed");
        List<SseFrame> frames = stream(api.streamEncoder(turn(api, ""), KMODEL, 3),
                List.of(new ChatEvent.TextDelta("Hel")), null, boom);
        assertEnvelope(frames, true);
        List<JsonNode> events = events(frames);
        assertThat(types(events)).endsWith("response.output_text.delta", "response.output_item.done",
                "response.failed");
        assertThat(events.get(events.size() - 2).path("item").path("status").asText()).isEqualTo("incomplete");
        JsonNode failed = events.get(events.size() - 1).path("response");
        assertThat(failed.path("status").asText()).isEqualTo("failed");
        assertThat(failed.path("error").path("code").asText()).isEqualTo("server_error");
        assertThat(failed.path("error").path("message").asText()).isEqualTo("upstream failed");
        assertThat(failed.path("output").get(0).path("content").get(0).path("text").asText()).isEqualTo("Hel");

        ApiSettings always = SEQUENTIAL.withResponses(SEQUENTIAL.responses().withAlwaysComplete(true));
        ResponsesApi lenient = api(always);
        frames = stream(lenient.streamEncoder(turn(lenient, ""), KMODEL, 3), List.of(new ChatEvent.TextDelta("Hel")),
                null, new GatewayException(ErrorKind.UPSTREAM_TIMEOUT, "too slow"));
        assertEnvelope(frames, true);
        events = events(frames);
        assertThat(types(events)).endsWith("response.output_text.done", "response.content_part.done",
                "response.output_item.done", "response.completed").doesNotContain("response.failed");
        assertThat(events.get(events.size() - 1).path("response").path("output_text").asText()).isEqualTo("Hel");
    }

    @Test
    void failureErrorCodesAndFailureBeforeStart() {
        ResponsesApi api = api(SEQUENTIAL);
        List<SseFrame> frames = api.streamEncoder(turn(api, ""), KMODEL, 3)
                .error(new GatewayException(ErrorKind.RATE_LIMITED, "busy"));
        assertThat(types(events(frames))).containsExactly("response.created", "response.in_progress",
                "response.failed");
        assertThat(events(frames).get(2).path("response").path("error").path("code").asText())
                .isEqualTo("rate_limit_exceeded");
    }

    @Test
    void doneSentinelSwitchKeepAliveAndClosedEncoder() {
        ApiSettings noDone = SEQUENTIAL.withResponses(SEQUENTIAL.responses().withDoneSentinel(false));
        ResponsesApi api = api(noDone);
        StreamEncoder encoder = api.streamEncoder(turn(api, ""), KMODEL, 3);
        List<SseFrame> frames = stream(encoder, List.of(new ChatEvent.TextDelta("x")),
                result("x", "", List.of(), FinishReason.LENGTH), null);
        assertEnvelope(frames, false);
        assertThat(events(frames).get(events(frames).size() - 1).path("type").asText())
                .isEqualTo("response.incomplete");
        assertThat(encoder.keepAlive().render()).isEqualTo(": keep-alive\n\n");
        assertThat(encoder.onEvent(new ChatEvent.TextDelta("more"))).isEmpty();
        assertThat(encoder.finish(result("x", "", List.of(), FinishReason.STOP))).isEmpty();
        assertThat(encoder.start()).isEmpty();
    }

    @Test
    void codexCustomToolCallIsEmittedAsCustomToolCallWithItsInput() {
        ResponsesApi api = api(SEQUENTIAL);
        ChatTurn turn = api.normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-responses-tool-first-turn.json")), new RequestContext("r", "-", SEQUENTIAL));
        String script = "const r = await tools.exec_command({ cmd: \"echo hello-from-tool\" });\ntext(r.output);";
        String args = MAPPER.createObjectNode().put("input", script).toString();
        ChatResult result = result("", "", List.of(new ToolCall("call_9", "exec", args),
                new ToolCall("call_10", "spawn_agent", "{}")), FinishReason.TOOL_CALLS);

        JsonNode body = parse(api.encodeResult(turn, result));
        JsonNode custom = body.path("output").get(0);
        assertThat(custom.path("type").asText()).isEqualTo("custom_tool_call");
        assertThat(custom.path("id").asText()).isEqualTo("ctc_9");
        assertThat(custom.path("call_id").asText()).isEqualTo("call_9");
        assertThat(custom.path("name").asText()).isEqualTo("exec");
        assertThat(custom.path("input").asText()).isEqualTo(script);
        assertThat(custom.has("namespace")).isFalse();
        JsonNode namespaced = body.path("output").get(1);
        assertThat(namespaced.path("type").asText()).isEqualTo("function_call");
        assertThat(namespaced.path("namespace").asText()).isEqualTo("collaboration");

        List<JsonNode> events = events(stream(api.streamEncoder(turn, KMODEL, 3), List.of(), result, null));
        assertThat(types(events)).containsSubsequence("response.output_item.added",
                "response.custom_tool_call_input.delta", "response.custom_tool_call_input.done",
                "response.output_item.done", "response.output_item.added", "response.function_call_arguments.delta");
        assertThat(events.get(3).path("delta").asText()).isEqualTo(script);
        assertThat(events.get(4).path("input").asText()).isEqualTo(script);
        assertThat(events.get(4).path("item_id").asText()).isEqualTo("ctc_9");
    }

    @Test
    void errorBodyUsesTheOpenAiEnvelope() {
        JsonNode error = parse(api(SEQUENTIAL).errorBody(GatewayException.badRequest("input is required")));
        assertThat(error.path("error").path("message").asText()).isEqualTo("input is required");
        assertThat(error.path("error").path("type").asText()).isEqualTo("invalid_request_error");
        assertThat(error.path("error").has("param")).isTrue();
    }
}
