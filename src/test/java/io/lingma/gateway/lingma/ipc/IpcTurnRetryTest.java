package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.RetryableTurn;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The tool-emulation retry of an IPC turn (client-api.md §10.8 step 3, lingma-ipc.md §6.2). */
class IpcTurnRetryTest extends IpcBackendTestSupport {

    private static final String INSTRUCTION = "You MUST answer with a tool call now.";

    @BeforeEach
    void refuseFirstAnswerOnRetry() {
        // first attempt refuses, the retry (gw-retry-… request id) answers with the call
        peer.on("session/prompt", (c, m) -> {
            if (isRetry(m)) {
                c.normalTurn(m, "<tool_call>", "ls</tool_call>");
            } else {
                c.normalTurn(m, "I cannot ", "run commands");
            }
        });
    }

    private void startBackend(IpcSettings.SessionMode mode, Duration setupTimeout) {
        startBackend(settings().sessionMode(mode).setupTimeout(setupTimeout).build());
    }

    private void startBackend(IpcSettings.SessionMode mode) {
        startBackend(mode, Duration.ofSeconds(5));
    }

    /** A turn whose first answer refused, and its retry, which has streamed "working" and then stays open. */
    private record Running(RetryableTurn original, UpstreamTurn retry) {
    }

    private Running refusedThenWorkingRetry(IpcSettings.SessionMode mode) throws InterruptedException {
        startBackend(mode);
        peer.on("session/prompt", (c, m) -> {
            if (isRetry(m)) {
                c.chunk(m, "agent_message_chunk", "working");
            } else {
                c.normalTurn(m, "I cannot run commands");
            }
        });
        RetryableTurn t = (RetryableTurn) backend.open(turn("Hi"), MODEL);
        drain(t);
        UpstreamTurn retry = t.retry(INSTRUCTION);
        assertThat(retry.next(Duration.ofSeconds(10))).isEqualTo(new ChatEvent.TextDelta("working"));
        return new Running(t, retry);
    }

    private static boolean isRetry(JsonNode prompt) {
        return FakeLingmaPeer.rid(prompt).startsWith("gw-retry-");
    }

    private static String promptText(JsonNode prompt) {
        return prompt.path("params").path("prompt").get(0).path("text").asText();
    }

    private JsonNode lastPrompt() {
        List<JsonNode> prompts = peer.received("session/prompt");
        return prompts.get(prompts.size() - 1);
    }

    private List<String> deletedSessions() {
        return peer.received("chat/deleteSessionById").stream()
                .map(d -> d.path("params").path("sessionId").asText()).toList();
    }

    private Object openTurns() {
        return backend.status().get("open_turns");
    }

    @Test
    void freshModeRetriesInTheSameSessionAndDeletesItOnlyOnClose() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        RetryableTurn first = (RetryableTurn) backend.open(turn("List the files"), MODEL);
        assertThat(text(drain(first))).isEqualTo("I cannot run commands");
        JsonNode original = lastPrompt();

        UpstreamTurn retry = first.retry(INSTRUCTION);
        List<ChatEvent> events = drain(retry);
        assertThat(text(events)).isEqualTo("<tool_call>ls</tool_call>");
        assertThat(events).contains(new ChatEvent.ThinkingDelta("thinking…"),
                new ChatEvent.ContextUsage(5123, 131072));
        assertThat(events.get(events.size() - 1)).isEqualTo(new ChatEvent.Finish(FinishReason.STOP));
        ChatEvent.UsageReport usage = (ChatEvent.UsageReport) events.get(events.size() - 2);
        String retryText = "List the files\n\n" + INSTRUCTION;
        assertThat(usage.usage().promptTokens()).isEqualTo(new TokenEstimator().estimate(retryText));
        assertThat(usage.usage().completionTokens())
                .isEqualTo(new TokenEstimator().estimate("<tool_call>ls</tool_call>thinking…"));

        JsonNode sent = lastPrompt();
        assertThat(peer.received("session/prompt")).hasSize(2);
        assertThat(FakeLingmaPeer.sid(sent)).isEqualTo(FakeLingmaPeer.sid(original));
        assertThat(FakeLingmaPeer.rid(sent)).matches("gw-retry-\\d{13}-[0-9a-f]{8}");
        assertThat(promptText(sent)).isEqualTo(promptText(original) + "\n\n" + INSTRUCTION);
        assertThat(sent.path("params").path("prompt")).hasSize(1);
        assertThat(sent.path("params").path("contextParams").isNull()).isTrue();
        JsonNode meta = sent.path("params").path("_meta");
        JsonNode originalMeta = original.path("params").path("_meta").deepCopy();
        ((com.fasterxml.jackson.databind.node.ObjectNode) originalMeta).put("ai-coding/request-id",
                FakeLingmaPeer.rid(sent));
        assertThat(meta).isEqualTo(originalMeta);
        assertThat(peer.received("session/new")).hasSize(1);
        assertThat(peer.received("session/set_model")).hasSize(1);
        // a delete sent before the retry prompt would have reached the peer before it
        assertThat(peer.received("chat/deleteSessionById")).isEmpty();
        assertThat(openTurns()).isEqualTo(1);

