package io.lingma.gateway.tools;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static io.lingma.gateway.tools.ToolTestSupport.AUTO;
import static io.lingma.gateway.tools.ToolTestSupport.any;
import static io.lingma.gateway.tools.ToolTestSupport.sequentialIds;
import static io.lingma.gateway.tools.ToolTestSupport.stringTool;
import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.7–§10.9 through {@link ToolEmulatingTurn}, with scripted upstream turns. */
class ToolEmulatingTurnTest {

    private static final List<ToolDefinition> BASH = List.of(stringTool("Bash", 1, "command"));
    private static final ResolvedModel MODEL = new ResolvedModel("kmodel", "Kimi", "kmodel", false);
    private static final String BLOCK = "```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}\n```";
    private final TokenEstimator estimator = new TokenEstimator();
    private final ToolEmulation emulation = new ToolEmulation(TestSettings.tools(), estimator);

    /** A scripted upstream turn; cancel enqueues a failure, like the real backends. */
    static final class FakeTurn implements UpstreamTurn {
        final BlockingQueue<ChatEvent> queue = new LinkedBlockingQueue<>();
        volatile String cancelled;
        volatile boolean closed;
        private ChatEvent terminal;

        FakeTurn(ChatEvent... events) {
            queue.addAll(List.of(events));
        }

        @Override
        public ChatEvent next(Duration timeout) throws InterruptedException {
            if (terminal != null) {
                return terminal;
            }
            ChatEvent e = queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
            if (e != null && e.terminal()) {
                terminal = e;
            }
            return e;
        }

        @Override
        public ResolvedModel model() {
            return MODEL;
        }

        @Override
        public void cancel(String reason) {
            cancelled = reason;
            queue.offer(new ChatEvent.Failure(new GatewayException(ErrorKind.UPSTREAM_ERROR, "cancelled: " + reason)));
        }

        @Override
        public void close() {
            closed = true;
        }
    }

    /** Records the instruction and hands out one scripted retry turn. */
    static final class FakeRetry implements ToolRetry {
        final FakeTurn turn;
        final List<String> instructions = new ArrayList<>();

        FakeRetry(FakeTurn turn) {
            this.turn = turn;
        }

        @Override
        public UpstreamTurn retry(String retryInstruction) {
            instructions.add(retryInstruction);
            return turn;
        }
    }

    private static ChatTurn request(ToolChoice choice, boolean stream) {
        return new ChatTurn("req-1", ApiProtocol.OPENAI_CHAT, "kmodel", "", List.of(ChatMessage.user("list files")),
                BASH, choice, true, null, stream, false, null, null, null, null, null);
    }

    private static ChatEvent text(String s) {
        return new ChatEvent.TextDelta(s);
    }

    private static ChatEvent finish() {
        return new ChatEvent.Finish(FinishReason.STOP);
    }

    private static ChatEvent estimatedUsage() {
        return new ChatEvent.UsageReport(new Usage(100, 999, 0, 0, true));
    }

    /** Drains a turn up to and including its terminal event. */
    private static List<ChatEvent> drain(UpstreamTurn turn) throws InterruptedException {
        List<ChatEvent> events = new ArrayList<>();
        while (true) {
            ChatEvent e = turn.next(Duration.ofSeconds(5));
            assertThat(e).as("event before timeout").isNotNull();
            events.add(e);
            if (e.terminal()) {
                assertThat(turn.next(Duration.ZERO)).isSameAs(e);
                return events;
            }
        }
    }

    private static String textOf(List<ChatEvent> events) {
        StringBuilder sb = new StringBuilder();
        events.stream().filter(e -> e instanceof ChatEvent.TextDelta)
                .forEach(e -> sb.append(((ChatEvent.TextDelta) e).text()));
        return sb.toString();
    }

    private static List<ToolCall> callsOf(List<ChatEvent> events) {
        return events.stream().filter(e -> e instanceof ChatEvent.ToolCallDelta)
                .map(e -> ((ChatEvent.ToolCallDelta) e).call()).toList();
    }

    private static ChatEvent last(List<ChatEvent> events) {
        return events.get(events.size() - 1);
    }

