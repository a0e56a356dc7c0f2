package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;

import static io.lingma.gateway.simulator.SimulatorConnection.INVALID_PARAMS;
import static io.lingma.gateway.simulator.SimulatorConnection.METHOD_NOT_FOUND;
import static io.lingma.gateway.simulator.SimulatorConnection.SESSION_NOT_FOUND;
import static io.lingma.gateway.simulator.SimulatorConnection.VERSION;

/**
 * The ACP methods of lingma-ipc.md §10.4 as one connection serves them: {@code initialize}, {@code session/new},
 * {@code session/set_model}, {@code session/prompt} (which starts a {@link SimulatedTurn}), {@code session/cancel},
 * {@code chat/deleteSessionById}, {@code config/queryModels}, {@code ping} and {@code auth/status}. Holds the
 * connection's own protocol state (initialized, running turns, request ids in use); runs on the connection's event
 * loop like the connection itself.
 */
final class AcpMethods {

    private static final Logger LOG = LoggerFactory.getLogger(SimulatorConnection.class);

    private final SimulatorConnection connection;
    private final SimulatorState state;
    private final String label;
    private final Set<SimulatedTurn> turns = new HashSet<>();
    private final Set<String> promptRequestIds = new HashSet<>();
    private boolean initialized;

    AcpMethods(SimulatorConnection connection) {
        this.connection = connection;
        this.state = connection.state();
        this.label = connection.label();
    }

    /** @return true once {@code initialize} was called on this connection */
    boolean initialized() {
        return initialized;
    }

    /** Stops every running turn without further output (the socket closed). */
    void abortTurns() {
        for (SimulatedTurn turn : List.copyOf(turns)) {
            turn.abort();
        }
    }

    /** Forgets a finished turn and frees its request id. */
    void turnEnded(SimulatedTurn turn) {
        turns.remove(turn);
        promptRequestIds.remove(turn.requestId());
        state.activeTurns.remove(turn);
    }

    /**
     * Runs a known method whose params are an object; the answer (result or error) goes out on the connection.
     *
     * @param id     the request id, echoed with its JSON type
     * @param method a method {@link #isKnown known}
     * @param p      the params object
     */
    void call(JsonNode id, String method, ObjectNode p) {
        switch (method) {
            case "initialize" -> initialize(id, p);
            case "session/new" -> sessionNew(id, p);
            case "session/set_model" -> setModel(id, p);
            case "session/prompt" -> prompt(id, p);
            case "session/cancel" -> {
                cancel(p);
                connection.sendResult(id, NullNode.getInstance());
            }
            case "chat/deleteSessionById" -> deleteSession(id, p);
            case "config/queryModels" -> connection.sendResult(id, state.catalog.toJson(state.mapper));
            case "ping" -> connection.sendResult(id, state.mapper.createObjectNode());
            case "auth/status" -> connection.sendResult(id, state.mapper.createObjectNode().put("status", 2)
                    .put("name", "sim"));
            default -> throw new IllegalStateException("unhandled known method " + method);
        }
    }

    /** @return true for the methods of §10.4; everything else is {@code -32601} */
    static boolean isKnown(String method) {
        return switch (method) {
            case "initialize", "session/new", "session/set_model", "session/prompt", "session/cancel",
                 "chat/deleteSessionById", "config/queryModels", "ping", "auth/status" -> true;
            default -> false;
        };
    }

    private void initialize(JsonNode id, ObjectNode params) {
        if (initialized) {
            state.violation(label, "initialize sent twice on one connection");
        }
        initialized = true;
        ObjectNode result = state.mapper.createObjectNode();
        result.set("protocolVersion", params.has("protocolVersion") ? params.get("protocolVersion")
                : JsonNodeFactory.instance.numberNode(1));
        // the name must never let anyone mistake this endpoint for a real Lingma backend
        result.putObject("serverInfo").put("name", "lingma-simulator").put("version", VERSION);
        result.putObject("agentCapabilities").put("loadSession", false)
                .putObject("promptCapabilities").put("image", true);
        result.putObject("_meta").put("simulator", true);
        connection.sendResult(id, result);
    }

