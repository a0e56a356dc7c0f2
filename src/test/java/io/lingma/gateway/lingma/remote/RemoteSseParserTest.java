package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lingma-remote.md §7.3 samples, §7.4 rules, §8.2 in-stream errors and the parser-level §11.5 faults. */
class RemoteSseParserTest {

    private static final String H = "\"headers\":{\"Content-Type\":[\"application/json\"]},";

    private static String env(String innerJsonEscaped) {
        return "data:{" + H + "\"body\":\"" + innerJsonEscaped + "\",\"statusCodeValue\":200,\"statusCode\":\"OK\"}";
    }

    private final RemoteSseParser parser = new RemoteSseParser(1 << 20, () -> "call_generated");

    private List<ChatEvent> feed(String stream) {
        List<ChatEvent> events = new ArrayList<>();
        for (String line : stream.split("\n", -1)) {
            events.addAll(parser.onLine(line));
        }
        return events;
    }

    private static String text(List<ChatEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ChatEvent.TextDelta)
                .forEach(e -> sb.append(((ChatEvent.TextDelta) e).text()));
        return sb.toString();
    }

    private static String thinking(List<ChatEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ChatEvent.ThinkingDelta)
                .forEach(e -> sb.append(((ChatEvent.ThinkingDelta) e).text()));
        return sb.toString();
    }

    @Test
    void section73IllustrativeStreamParsesToPongStopAndUsage() {
        String stream = env("{\\\"id\\\":\\\"chatcmpl-1\\\",\\\"model\\\":\\\"kmodel\\\"}") + "\n\n"
                + env("{\\\"choices\\\":[{\\\"index\\\":0,\\\"delta\\\":{\\\"role\\\":\\\"assistant\\\",\\\"content\\\":\\\"Po\\\"}}]}") + "\n\n"
                + env("{\\\"choices\\\":[{\\\"index\\\":0,\\\"delta\\\":{\\\"content\\\":\\\"ng\\\"},\\\"finish_reason\\\":\\\"stop\\\"}],\\\"usage\\\":{\\\"prompt_tokens\\\":1,\\\"completion_tokens\\\":1,\\\"total_tokens\\\":2}}") + "\n\n"
                + env("[DONE]") + "\n\n"
                + "event:finish\n"
                + "data:{\"firstTokenDuration\":312,\"totalDuration\":980,\"serverDuration\":120}\n\n";
        List<ChatEvent> events = new ArrayList<>();
        for (String line : stream.split("\n", -1)) {
            events.addAll(parser.onLine(line));
            if (line.contains("[DONE]")) {
                assertThat(parser.awaitingFinishFrame()).isTrue();
            }
        }
        assertThat(text(events)).isEqualTo("Pong");
        assertThat(events.subList(events.size() - 2, events.size())).containsExactly(
                new ChatEvent.UsageReport(new Usage(1, 1, 0, 0, false)), new ChatEvent.Finish(FinishReason.STOP));
        assertThat(parser.complete()).isTrue();
        assertThat(parser.emitted()).isTrue();
        assertThat(parser.metrics()).containsEntry("firstTokenDuration", 312L).containsEntry("totalDuration", 980L)
                .containsEntry("serverDuration", 120L);
        assertThat(parser.upstreamModel()).isEqualTo("kmodel");
        assertThat(parser.onEof()).isEmpty();
    }

    @Test
    void section73ToolCallVariantMergesFragments() {
        String stream = "data:{\"body\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"tool_calls\\\":[{\\\"index\\\":0,\\\"id\\\":\\\"call_1\\\",\\\"type\\\":\\\"function\\\",\\\"function\\\":{\\\"name\\\":\\\"read_file\\\",\\\"arguments\\\":\\\"{\\\\\\\"file_path\\\\\\\":\\\\\\\"/Users/you\\\"}}]}}]}\",\"statusCodeValue\":200}\n"
                + "data:{\"body\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"tool_calls\\\":[{\\\"index\\\":0,\\\"function\\\":{\\\"arguments\\\":\\\"/a.txt\\\\\\\"}\\\"}}]},\\\"finish_reason\\\":\\\"tool_calls\\\"}]}\",\"statusCodeValue\":200}\n"
                + "data:[DONE]";
        List<ChatEvent> events = feed(stream);
        assertThat(events).containsExactly(
                new ChatEvent.ToolCallDelta(new ToolCall("call_1", "read_file", "{\"file_path\":\"/Users/you/a.txt\"}")),
                new ChatEvent.Finish(FinishReason.TOOL_CALLS));
        assertThat(parser.emitted()).isFalse();
    }

    @Test
    void interleavedIndicesMissingAndInvalidIdsGetGeneratedIds() {
        String stream = "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"name\":\"b\",\"arguments\":\"{\"}},{\"index\":0,\"id\":\"bad id!\",\"function\":{\"name\":\"a\"}}]}}]}\n"
                + "data: {\"choices\":[{\"delta\":{\"tool_calls\":[{\"index\":1,\"function\":{\"arguments\":\"}\"}}]}}]}\n"
                + "data: [DONE]";
        List<ChatEvent> events = feed(stream);
        assertThat(events).containsExactly(
                new ChatEvent.ToolCallDelta(new ToolCall("call_generated", "b", "{}")),
                new ChatEvent.ToolCallDelta(new ToolCall("call_generated", "a", "{}")),
                new ChatEvent.Finish(FinishReason.TOOL_CALLS));
    }

    @Test
    void reasoningContentAndThoughtTagsSplitAcrossFrames() {
        String stream = "data:{\"choices\":[{\"delta\":{\"reasoning_content\":\"plan \"}}]}\n"
                + "data:{\"choices\":[{\"delta\":{\"content\":\"<tho\"}}]}\n"
                + "data:{\"choices\":[{\"delta\":{\"content\":\"ught>deep</th\"}}]}\n"
                + "data:{\"choices\":[{\"delta\":{\"content\":\"ought>Answer <b>\"}}]}\n"
                + "data:{\"choices\":[{\"delta\":{\"content\":\" done <\"}}],\"usage\":{\"input_tokens\":3,\"output_tokens\":4}}\n"
                + "data:[DONE]";
        List<ChatEvent> events = feed(stream);
        assertThat(thinking(events)).isEqualTo("plan deep");
        assertThat(text(events)).isEqualTo("Answer <b> done <");
        assertThat(events).contains(new ChatEvent.UsageReport(new Usage(3, 4, 0, 0, false)));
        assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
    }

    @Test
    void crlfCommentsPingEventsNullBodiesAndEnvelopesWithoutHeadersAreTolerated() {
        List<ChatEvent> events = new ArrayList<>();
        for (String line : List.of(": keep-alive\r", "event:ping\r", "data:{\"type\":\"ping\"}\r", "\r",
                "data: {\"body\":\"null\"}\r", "data:{\"body\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"\\\\n\\\"}}]}\"}\r",
                "data: {\"body\":\"{\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"x\\\"},\\\"finish_reason\\\":\\\"length\\\"}]}\",\"statusCodeValue\":200}",
                "data:[DONE]")) {
            events.addAll(parser.onLine(line));
        }
        assertThat(text(events)).isEqualTo("\nx");
        assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.LENGTH));
    }

    @Test
    void nonJsonDataLineAmongValidFramesIsSkipped() {
        List<ChatEvent> events = feed("data:garbage{\ndata:{\"choices\":[{\"delta\":{\"content\":\"ok\"}}]}\n"
                + "data:[DONE]");
        assertThat(text(events)).isEqualTo("ok");
        assertThat(parser.skippedFrames()).isEqualTo(1);
    }

    @Test
    void onlyNonJsonDataLinesIsAProtocolError() {
        feed("data:garbage\ndata:<html>\n");
        assertThatThrownBy(parser::onEof).isInstanceOfSatisfying(RemoteFailure.class,
                f -> assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.PROTOCOL));
    }

    @Test
    void eofWithoutEndMarkerIsIncompleteButFinishReasonSuffices() {
        feed("data:{\"choices\":[{\"delta\":{\"content\":\"partial\"}}]}");
        assertThatThrownBy(parser::onEof).isInstanceOfSatisfying(RemoteFailure.class, f -> {
            assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.TRANSIENT);
            assertThat(f.detail()).isEqualTo(RemoteFailure.Detail.INCOMPLETE);
            assertThat(f.toGatewayException().kind().openAiCode()).isEqualTo("upstream_incomplete");
        });
        RemoteSseParser other = new RemoteSseParser();
        other.onLine("data:{\"choices\":[{\"delta\":{\"content\":\"a\"},\"finish_reason\":\"stop\"}]}");
        assertThat(other.onEof()).containsExactly(new ChatEvent.Finish(FinishReason.STOP));
    }

    @Test
    void envelopeDoneWithoutFinishFrameEndsAtGraceExpiry() {
        feed(env("{\\\"choices\\\":[{\\\"delta\\\":{\\\"content\\\":\\\"hi\\\"}}]}") + "\n" + env("[DONE]"));
        assertThat(parser.awaitingFinishFrame()).isTrue();
        assertThat(parser.onEof()).containsExactly(new ChatEvent.Finish(FinishReason.STOP));
    }

    @Test
    void section82InStreamEnvelope429IsBusyAndFallbackEligible() {
        assertThatThrownBy(() -> feed("data:{" + H + "\"body\":\"{\\\"code\\\":\\\"provider_error\\\",\\\"message\\\":"
                + "\\\"All backends failed\\\",\\\"request_id\\\":\\\"x\\\",\\\"type\\\":\\\"provider_error\\\"}\\n\","
                + "\"statusCodeValue\":429,\"statusCode\":\"TOO_MANY_REQUESTS\"}"))
                .isInstanceOfSatisfying(RemoteFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.BUSY);
                    assertThat(f.httpStatus()).isEqualTo(429);
                    assertThat(f.upstreamMessage()).isEqualTo("All backends failed");
                    assertThat(f.fallbackEligible()).isTrue();
                });
    }

    @Test
    void section82InStream500IsTransientAndQuotaIsNotEligible() {
        assertThatThrownBy(() -> feed("data:{\"body\":\"oops\",\"statusCodeValue\":500}"))
                .isInstanceOfSatisfying(RemoteFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.TRANSIENT));
        RemoteSseParser quota = new RemoteSseParser();
        assertThatThrownBy(() -> quota.onLine("data:{\"body\":\"quota exceeded\",\"statusCodeValue\":403,"
                + "\"statusCode\":\"FORBIDDEN\"}")).isInstanceOfSatisfying(RemoteFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.QUOTA);
                    assertThat(f.fallbackEligible()).isFalse();
                    assertThat(f.toGatewayException().kind().openAiCode()).isEqualTo("insufficient_quota");
                });
    }

    @Test
    void section82BusyCode10605On403IsNotAuth() {
        assertThatThrownBy(() -> feed("data:{\"body\":\"{\\\"code\\\":10605,\\\"message\\\":\\\"{\\\\\\\"retryAfterSeconds\\\\\\\":3}\\\"}\","
                + "\"statusCodeValue\":403}")).isInstanceOfSatisfying(RemoteFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.BUSY);
                    assertThat(f.retryAfterSeconds()).isEqualTo(3);
                    assertThat(f.toGatewayException().retryAfterSeconds()).isEqualTo(3);
                    assertThat(f.toGatewayException().status()).isEqualTo(429);
                });
    }

    @Test
    void section82EventErrorFrameAfterTextIsAFailureNotAPartialSuccess() {
        feed("data:{\"choices\":[{\"delta\":{\"content\":\"some\"}}]}");
        assertThat(parser.emitted()).isTrue();
        assertThatThrownBy(() -> feed("event:error\ndata:{\"success\":false,\"traceId\":\"t\",\"msgCode\":500,"
                + "\"msgInfo\":\"Internal Server Error\",\"message\":\"Internal Server Error\"}"))
                .isInstanceOfSatisfying(RemoteFailure.class, f -> {
                    assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.TRANSIENT);
                    assertThat(f.getMessage()).contains("Internal Server Error");
                });
        assertThat(parser.onEof()).isEmpty();
    }

    @Test
    void htmlBodyWithoutDataLinesIsAuth() {
        feed("<!DOCTYPE html>\n<html><body>login</body></html>");
        assertThatThrownBy(parser::onEof).isInstanceOfSatisfying(RemoteFailure.class,
                f -> assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.AUTH));
    }

    @Test
    void overlongLineIsRejectedAtTheCap() {
        RemoteSseParser small = new RemoteSseParser(2048, () -> "call_x");
        String big = "data:{\"choices\":[{\"delta\":{\"content\":\"" + "a".repeat(1500) + "\"}}]}";
        assertThat(small.onLine(big)).hasSize(1);
        assertThatThrownBy(() -> small.onLine("data:" + "b".repeat(3000)))
                .isInstanceOfSatisfying(RemoteFailure.class,
                        f -> assertThat(f.kind()).isEqualTo(RemoteFailure.Kind.PROTOCOL));
    }
}
