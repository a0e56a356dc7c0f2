package io.lingma.gateway.api.anthropic;

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

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.parse;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;

class AnthropicMessagesEncodingTest {

    private static final ResolvedModel KMODEL = new ResolvedModel("kmodel", "Kimi-K2.6", "kmodel", false);
    private static final ApiSettings SEQUENTIAL =
            TestSettings.api().withToolIdGenerator(ApiSettings.ToolIdGenerator.SEQUENTIAL);
    private final AnthropicMessagesApi api = new AnthropicMessagesApi(MAPPER, SEQUENTIAL);

    private ChatTurn turn(String extra) {
        return api.normalize(sq("{'model':'claude-x','max_tokens':100,'messages':[{'role':'user','content':'hi'}]"
                + extra + "}"), new RequestContext("req", "-", SEQUENTIAL));
    }

    private static ChatTurn thinkingTurn(AnthropicMessagesApi api) {
        return api.normalize(sq("{'messages':[{'role':'user','content':'hi'}],'thinking':{'type':'enabled',"
                + "'budget_tokens':2048}}"), new RequestContext("req", "-", SEQUENTIAL));
    }

    private static ChatResult result(String text, String thinking, List<ToolCall> calls, FinishReason reason,
                                     Usage usage) {
        return new ChatResult(text, thinking, calls, reason, usage, null, KMODEL);
    }