        assertThatThrownBy(() -> first.retry(INSTRUCTION)).isInstanceOf(IllegalStateException.class);
        assertThatThrownBy(() -> ((RetryableTurn) retry).retry(INSTRUCTION))
                .isInstanceOf(IllegalStateException.class);

        first.close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> deletedSessions().equals(List.of(FakeLingmaPeer.sid(sent))));
        assertThat(openTurns()).isEqualTo(0);
        retry.close();
        first.close();
        assertThat(openTurns()).isEqualTo(0);
        assertThat(retry.next(Duration.ZERO)).isEqualTo(events.get(events.size() - 1));
    }

    @Test
    void freshSessionWithoutRetryIsStillDeletedOnCloseOnly() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            drain(t);
            // the slot stays taken until close: a retry may still follow
            assertThat(openTurns()).isEqualTo(1);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> deletedSessions().size() == 1);
        assertThat(openTurns()).isEqualTo(0);
    }

    @Test
    void retryDoesNotResendImages() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        ChatMessage withImage = new ChatMessage(ChatRole.USER, "", "[image]",
                List.of(new ImageInput("image/png", "AAAA", null)), null, null, false, List.of());
        try (RetryableTurn t = (RetryableTurn) backend.open(turn(List.of(withImage), List.of()), MODEL)) {
            drain(t);
            assertThat(peer.received("session/prompt").get(0).path("params").path("prompt")).hasSize(2);
            drain(t.retry(INSTRUCTION));
        }
        JsonNode sent = lastPrompt().path("params");
        assertThat(sent.path("prompt")).hasSize(1);
        assertThat(sent.path("contextParams").isNull()).isTrue();
        assertThat(sent.has("extra")).isFalse();
    }

    @Test
    void retryBeforeTheEndIsIllegal() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        peer.on("session/prompt", (c, m) -> c.chunk(m, "agent_message_chunk", "still typing"));
        try (RetryableTurn t = (RetryableTurn) backend.open(turn("Hi"), MODEL)) {
            assertThat(t.next(Duration.ofSeconds(10))).isEqualTo(new ChatEvent.TextDelta("still typing"));
            assertThatThrownBy(() -> t.retry(INSTRUCTION)).isInstanceOf(IllegalStateException.class);
        }
        await().atMost(5, TimeUnit.SECONDS).until(() -> deletedSessions().size() == 1);
        assertThat(peer.received("session/prompt")).hasSize(1);
        assertThat(openTurns()).isEqualTo(0);
    }

    @Test
    void retryAfterAFailedTurnIsAGatewayException() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        peer.on("session/prompt", (c, m) -> c.error(m.get("id"), -32001, "unknown session"));
        try (RetryableTurn t = (RetryableTurn) backend.open(turn("Hi"), MODEL)) {
            failure(drain(t));
            assertThatThrownBy(() -> t.retry(INSTRUCTION)).isInstanceOf(GatewayException.class);
        }
        assertThat(peer.received("session/prompt")).hasSize(1);
        assertThat(openTurns()).isEqualTo(0);
    }

    @Test
    void autoModeCacheHitRetriesWithTheNewestUserTextAndIsNotCachedAgain() throws Exception {
        startBackend(IpcSettings.SessionMode.AUTO);
        peer.on("session/prompt", (c, m) -> c.normalTurn(m, isRetry(m) ? "retried" : "Hello"));
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            drain(t);
        }
        assertThat(backend.sessionCacheStats().size()).isEqualTo(1);
        ChatTurn second = turn(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("How are you?")), List.of());
        RetryableTurn hit = (RetryableTurn) backend.open(second, MODEL);
        assertThat(text(drain(hit))).isEqualTo("Hello");
        assertThat(backend.sessionCacheStats().hits()).isEqualTo(1);
        assertThat(text(drain(hit.retry(INSTRUCTION)))).isEqualTo("retried");
        JsonNode sent = lastPrompt();
        assertThat(FakeLingmaPeer.sid(sent)).isEqualTo("s-1");
        assertThat(promptText(sent)).isEqualTo("How are you?\n\n" + INSTRUCTION);
        assertThat(peer.received("chat/deleteSessionById")).isEmpty();
        hit.close();

        // Lingma's history now holds the retry exchange: the session is deleted, not cached
        await().atMost(5, TimeUnit.SECONDS).until(() -> deletedSessions().equals(List.of("s-1")));
        assertThat(backend.sessionCacheStats().size()).isZero();
        assertThat(openTurns()).isEqualTo(0);
        ChatTurn third = turn(List.of(ChatMessage.user("Hi"), ChatMessage.assistant("Hello"),
                ChatMessage.user("How are you?"), ChatMessage.assistant("Hello"), ChatMessage.user("Fine?")),
                List.of());
        try (UpstreamTurn t = backend.open(third, MODEL)) {
            drain(t);
        }
        assertThat(FakeLingmaPeer.sid(lastPrompt())).isEqualTo("s-2");
    }

    @Test
    void autoModeFreshCacheableTurnIsDeletedInsteadOfCachedAfterARetry() throws Exception {
        startBackend(IpcSettings.SessionMode.AUTO);
        RetryableTurn t = (RetryableTurn) backend.open(turn("Hi"), MODEL);
        drain(t);
        drain(t.retry(INSTRUCTION));
        assertThat(promptText(lastPrompt())).isEqualTo("Hi\n\n" + INSTRUCTION);
        assertThat(FakeLingmaPeer.sid(lastPrompt())).isEqualTo("s-1");
        assertThat(peer.received("chat/deleteSessionById")).isEmpty();
        t.close();
        await().atMost(5, TimeUnit.SECONDS).until(() -> deletedSessions().equals(List.of("s-1")));
        assertThat(backend.sessionCacheStats().size()).isZero();
        assertThat(openTurns()).isEqualTo(0);
    }

    @Test
    void reuseModeRetriesInTheStickySessionAndHoldsTheLockUntilClose() throws Exception {
        startBackend(IpcSettings.SessionMode.REUSE, Duration.ofMillis(300));
        RetryableTurn t = (RetryableTurn) backend.open(turn("one"), MODEL);
        drain(t);
        assertThat(text(drain(t.retry(INSTRUCTION)))).isEqualTo("<tool_call>ls</tool_call>");
        assertThat(promptText(lastPrompt())).isEqualTo("one\n\n" + INSTRUCTION);
        assertThat(FakeLingmaPeer.sid(lastPrompt())).isEqualTo("s-1");
        assertThatThrownBy(() -> backend.open(turn("two"), MODEL)).isInstanceOfSatisfying(GatewayException.class,
                e -> assertThat(e.kind()).isEqualTo(ErrorKind.RATE_LIMITED));
        t.close();
        assertThat(backend.status().get("sticky_session_id")).isEqualTo("s-1");
        assertThat(openTurns()).isEqualTo(0);
        try (UpstreamTurn next = backend.open(turn(List.of(ChatMessage.user("one"), ChatMessage.assistant("x"),
                ChatMessage.user("two")), List.of()), MODEL)) {
            drain(next);
        }
        assertThat(FakeLingmaPeer.sid(lastPrompt())).isEqualTo("s-1");
        assertThat(promptText(lastPrompt())).isEqualTo("two");
        assertThat(peer.received("session/set_model")).hasSize(1);
        assertThat(peer.received("chat/deleteSessionById")).isEmpty();
    }

    @Test
    void cancellingTheOriginalDuringTheRetryCancelsTheRetryAndDeletesTheSession() throws Exception {
        Running running = refusedThenWorkingRetry(IpcSettings.SessionMode.FRESH);
        RetryableTurn t = running.original();
        UpstreamTurn retry = running.retry();
        String sid = FakeLingmaPeer.sid(lastPrompt());

        t.cancel("client disconnected");
        assertThat(failure(drain(retry)).kind()).isEqualTo(ErrorKind.INTERNAL);
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("session/cancel").size() == 1
                && deletedSessions().equals(List.of(sid)));
        assertThat(peer.received("session/cancel").get(0).path("params").path("sessionId").asText())
                .isEqualTo(sid);
        assertThatThrownBy(() -> t.retry(INSTRUCTION)).isInstanceOf(IllegalStateException.class);
        t.close();
        retry.close();
        assertThat(openTurns()).isEqualTo(0);
        assertThat(deletedSessions()).containsExactly(sid);
    }

    @Test
    void closingTheOriginalClosesARunningRetry() throws Exception {
        Running running = refusedThenWorkingRetry(IpcSettings.SessionMode.REUSE);
        RetryableTurn t = running.original();
        UpstreamTurn retry = running.retry();
        t.close();
        assertThat(failure(drain(retry)).kind()).isEqualTo(ErrorKind.INTERNAL);
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("session/cancel").size() == 1
                && deletedSessions().equals(List.of("s-1")));
        assertThat(backend.status().get("sticky_session_id")).isNull();
        assertThat(openTurns()).isEqualTo(0);
    }

    @Test
    void disconnectDuringTheRetryIsUpstreamIncompleteAndNotReplayed() throws Exception {
        startBackend(IpcSettings.SessionMode.FRESH);
        peer.on("session/prompt", (c, m) -> {
            if (isRetry(m)) {
                c.close();
            } else {
                c.normalTurn(m, "I cannot run commands");
            }
        });
        try (RetryableTurn t = (RetryableTurn) backend.open(turn("Hi"), MODEL)) {
            drain(t);
            assertThat(failure(drain(t.retry(INSTRUCTION))).kind()).isEqualTo(ErrorKind.UPSTREAM_INCOMPLETE);
        }
        assertThat(peer.received("session/prompt")).hasSize(2);
        assertThat(peer.received("session/new")).hasSize(1);
        assertThat(openTurns()).isEqualTo(0);
    }
}