    private void sessionNew(JsonNode id, ObjectNode params) {
        if (state.options.sessionNewUnsupported()) {
            connection.sendError(id, METHOD_NOT_FOUND, "method not found: session/new");
            return;
        }
        String sessionId = UUID.randomUUID().toString();
        state.sessions.put(sessionId, new SimulatedSession(sessionId, params.path("cwd").asText(null)));
        state.sessionsCreated.incrementAndGet();
        connection.sendResult(id, state.mapper.createObjectNode().put("sessionId", sessionId));
        // observed right after creation, without a request id (§5.2)
        ObjectNode update = state.mapper.createObjectNode().put("sessionUpdate", "available_commands_update");
        update.putArray("availableCommands");
        ObjectNode notifyParams = state.mapper.createObjectNode().put("sessionId", sessionId);
        notifyParams.set("update", update);
        connection.send(connection.notification("session/update", notifyParams), Scenario.Framing.TEXT);
    }

    private void setModel(JsonNode id, ObjectNode params) {
        String sessionId = params.path("sessionId").asText("");
        SimulatedSession session = state.sessions.get(sessionId);
        if (session == null) {
            connection.sendError(id, SESSION_NOT_FOUND, "session not found: " + sessionId);
            return;
        }
        String modelId = params.path("modelId").asText("");
        if (!state.catalog.contains(modelId)) {
            connection.sendError(id, INVALID_PARAMS, "model not found: " + modelId);
            return;
        }
        session.modelId(modelId);
        connection.sendResult(id, NullNode.getInstance());
    }

    private void prompt(JsonNode id, ObjectNode params) {
        JsonNode meta = params.path("_meta");
        String requestId = meta.path("ai-coding/request-id").asText("");
        if (requestId.isEmpty()) {
            state.violation(label, "session/prompt without _meta[\"ai-coding/request-id\"]");
            connection.sendError(id, INVALID_PARAMS, "requestId is empty");
            return;
        }
        String sessionId = params.path("sessionId").asText("");
        SimulatedSession session = state.sessions.get(sessionId);
        if (session == null) {
            connection.sendError(id, SESSION_NOT_FOUND, "session not found: " + sessionId);
            return;
        }
        if (!promptRequestIds.add(requestId)) {
            state.violation(label, "ai-coding/request-id " + requestId + " reused while its turn is running");
        }
        StringBuilder text = new StringBuilder();
        int images = 0;
        for (JsonNode block : params.path("prompt")) {
            String type = block.path("type").asText("");
            if (type.equals("text")) {
                if (!text.isEmpty()) {
                    text.append('\n');
                }
                text.append(block.path("text").asText(""));
            } else if (type.equals("image")) {
                images++;
            }
        }
        String promptText = text.toString();
        int turnNumber = session.nextTurn();
        session.add("user", promptText);
        Scenario scenario = state.match(promptText);
        @SuppressWarnings("unchecked")
        Map<String, Object> metaMap = meta.isObject() ? state.mapper.convertValue(meta, LinkedHashMap.class) : Map.of();
        state.prompts.add(new RecordedPrompt(sessionId, requestId, promptText, metaMap, session.modelId(), images,
                scenario == null ? null : scenario.label(), turnNumber, session.cwd()));
        state.promptCount.incrementAndGet();
        LOG.debug("lingma-simulator {} prompt {} in session {} (turn {}, scenario {})", label, requestId, sessionId,
                turnNumber, scenario == null ? "default" : scenario.label());
        if (scenario != null && scenario.error() != null) {
            promptRequestIds.remove(requestId);
            connection.sendError(id, scenario.error().code(), scenario.error().message());
            return;
        }
        SimulatedTurn turn = new SimulatedTurn(connection, session, requestId, id, promptText, turnNumber, scenario);
        turns.add(turn);
        state.activeTurns.add(turn);
        turn.start();
    }

    private void deleteSession(JsonNode id, ObjectNode params) {
        String sessionId = params.hasNonNull("sessionId") ? params.get("sessionId").asText()
                : params.path("id").asText("");
        if (state.sessions.remove(sessionId) == null) {
            connection.sendError(id, SESSION_NOT_FOUND, "session not found: " + sessionId);
            return;
        }
        state.deletedSessions.add(sessionId);
        state.sessionsDeleted.incrementAndGet();
        connection.sendResult(id, NullNode.getInstance());
    }

    /** {@code session/cancel} (request or notification): stops the session's running turns, wherever they run. */
    void cancel(JsonNode params) {
        state.cancels.incrementAndGet();
        String sessionId = params == null ? "" : params.path("sessionId").asText("");
        for (SimulatedTurn turn : state.activeTurns) {
            if (turn.sessionId().equals(sessionId)) {
                // the turn may belong to another connection: run the cancel on its own event loop
                turn.connection().context().runOnContext(v -> turn.cancel());
            }
        }
    }
}
