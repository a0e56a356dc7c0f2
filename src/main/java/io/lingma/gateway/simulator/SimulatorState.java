package io.lingma.gateway.simulator;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Everything shared by the connections of one simulator: sessions, scenarios, catalogue, counters and recordings.
 * Written from Vert.x event-loop threads and read by test threads, so every member is a concurrent collection, an
 * atomic or a volatile reference to an immutable value.
 */
final class SimulatorState {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaSimulator.class);

    final Vertx vertx;
    final SimulatorOptions options;
    /** Reads frames up to the frame cap: a prompt string may exceed Jackson's default 20 M-character limit. */
    final ObjectMapper mapper = new ObjectMapper(JsonFactory.builder().streamReadConstraints(
            StreamReadConstraints.builder().maxStringLength(SimulatorConnection.MAX_FRAME_BYTES).build()).build());

    final Map<String, SimulatedSession> sessions = new ConcurrentHashMap<>();
    final Set<SimulatorConnection> connections = ConcurrentHashMap.newKeySet();
    final Set<SimulatedTurn> activeTurns = ConcurrentHashMap.newKeySet();

    final List<RecordedPrompt> prompts = new CopyOnWriteArrayList<>();
    final List<String> deletedSessions = new CopyOnWriteArrayList<>();
    final List<String> violations = new CopyOnWriteArrayList<>();
    final List<ServerRequestRecord> serverRequests = new CopyOnWriteArrayList<>();

    final AtomicLong sessionsCreated = new AtomicLong();
    final AtomicLong sessionsDeleted = new AtomicLong();
    final AtomicLong promptCount = new AtomicLong();
    final AtomicLong cancels = new AtomicLong();
    final AtomicLong serverRequestsSent = new AtomicLong();
    final AtomicLong serverRequestsAnswered = new AtomicLong();
    final AtomicLong connectionCount = new AtomicLong();
    final AtomicLong handshakesRejected = new AtomicLong();
    /** Integer ids for scripted server requests without an explicit id; far from the client's counter. */
    final AtomicLong nextServerRequestId = new AtomicLong(9000);

    private final List<Scenario> baseline;
    private volatile List<Scenario> scenarios;
    volatile SimulatorModelCatalog catalog = SimulatorModelCatalog.defaults();
    /** Method name to response delay in ms (slow setup, §10.6). */
    final Map<String, Long> methodDelays = new ConcurrentHashMap<>();
    /** HTTP status answering every handshake, 0 = accept (e.g. 404 to emulate the non-IPC port 37510, §3.5). */
    volatile int handshakeStatus;

    SimulatorState(Vertx vertx, SimulatorOptions options) {
        this.vertx = vertx;
        this.options = options;
        List<Scenario> base = new ArrayList<>();
        for (var file : options.scenarioFiles()) {
            base.addAll(Scenario.read(file));
        }
        base.addAll(Scenario.defaults());
        this.baseline = List.copyOf(base);
        this.scenarios = baseline;
    }

    /** Texts of prompts that already got the faults of a {@code transientFaults} scenario. */
    private final Set<String> faultedPrompts = ConcurrentHashMap.newKeySet();

    /**
     * @param text the prompt text
     * @return the first matching scenario (without its faults when they are transient and already hit this text),
     *         or {@code null} for the default reply
     */
    Scenario match(String text) {
        for (Scenario scenario : scenarios) {
            if (scenario.matches(text)) {
                boolean once = Boolean.TRUE.equals(scenario.transientFaults());
                return once && !faultedPrompts.add(text) ? scenario.withoutFaults() : scenario;
            }
        }
        return null;
    }

    /** @param added scenarios to put ahead of all current ones, keeping their own order */
    synchronized void prepend(List<Scenario> added) {
        List<Scenario> next = new ArrayList<>(added);
        next.addAll(scenarios);
        scenarios = List.copyOf(next);
    }

    synchronized void resetScenarios() {
        scenarios = baseline;
    }

    List<Scenario> scenarios() {
        return scenarios;
    }

    /**
     * Counts and records a client message that breaks the wire rules (lingma-ipc.md §4, §9).
     *
     * @param connection the connection label
     * @param what       a short description
     */
    void violation(String connection, String what) {
        violations.add(connection + ": " + what);
        LOG.debug("lingma-simulator {} protocol violation: {}", connection, what);
    }

    SimulatorStats stats() {
        return new SimulatorStats(sessionsCreated.get(), sessionsDeleted.get(), sessions.size(), promptCount.get(),
                cancels.get(), violations.size(), serverRequestsSent.get(), serverRequestsAnswered.get(),
                connectionCount.get(), connections.size(), activeTurns.size(), handshakesRejected.get());
    }

    /** Mutable twin of {@link RecordedServerRequest}, completed from the connection's event loop. */
    static final class ServerRequestRecord {
        final String method;
        final Object id;
        final String sessionId;
        final String requestId;
        volatile String response;

        ServerRequestRecord(String method, Object id, String sessionId, String requestId) {
            this.method = method;
            this.id = id;
            this.sessionId = sessionId;
            this.requestId = requestId;
        }

        RecordedServerRequest snapshot() {
            String answer = response;
            return new RecordedServerRequest(method, id, sessionId, requestId, answer != null, answer);
        }
    }
}