    @Test
    void callsFoundAreEmittedAfterTheTextWithToolCallsFinish() throws Exception {
        FakeTurn inner = new FakeTurn(text("Checking.\n```json"), text(" action\n{\"tool\":\"Bash\",\"parameters\":"),
                text("{\"command\":\"ls\"}}\n```\nDone."), estimatedUsage(), finish());
        UpstreamTurn turn = emulation.emulate(inner, request(AUTO, true), sequentialIds(), null);
        List<ChatEvent> events = drain(turn);
        assertThat(textOf(events)).isEqualTo("Checking.\n\nDone.").doesNotContain("```");
        assertThat(callsOf(events)).containsExactly(new ToolCall("call_1", "Bash", "{\"command\":\"ls\"}"));
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.TOOL_CALLS));
        int firstCall = events.indexOf(events.stream().filter(e -> e instanceof ChatEvent.ToolCallDelta).findFirst()
                .orElseThrow());
        assertThat(events.subList(firstCall, events.size())).noneMatch(e -> e instanceof ChatEvent.TextDelta);
        assertThat(events.stream().filter(e -> e.terminal()).count()).isEqualTo(1);
    }

    @Test
    void refusalTriggersOneRetryWhoseCallsAreUsed() throws Exception {
        FakeTurn inner = new FakeTurn(text("I cannot execute commands on your machine."), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(text(BLOCK), finish()));
        ToolEmulatingTurn turn = (ToolEmulatingTurn) emulation.emulate(inner, request(AUTO, true), sequentialIds(),
                retry);
        List<ChatEvent> events = drain(turn);
        assertThat(retry.instructions).singleElement().asString().startsWith(ToolContract.RETRY_MARKER);
        assertThat(turn.retried()).isTrue();
        assertThat(textOf(events)).isEqualTo("I cannot execute commands on your machine.");
        assertThat(callsOf(events)).extracting(ToolCall::name).containsExactly("Bash");
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.TOOL_CALLS));
    }

    @Test
    void autoRetryTextFollowsTheReleasedTextAfterABlankLine() throws Exception {
        FakeTurn inner = new FakeTurn(text("Let me use the terminal."), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(text("Running it.\n" + BLOCK), finish()));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(AUTO, true), sequentialIds(), retry));
        // the newline before the action block belongs to no text: the non-streamed cleaned text is trimmed too
        assertThat(textOf(events)).isEqualTo("Let me use the terminal.\n\nRunning it.");
        assertThat(callsOf(events)).hasSize(1);
    }

    @Test
    void forcedModeHoldsTheRefusedFirstAttempt() throws Exception {
        FakeTurn inner = new FakeTurn(text("Here is how you could list the files yourself: " + "x".repeat(200)),
                finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(text("Running it.\n" + BLOCK), finish()));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(any(), true), sequentialIds(), retry));
        assertThat(textOf(events)).isEqualTo("Running it.");
        assertThat(callsOf(events)).hasSize(1);
    }

    @Test
    void forcedRetryWithoutCallsShowsBothReplies() throws Exception {
        FakeTurn inner = new FakeTurn(text("No."), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(text("Still no."), finish()));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(any(), false), sequentialIds(), retry));
        assertThat(textOf(events)).isEqualTo("No.\n\nStill no.");
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
    }

    @Test
    void noCallsReleasesAllTextAndDoesNotRetry() throws Exception {
        String answer = "This file routes the HTTP API. It has {\"name\": \"x\"} in an example. " + "y".repeat(150);
        FakeTurn inner = new FakeTurn(text(answer.substring(0, 40)), text(answer.substring(40)), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn());
        ToolEmulatingTurn turn = (ToolEmulatingTurn) emulation.emulate(inner, request(AUTO, true), sequentialIds(),
                retry);
        List<ChatEvent> events = drain(turn);
        assertThat(textOf(events)).isEqualTo(answer);
        assertThat(retry.instructions).isEmpty();
        assertThat(turn.retried()).isFalse();
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
    }

    @Test
    void streamingReleasesTextBeforeTheEnd() throws Exception {
        FakeTurn inner = new FakeTurn(text("a".repeat(200)));
        UpstreamTurn turn = emulation.emulate(inner, request(AUTO, true), sequentialIds(), null);
        ChatEvent first = turn.next(Duration.ofSeconds(5));
        assertThat(first).isEqualTo(text("a".repeat(104)));
        assertThat(turn.next(Duration.ZERO)).isNull();
    }

    @Test
    void nonStreamingHoldsEverythingAndEmitsTheCleanedText() throws Exception {
        FakeTurn inner = new FakeTurn(text("a".repeat(200) + "\n" + BLOCK + "\n"), finish());
        List<ChatEvent> events = drain(emulation.emulate(inner, request(AUTO, false), sequentialIds(), null));
        assertThat(events.get(0)).isEqualTo(text("a".repeat(200)));
        assertThat(callsOf(events)).hasSize(1);
    }

    @Test
    void thinkingAndContextUsagePassThroughAtOnce() throws Exception {
        FakeTurn inner = new FakeTurn(new ChatEvent.ThinkingDelta("hmm"), new ChatEvent.ContextUsage(5, 10));
        UpstreamTurn turn = emulation.emulate(inner, request(any(), true), sequentialIds(), null);
        assertThat(turn.next(Duration.ofSeconds(5))).isEqualTo(new ChatEvent.ThinkingDelta("hmm"));
        assertThat(turn.next(Duration.ofSeconds(5))).isEqualTo(new ChatEvent.ContextUsage(5, 10));
    }

    @Test
    void estimatedUsageIsRecomputedFromTheTextFinallyUsed() throws Exception {
        FakeTurn inner = new FakeTurn(text("Sure.\n" + BLOCK), estimatedUsage(), finish());
        List<ChatEvent> events = drain(emulation.emulate(inner, request(AUTO, true), sequentialIds(), null));
        Usage usage = events.stream().filter(e -> e instanceof ChatEvent.UsageReport)
                .map(e -> ((ChatEvent.UsageReport) e).usage()).findFirst().orElseThrow();
        assertThat(usage.promptTokens()).isEqualTo(100);
        assertThat(usage.completionTokens()).isEqualTo(estimator.estimate("Sure." + "{\"command\":\"ls\"}"));
        assertThat(usage.estimated()).isTrue();
    }

    @Test
    void reportedUsageOfBothAttemptsIsSummed() throws Exception {
        FakeTurn inner = new FakeTurn(text("I can't execute that."),
                new ChatEvent.UsageReport(new Usage(10, 3, 0, 0, false)), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(text(BLOCK),
                new ChatEvent.UsageReport(new Usage(12, 7, 1, 2, false)), finish()));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(AUTO, true), sequentialIds(), retry));
        assertThat(events).contains(new ChatEvent.UsageReport(new Usage(22, 10, 1, 2, false)));
    }

    @Test
    void upstreamFailureIsTheOnlyTerminal() throws Exception {
        GatewayException boom = new GatewayException(ErrorKind.UPSTREAM_ERROR, "boom");
        FakeTurn inner = new FakeTurn(text("partial"), new ChatEvent.Failure(boom));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(AUTO, true), sequentialIds(), null));
        assertThat(last(events)).isEqualTo(new ChatEvent.Failure(boom));
        assertThat(callsOf(events)).isEmpty();
    }

    @Test
    void failedRetryFallsBackToTheFirstReply() throws Exception {
        FakeTurn inner = new FakeTurn(text("No tools here."), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(new ChatEvent.Failure(
                new GatewayException(ErrorKind.UPSTREAM_ERROR, "retry broke"))));
        List<ChatEvent> events = drain(emulation.emulate(inner, request(any(), true), sequentialIds(), retry));
        assertThat(textOf(events)).isEqualTo("No tools here.");
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
        ToolRetry throwing = instruction -> {
            throw new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "down");
        };
        List<ChatEvent> second = drain(emulation.emulate(new FakeTurn(text("No."), finish()), request(any(), true),
                sequentialIds(), throwing));
        assertThat(textOf(second)).isEqualTo("No.");
    }

    @Test
    void cancelFromAnotherThreadReachesTheRunningAttempt() throws Exception {
        FakeTurn inner = new FakeTurn();
        UpstreamTurn turn = emulation.emulate(inner, request(AUTO, true), sequentialIds(), null);
        CompletableFuture<ChatEvent> waiting = CompletableFuture.supplyAsync(() -> {
            try {
                return turn.next(Duration.ofSeconds(10));
            } catch (InterruptedException e) {
                throw new IllegalStateException(e);
            }
        });
        turn.cancel("client gone");
        assertThat(waiting.get(10, TimeUnit.SECONDS)).isInstanceOf(ChatEvent.Failure.class);
        assertThat(inner.cancelled).isEqualTo("client gone");
    }

    @Test
    void cancelAndCloseReachTheRetry() throws Exception {
        FakeTurn inner = new FakeTurn(text("No."), finish());
        FakeTurn retryTurn = new FakeTurn(text("thinking about it"));
        UpstreamTurn turn = emulation.emulate(inner, request(any(), true), sequentialIds(), new FakeRetry(retryTurn));
        assertThat(turn.next(Duration.ofMillis(200))).isNull();
        turn.cancel("timeout");
        assertThat(retryTurn.cancelled).isEqualTo("timeout");
        assertThat(inner.cancelled).isEqualTo("timeout");
        assertThat(drain(turn)).last().isInstanceOf(ChatEvent.Failure.class);
        turn.close();
        turn.close();
        assertThat(inner.closed).isTrue();
        assertThat(retryTurn.closed).isTrue();
    }

    @Test
    void nativeCallsAreFilteredAgainstTheDeclaredTools() throws Exception {
        FakeTurn inner = new FakeTurn(text("ok"),
                new ChatEvent.ToolCallDelta(new ToolCall("call_up", "bash", "{\"command\":\"pwd\",\"junk\":1}")),
                new ChatEvent.ToolCallDelta(new ToolCall("call_x", "nope", "{}")), finish());
        List<ChatEvent> events = drain(emulation.nativeCalls(inner, request(AUTO, true), sequentialIds(), null, true));
        assertThat(textOf(events)).isEqualTo("ok");
        assertThat(callsOf(events)).containsExactly(new ToolCall("call_up", "Bash", "{\"command\":\"pwd\"}"));
        assertThat(last(events)).isEqualTo(new ChatEvent.Finish(FinishReason.TOOL_CALLS));
    }

    @Test
    void textIsParsedWhenNoNativeCallArrivedOnlyWithTheFallback() throws Exception {
        List<ChatEvent> on = drain(emulation.nativeCalls(new FakeTurn(text(BLOCK), finish()), request(AUTO, true),
                sequentialIds(), null, true));
        assertThat(callsOf(on)).hasSize(1);
        List<ChatEvent> off = drain(emulation.nativeCalls(new FakeTurn(text(BLOCK), finish()), request(AUTO, true),
                sequentialIds(), null, false));
        assertThat(callsOf(off)).isEmpty();
        assertThat(textOf(off)).isEqualTo(BLOCK);
    }

    @Test
    void announcedButNotCalledRetriesOnTheNativePath() throws Exception {
        FakeTurn inner = new FakeTurn(text("Let me check the project layout:"), finish());
        FakeRetry retry = new FakeRetry(new FakeTurn(
                new ChatEvent.ToolCallDelta(new ToolCall("call_r", "Bash", "{\"command\":\"ls\"}")), finish()));
        List<ChatEvent> events = drain(emulation.nativeCalls(inner, request(AUTO, true), sequentialIds(), retry, true));
        assertThat(retry.instructions).hasSize(1);
        assertThat(callsOf(events)).extracting(ToolCall::id).containsExactly("call_r");
        List<ChatEvent> emulated = drain(emulation.emulate(new FakeTurn(text("Let me check the project layout:"),
                finish()), request(AUTO, true), sequentialIds(), new FakeRetry(new FakeTurn(finish()))));
        assertThat(textOf(emulated)).isEqualTo("Let me check the project layout:");
    }

    @Test
    void modeNoneIsNotWrapped() {
        FakeTurn inner = new FakeTurn();
        assertThat(emulation.emulate(inner, request(ToolChoice.NONE, true), sequentialIds(), null)).isSameAs(inner);
        assertThat(emulation.contractFor(request(ToolChoice.NONE, true))).isNull();
        assertThat(emulation.contractFor(request(AUTO, true))).contains(ToolContract.AVAILABLE_TOOLS);
    }
}
