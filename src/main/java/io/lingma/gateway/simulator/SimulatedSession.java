package io.lingma.gateway.simulator;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Server-side state of one ACP session (lingma-ipc.md §6.2, §10.5 "server-side history"): the model set on it and
 * the user/assistant turns so far, so a reused session that only receives the newest user message is answered
 * consistently. Shared across connections; thread-safe.
 */
final class SimulatedSession {

    /** One side of a turn. {@code role} is {@code user} or {@code assistant}. */
    record Entry(String role, String text) {
    }

    private final String id;
    private final String cwd;
    private final AtomicInteger turns = new AtomicInteger();
    private final List<Entry> history = new CopyOnWriteArrayList<>();
    private volatile String modelId;

    SimulatedSession(String id, String cwd) {
        this.id = id;
        this.cwd = cwd;
    }

    String id() {
        return id;
    }

    /** @return the {@code cwd} sent with {@code session/new}, or {@code null} */
    String cwd() {
        return cwd;
    }

    String modelId() {
        return modelId;
    }

    void modelId(String value) {
        modelId = value;
    }

    /** @return the 1-based number of the turn being started */
    int nextTurn() {
        return turns.incrementAndGet();
    }

    void add(String role, String text) {
        history.add(new Entry(role, text));
    }

    /** @return a snapshot of the history, oldest first */
    List<Entry> history() {
        return List.copyOf(history);
    }

    /** @return code points in the whole history (basis of the {@code context_usage} estimate) */
    long historyCodePoints() {
        long total = 0;
        for (Entry entry : history) {
            total += entry.text().codePointCount(0, entry.text().length());
        }
        return total;
    }
}
