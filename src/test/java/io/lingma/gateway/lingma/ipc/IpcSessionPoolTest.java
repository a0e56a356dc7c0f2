package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.UpstreamTurn;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The session pool ({@code gateway.ipc.session-pool.size}, issue 12 target 2): fresh turns start on a session that
 * was created and set to the model ahead, every session created is deleted, size 0 is the old behaviour, and a
 * reconnect never hands out a session of the old connection.
 */
class IpcSessionPoolTest extends IpcBackendTestSupport {

    private IpcSettings.Builder pooled(int size) {
        return settings().sessionPoolSize(size);
    }

    /** Runs one turn to its end and returns its text. */
    private String runTurn(String prompt) throws Exception {
        try (UpstreamTurn t = backend.open(turn(prompt), MODEL)) {
            return text(drain(t));
        }
    }

    /** @return the ids the fake peer handed out ({@code s-1}, {@code s-2}, …: one per session/new it answered) */
    private Set<String> created() {
        Set<String> ids = new HashSet<>();
        for (int i = 1; i <= peer.received("session/new").size(); i++) {
            ids.add("s-" + i);
        }
        return ids;
    }

    private Set<String> deleted() {
        Set<String> ids = new HashSet<>();
        for (JsonNode m : peer.received("chat/deleteSessionById")) {
            ids.add(m.path("params").path("sessionId").asText());
        }
        return ids;
    }

    @Test
    void aPooledTurnWaitsForNoSessionNewOrSetModel() throws Exception {
        startBackend(pooled(2).setupTimeout(Duration.ofSeconds(3)).build());
        assertThat(runTurn("warm up")).isEqualTo("Hello");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.sessionPool.size() == 2);
        Set<String> ready = new HashSet<>(created());
        // from now on Lingma never answers a set-up call: a turn that waited for one would time out
        peer.on("session/new", (c, m) -> { });
        peer.on("session/set_model", (c, m) -> { });
        long start = System.nanoTime();
        assertThat(runTurn("pooled")).isEqualTo("Hello");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).isLessThan(2000);
        List<JsonNode> prompts = peer.received("session/prompt");
        JsonNode prompt = prompts.get(prompts.size() - 1);
        assertThat(ready).contains(FakeLingmaPeer.sid(prompt));
        // the pooled set_model carried the request id the prompt carries (lingma-ipc.md §5.3)
        assertThat(peer.received("session/set_model")).anySatisfy(sm -> {
            assertThat(sm.path("params").path("sessionId").asText()).isEqualTo(FakeLingmaPeer.sid(prompt));
            assertThat(sm.path("params").path("_meta")).isEqualTo(prompt.path("params").path("_meta"));
        });
    }

    @Test
    void everySessionCreatedIsDeletedAfterTurnsAndShutdown() throws Exception {
        startBackend(pooled(2).build());
        for (int i = 0; i < 6; i++) {
            assertThat(runTurn("turn " + i)).isEqualTo("Hello");
        }
        assertThat(peer.received("session/prompt")).hasSize(6);
        backend.close();
        assertThat(created()).hasSizeGreaterThanOrEqualTo(8);
        assertThat(deleted()).isEqualTo(created());
    }

    @Test
    void sizeZeroCreatesExactlyOneSessionPerTurnOnItsRequestPath() throws Exception {
        startBackend(pooled(0).build());
        for (int i = 0; i < 3; i++) {
            runTurn("turn " + i);
            assertThat(peer.received("session/new")).hasSize(i + 1);
            assertThat(peer.received("session/set_model")).hasSize(i + 1);
        }
        assertThat(backend.sessionPool.size()).isZero();
        backend.close();
        assertThat(deleted()).isEqualTo(created()).hasSize(3);
    }

    @Test
    void aReconnectDeletesThePooledSessionsOfTheOldConnection() throws Exception {
        startBackend(pooled(2).build());
        runTurn("warm up");
        await().atMost(Duration.ofSeconds(5)).until(() -> backend.sessionPool.size() == 2);
        Set<String> old = new HashSet<>(created());
        long generation = client.generation();
        peer.closeConnections();
        await().atMost(Duration.ofSeconds(10)).until(() -> client.generation() > generation);
        await().atMost(Duration.ofSeconds(5)).until(() -> deleted().containsAll(old));
        runTurn("after the reconnect");
        List<JsonNode> prompts = peer.received("session/prompt");
        assertThat(old).doesNotContain(FakeLingmaPeer.sid(prompts.get(prompts.size() - 1)));
        backend.close();
        assertThat(deleted()).isEqualTo(created());
    }

    @Test
    void moreConcurrentTurnsThanPooledSessionsAllSucceed() throws Exception {
        startBackend(pooled(1).maxConcurrentTurns(4).build());
        runTurn("warm up");
        List<CompletableFuture<String>> turns = new ArrayList<>();
        for (int i = 0; i < 4; i++) {
            String prompt = "concurrent " + i;
            turns.add(CompletableFuture.supplyAsync(() -> {
                try {
                    return runTurn(prompt);
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (CompletableFuture<String> t : turns) {
            assertThat(t.get(20, TimeUnit.SECONDS)).isEqualTo("Hello");
        }
        backend.close();
        assertThat(deleted()).isEqualTo(created());
    }

    @Test
    void anIdlePooledSessionIsDeletedAndNotReplaced() throws Exception {
        startBackend(pooled(2).sessionPoolIdleTimeout(Duration.ofMillis(300)).build());
        runTurn("warm up");
        await().atMost(Duration.ofSeconds(5)).until(() -> created().size() == 3);
        await().atMost(Duration.ofSeconds(5)).until(() -> deleted().size() == 3);
        assertThat(backend.sessionPool.size()).isZero();
        assertThat(created()).hasSize(3);
    }
}