    private static String sha256(String s) throws Exception {
        return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void nonStreamMessageWithThinkingTextAndToolUse() throws Exception {
        JsonNode body = parse(api.encodeResult(thinkingTurn(api), result("remaining text", "let me think",
                List.of(new ToolCall("toolu_01Qm4Tz8KpX2vN7bR1cL5sH9", "Bash", "{\"command\":\"pwd\",\"n\":1.50}")),
                FinishReason.TOOL_CALLS, new Usage(812, 40, 0, 9, false))));
        assertThat(body.path("id").asText()).matches("msg_01[A-Za-z0-9]{22}");
        assertThat(body.path("type").asText()).isEqualTo("message");
        assertThat(body.path("role").asText()).isEqualTo("assistant");
        assertThat(body.path("model").asText()).isEqualTo("kmodel");
        JsonNode content = body.path("content");
        assertThat(content).hasSize(3);
        assertThat(content.get(0).path("type").asText()).isEqualTo("thinking");
        assertThat(content.get(0).path("thinking").asText()).isEqualTo("let me think");
        assertThat(content.get(0).path("signature").asText()).isEqualTo("lgw1." + sha256("let me think"));
        assertThat(content.get(1)).isEqualTo(parse("{\"type\":\"text\",\"text\":\"remaining text\"}"));
        assertThat(content.get(2).path("type").asText()).isEqualTo("tool_use");
        assertThat(content.get(2).path("id").asText()).isEqualTo("toolu_01Qm4Tz8KpX2vN7bR1cL5sH9");
        assertThat(content.get(2).path("name").asText()).isEqualTo("Bash");
        assertThat(content.get(2).path("input").path("command").asText()).isEqualTo("pwd");
        assertThat(content.get(2).path("input").path("n").decimalValue()).isEqualByComparingTo("1.50");
        assertThat(body.path("stop_reason").asText()).isEqualTo("tool_use");
        assertThat(body.get("stop_sequence").isNull()).isTrue();
        assertThat(body.path("usage")).isEqualTo(parse("""
                {"input_tokens":812,"output_tokens":40,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}"""));
    }

    @Test
    void vector136ToolCallWithEmptyTextHasNoTextBlock() {
        JsonNode body = parse(api.encodeResult(turn(""), result("", "", List.of(new ToolCall(null, "Bash", "{}")),
                FinishReason.TOOL_CALLS, null)));
        assertThat(body.path("content")).hasSize(1);
        assertThat(body.path("content").get(0).path("type").asText()).isEqualTo("tool_use");
        assertThat(body.path("content").get(0).path("id").asText()).isEqualTo("toolu_1");
        assertThat(body.path("content").get(0).path("input").isObject()).isTrue();
        assertThat(parse(api.encodeResult(turn(""), result("", "", List.of(), FinishReason.STOP, null)))
                .path("content")).isEmpty();
    }

    @Test
    void randomToolIdsHaveTheOfficialShape() {
        AnthropicMessagesApi random = new AnthropicMessagesApi(MAPPER, TestSettings.api());
        JsonNode body = parse(random.encodeResult(turn(""), result("", "", List.of(new ToolCall(null, "f", "{}")),
                FinishReason.TOOL_CALLS, null)));
        assertThat(body.path("content").get(0).path("id").asText()).matches("^toolu_01[A-Za-z0-9]{22}$");
    }

    @Test
    void invalidArgumentsBecomeRawArgumentsObject() {
        JsonNode body = parse(api.encodeResult(turn(""), result("", "", List.of(new ToolCall("t", "f", "{bad")),
                FinishReason.TOOL_CALLS, null)));
        assertThat(body.path("content").get(0).path("input")).isEqualTo(parse("{\"raw_arguments\":\"{bad\"}"));
    }

    @Test
    void vector12EmitThinkingOnlyWhenRequestedAndPresent() {
        ChatResult withThought = result("a", "thought", List.of(), FinishReason.STOP, null);
        assertThat(parse(api.encodeResult(thinkingTurn(api), withThought)).path("content").get(0).path("type")
                .asText()).isEqualTo("thinking");
        assertThat(parse(api.encodeResult(turn(""), withThought)).path("content")).hasSize(1)
                .allSatisfy(b -> assertThat(b.path("type").asText()).isEqualTo("text"));
        assertThat(AnthropicMessagesApi.emitThinking(thinkingTurn(api), "")).isFalse();
        assertThat(AnthropicMessagesApi.emitThinking(thinkingTurn(api), "x")).isTrue();
        assertThat(AnthropicMessagesApi.emitThinking(turn(""), "x")).isFalse();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({"STOP,end_turn", "LENGTH,max_tokens", "STOP_SEQUENCE,stop_sequence", "CONTENT_FILTER,refusal",
            "TOOL_CALLS,end_turn"})
    void stopReasonMapping(FinishReason reason, String expected) {
        JsonNode body = parse(api.encodeResult(turn(",'stop_sequences':['###']"),
                result("x", "", List.of(), reason, null)));
        assertThat(body.path("stop_reason").asText()).isEqualTo(expected);
        if (reason == FinishReason.STOP_SEQUENCE) {
            assertThat(body.path("stop_sequence").asText()).isEqualTo("###");
        } else {
            assertThat(body.get("stop_sequence").isNull()).isTrue();
        }
    }

    private static List<SseFrame> run(StreamEncoder encoder, List<ChatEvent> events, ChatResult result) {
        List<SseFrame> frames = new ArrayList<>(encoder.start());
        for (ChatEvent event : events) {
            frames.addAll(encoder.onEvent(event));
        }
        frames.addAll(encoder.finish(result));
        return frames;
    }

    private static void assertWellFormed(List<SseFrame> frames) {
        assertThat(frames).allSatisfy(f -> {
            assertThat(f.event()).isNotNull();
            assertThat(parse(f.data()).path("type").asText()).isEqualTo(f.event());
            assertThat(f.render()).startsWith("event: " + f.event() + "\ndata: {").endsWith("}\n\n");
        });
    }

    /** Asserts indexes: each block starts at the next index from 0, its deltas and stop share it. */
    private static void assertContiguousBlocks(List<SseFrame> frames) {
        int expected = 0;
        Integer open = null;
        for (SseFrame frame : frames) {
            JsonNode event = parse(frame.data());
            switch (frame.event()) {
                case "content_block_start" -> {
                    assertThat(open).as("a block is already open").isNull();
                    assertThat(event.path("index").asInt()).isEqualTo(expected);
                    open = expected++;
                }
                case "content_block_delta" -> assertThat(event.path("index").asInt()).isEqualTo(open);
                case "content_block_stop" -> {
                    assertThat(event.path("index").asInt()).isEqualTo(open);
                    open = null;
                }
                default -> assertThat(open).as("block open at " + frame.event()).isNull();
            }
        }
    }

    @Test
    void streamSequenceWithThinkingTextAndToolCalls() throws Exception {
        StreamEncoder encoder = api.streamEncoder(thinkingTurn(api), KMODEL, 321);
        List<SseFrame> frames = run(encoder, List.of(new ChatEvent.ThinkingDelta("th"),
                        new ChatEvent.ThinkingDelta("ink"), new ChatEvent.TextDelta(""), new ChatEvent.TextDelta("Hel"),
                        new ChatEvent.TextDelta("lo"), new ChatEvent.UsageReport(new Usage(300, 17, 0, 0, false))),
                result("Hello", "think", List.of(new ToolCall("toolu_a", "Bash", "{\"command\":\"pwd\"}"),
                        new ToolCall(null, "Read", "{\"path\":\"/x\"}")), FinishReason.TOOL_CALLS, null));
        assertWellFormed(frames);
        assertContiguousBlocks(frames);
        assertThat(frames).extracting(SseFrame::event).containsExactly(
                "message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_delta",
                "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        List<JsonNode> events = frames.stream().map(f -> parse(f.data())).toList();
        JsonNode message = events.get(0).path("message");
        assertThat(message.path("id").asText()).matches("msg_01[A-Za-z0-9]{22}");
        assertThat(message.path("content")).isEmpty();
        assertThat(message.path("model").asText()).isEqualTo("kmodel");
        assertThat(message.get("stop_reason").isNull()).isTrue();
        assertThat(message.path("usage")).isEqualTo(parse("{\"input_tokens\":321,\"output_tokens\":0}"));
        assertThat(events.get(2).path("content_block"))
                .isEqualTo(parse("{\"type\":\"thinking\",\"thinking\":\"\",\"signature\":\"\"}"));
        assertThat(events.get(3).path("delta")).isEqualTo(parse("{\"type\":\"thinking_delta\",\"thinking\":\"th\"}"));
        assertThat(events.get(5).path("delta"))
                .isEqualTo(parse("{\"type\":\"signature_delta\",\"signature\":\"lgw1." + sha256("think") + "\"}"));
        assertThat(events.get(7).path("content_block")).isEqualTo(parse("{\"type\":\"text\",\"text\":\"\"}"));
        assertThat(events.get(8).path("delta")).isEqualTo(parse("{\"type\":\"text_delta\",\"text\":\"Hel\"}"));
        assertThat(events.get(11).path("content_block"))
                .isEqualTo(parse("{\"type\":\"tool_use\",\"id\":\"toolu_a\",\"name\":\"Bash\",\"input\":{}}"));
        assertThat(events.get(12).path("delta"))
                .isEqualTo(parse("{\"type\":\"input_json_delta\",\"partial_json\":\"{\\\"command\\\":\\\"pwd\\\"}\"}"));
        assertThat(events.get(14).path("content_block").path("id").asText()).isEqualTo("toolu_1");
        assertThat(events.get(17).path("delta"))
                .isEqualTo(parse("{\"stop_reason\":\"tool_use\",\"stop_sequence\":null}"));
        assertThat(events.get(17).path("usage")).isEqualTo(parse("""
                {"input_tokens":300,"output_tokens":17,"cache_creation_input_tokens":0,"cache_read_input_tokens":0}"""));
    }

    @Test
    void vector116ThinkingRequestedButNoneArrivesTextBlockIsIndex0() {
        List<SseFrame> frames = run(api.streamEncoder(thinkingTurn(api), KMODEL, 1),
                List.of(new ChatEvent.TextDelta("hi")), result("hi", "", List.of(), FinishReason.STOP, null));
        assertWellFormed(frames);
        assertContiguousBlocks(frames);
        JsonNode start = frames.stream().filter(f -> "content_block_start".equals(f.event()))
                .map(f -> parse(f.data())).findFirst().orElseThrow();
        assertThat(start.path("index").asInt()).isZero();
        assertThat(start.path("content_block").path("type").asText()).isEqualTo("text");
    }

    @Test
    void thinkingIsNotStreamedWhenNotRequested() {
        List<SseFrame> frames = run(api.streamEncoder(turn(""), KMODEL, 1),
                List.of(new ChatEvent.ThinkingDelta("secret"), new ChatEvent.TextDelta("ok")),
                result("ok", "secret", List.of(), FinishReason.STOP, null));
        assertContiguousBlocks(frames);
        assertThat(frames).noneMatch(f -> f.data().contains("thinking"));
    }

    @Test
    void thinkingOnlyStreamIsClosedWithSignatureAtTheEnd() {
        List<SseFrame> frames = run(api.streamEncoder(thinkingTurn(api), KMODEL, 1),
                List.of(new ChatEvent.ThinkingDelta("only thought")),
                result("", "only thought", List.of(), FinishReason.LENGTH, new Usage(1, 3, 0, 0, true)));
        assertContiguousBlocks(frames);
        assertThat(frames).extracting(SseFrame::event).containsExactly("message_start", "ping",
                "content_block_start", "content_block_delta", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        JsonNode delta = parse(frames.get(6).data());
        assertThat(delta.path("delta").path("stop_reason").asText()).isEqualTo("max_tokens");
        assertThat(delta.path("usage").path("output_tokens").asLong()).isEqualTo(3);
    }

    @Test
    void thinkingAfterTextOpensANewBlockAtTheNextIndex() {
        List<SseFrame> frames = run(api.streamEncoder(thinkingTurn(api), KMODEL, 1),
                List.of(new ChatEvent.ThinkingDelta("a"), new ChatEvent.TextDelta("b"),
                        new ChatEvent.ThinkingDelta("c"), new ChatEvent.TextDelta("d")),
                result("bd", "ac", List.of(), FinishReason.STOP, null));
        assertWellFormed(frames);
        assertContiguousBlocks(frames);
        List<String> types = frames.stream().filter(f -> "content_block_start".equals(f.event()))
                .map(f -> parse(f.data()).path("content_block").path("type").asText()).toList();
        assertThat(types).containsExactly("thinking", "text", "thinking", "text");
        assertThat(frames).filteredOn(f -> f.data().contains("signature_delta")).hasSize(2);
    }

    @Test
    void emptyAnswerHasNoBlocks() {
        List<SseFrame> frames = run(api.streamEncoder(turn(""), KMODEL, 1), List.of(),
                result("", "", List.of(), FinishReason.STOP, null));
        assertThat(frames).extracting(SseFrame::event)
                .containsExactly("message_start", "ping", "message_delta", "message_stop");
        assertThat(parse(frames.get(2).data()).path("delta").path("stop_reason").asText()).isEqualTo("end_turn");
    }

    @Test
    void inputJsonIsChunkedWhenConfiguredAndReassemblesExactly() {
        AnthropicMessagesApi chunked = new AnthropicMessagesApi(MAPPER, SEQUENTIAL.withAnthropicInputJsonChunkSize(5));
        String arguments = "{\"command\":\"echo 😀 你好\",\"n\":1.50}";
        List<SseFrame> frames = run(chunked.streamEncoder(turn(""), KMODEL, 1), List.of(),
                result("", "", List.of(new ToolCall("t1", "Bash", arguments)), FinishReason.TOOL_CALLS, null));
        assertContiguousBlocks(frames);
        List<String> pieces = frames.stream().map(f -> parse(f.data()))
                .filter(e -> "input_json_delta".equals(e.path("delta").path("type").asText()))
                .map(e -> e.path("delta").path("partial_json").asText()).toList();
        assertThat(pieces.size()).isGreaterThan(5);
        assertThat(pieces).allSatisfy(p -> assertThat(p.length()).isLessThanOrEqualTo(5));
        assertThat(String.join("", pieces)).isEqualTo(arguments);
    }

    @Test
    void midStreamErrorIsOneErrorEventAndNothingAfter() {
        StreamEncoder encoder = api.streamEncoder(turn(""), KMODEL, 1);
        encoder.start();
        encoder.onEvent(new ChatEvent.TextDelta("partial"));
        List<SseFrame> frames = encoder.error(new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "Lingma went away"));
        assertThat(frames).singleElement().satisfies(f -> {
            assertThat(f.event()).isEqualTo("error");
            assertThat(parse(f.data())).isEqualTo(parse(
                    "{\"type\":\"error\",\"error\":{\"type\":\"overloaded_error\",\"message\":\"Lingma went away\"}}"));
        });
        assertThat(encoder.finish(result("", "", List.of(), FinishReason.STOP, null))).isEmpty();
        assertThat(encoder.onEvent(new ChatEvent.TextDelta("late"))).isEmpty();
    }

    @Test
    void keepAliveIsAPingEvent() {
        SseFrame ping = api.streamEncoder(turn(""), KMODEL, 1).keepAlive();
        assertThat(ping.render()).isEqualTo("event: ping\ndata: {\"type\":\"ping\"}\n\n");
    }

    @Test
    void errorBodyIsTheAnthropicEnvelope() {
        assertThat(parse(api.errorBody(new GatewayException(ErrorKind.INVALID_API_KEY, "bad key")))).isEqualTo(
                parse("{\"type\":\"error\",\"error\":{\"type\":\"authentication_error\",\"message\":\"bad key\"}}"));
    }
}
