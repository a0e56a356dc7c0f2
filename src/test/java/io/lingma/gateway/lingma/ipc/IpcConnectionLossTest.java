package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.SharedUpstreamFaultException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A lost IPC connection: one upstream event for the breaker, its sessions deleted afterwards, resumable replies. */
class IpcConnectionLossTest extends IpcBackendTestSupport {

    @Test
    void aLostConnectionIsReportedOnceAndFailsItsTurnsWithASharedFault() throws Exception {
        startBackend(settings().build());
        List<IpcConnectionClosedException> losses = new CopyOnWriteArrayList<>();
        client.onConnectionLost(losses::add);
        CountDownLatch bothStreaming = new CountDownLatch(2);
        peer.on("session/prompt", (c, m) -> {
            c.chunk(m, "agent_message_chunk", "partial");
            bothStreaming.countDown();
        });
        try (UpstreamTurn first = backend.open(turn("one"), MODEL);
             UpstreamTurn second = backend.open(turn("two"), MODEL)) {
            assertThat(bothStreaming.await(10, TimeUnit.SECONDS)).isTrue();
            peer.closeConnections();
            for (UpstreamTurn t : List.of(first, second)) {
                GatewayException error = failure(drain(t));
                assertThat(error.kind()).isEqualTo(ErrorKind.UPSTREAM_INCOMPLETE);
                assertThat(SharedUpstreamFaultException.isShared(error)).as("counted once, not per turn").isTrue();
            }
        }
        assertThat(losses).hasSize(1);
    }

    @Test
    void closingTheClientIsNoConnectionLoss() throws Exception {
        startBackend(settings().build());
        List<IpcConnectionClosedException> losses = new CopyOnWriteArrayList<>();
        client.onConnectionLost(losses::add);
        peer.on("session/prompt", (c, m) -> c.chunk(m, "agent_message_chunk", "partial"));
        try (UpstreamTurn t = backend.open(turn("one"), MODEL)) {
            assertThat(t.next(java.time.Duration.ofSeconds(10))).isInstanceOf(ChatEvent.TextDelta.class);
            client.close();
            drain(t);
        }
        assertThat(losses).isEmpty();
    }

    @Test
    void sessionsLeftOnALostConnectionAreDeletedAfterReconnecting() throws Exception {
        startBackend(settings().build());
        AtomicInteger prompts = new AtomicInteger();
        peer.on("session/prompt", (c, m) -> {
            switch (prompts.incrementAndGet()) {
                // before any output: replayed in a new session; after output: the turn fails
                case 1 -> c.close();
                case 2 -> {
                    c.chunk(m, "agent_message_chunk", "partial");
                    c.close();
                }
                default -> c.normalTurn(m, "ok");
            }
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            assertThat(failure(drain(t)).kind()).isEqualTo(ErrorKind.UPSTREAM_INCOMPLETE);
        }
        List<String> sessions = peer.received("session/prompt").stream().map(FakeLingmaPeer::sid).toList();
        assertThat(sessions).hasSize(2).doesNotHaveDuplicates();
        // Lingma keeps sessions when only the WebSocket drops: both are deleted on the next connection
        try (UpstreamTurn t = backend.open(turn("again"), MODEL)) {
            assertThat(text(drain(t))).isEqualTo("ok");
        }
        await().atMost(10, TimeUnit.SECONDS).until(() -> deleted().containsAll(sessions));
        assertThat(client.orphanedSessionCount()).isZero();
    }

    @Test
    void resumeContinuesAReplyCutOffMidwayWhenTheReplayRepeatsIt() throws Exception {
        startBackend(settings().partialOnDisconnect(IpcSettings.PartialOnDisconnect.RESUME).build());
        AtomicInteger prompts = new AtomicInteger();
        peer.on("session/prompt", (c, m) -> {
            if (prompts.incrementAndGet() == 1) {
                c.chunk(m, "agent_thought_chunk", "thinking…");
                c.chunk(m, "agent_message_chunk", "Hel");
                c.chunk(m, "agent_message_chunk", "lo wo");
                c.close();
            } else {
                // the same reply, chunked differently
                c.normalTurn(m, "Hello", " w", "orld");
            }
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("Hello world");
            assertThat(events.stream().filter(e -> e instanceof ChatEvent.ThinkingDelta)).hasSize(1);
            assertThat(events.get(events.size() - 1)).isInstanceOf(ChatEvent.Finish.class);
        }
        assertThat(peer.received("session/prompt")).hasSize(2);
    }

    @Test
    void resumeFailsWhenTheReplaySaysSomethingElse() throws Exception {
        startBackend(settings().partialOnDisconnect(IpcSettings.PartialOnDisconnect.RESUME).build());
        AtomicInteger prompts = new AtomicInteger();
        peer.on("session/prompt", (c, m) -> {
            if (prompts.incrementAndGet() == 1) {
                c.chunk(m, "agent_message_chunk", "Hello");
                c.close();
            } else {
                c.normalTurn(m, "Help", " is on the way");
            }
        });
        try (UpstreamTurn t = backend.open(turn("Hi"), MODEL)) {
            List<ChatEvent> events = drain(t);
            assertThat(text(events)).isEqualTo("Hello");
            GatewayException error = failure(events);
            assertThat(error.kind()).isEqualTo(ErrorKind.UPSTREAM_INCOMPLETE);
            assertThat(SharedUpstreamFaultException.isShared(error)).isTrue();
        }
        List<String> sessions = peer.received("session/prompt").stream().map(FakeLingmaPeer::sid).toList();
        await().atMost(10, TimeUnit.SECONDS).until(() -> deleted().containsAll(sessions));
    }

    private List<String> deleted() {
        return peer.received("chat/deleteSessionById").stream()
                .map(m -> m.path("params").path("sessionId").asText()).toList();
    }
}
