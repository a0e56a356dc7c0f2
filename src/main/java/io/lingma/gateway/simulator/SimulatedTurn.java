package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.vertx.core.Vertx;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One running {@code session/prompt} turn: the turn script of lingma-ipc.md §10.5 with the faults of §10.6, played as
 * a list of steps on the connection's event loop. Delays use Vert.x timers (never blocking the loop); zero-delay
 * steps still yield between each other so a {@code session/cancel} can interleave. All methods run on the owning
 * connection's context.
 */
final class SimulatedTurn {

    /** Prefix of the default reply; it says what is answering so nobody takes it for a model. */
    static final String DEFAULT_REPLY_PREFIX = "Hello from the Lingma simulator";
    /** Context window reported when a scenario sets no {@code contextUsage}. */
    static final long DEFAULT_LIMIT_TOKENS = 131_072;
    /** Reported thinking time per thought chunk when a scenario sets no {@code thinkingDurationMs}. */
    static final long THINKING_MS_PER_CHUNK = 100;
    /** How much of the newest user text the default reply quotes, in code points. */
    static final int QUOTE_CODE_POINTS = 200;

    /** Script of an unmatched prompt: the default reply with default timing. */
    private static final Scenario DEFAULT_SCRIPT = Scenario.builder("(default reply)").build();

    private static final Pattern USER_TURN = Pattern.compile("(?m)^User:[ \\t]*");
    private static final Pattern AFTER_USER_TURN = Pattern.compile("(?m)^(Assistant:|Reply as the assistant)");

    private enum Kind { MESSAGE, SERVER_REQUEST, RESPOND, DISCONNECT, STALL, COMPLETE }

    /**
     * @param kind         what the step does
     * @param delayMs      wait before the step, in ms
     * @param message      the message to send (MESSAGE, RESPOND)
     * @param request      the server request to send (SERVER_REQUEST)
     * @param answerText   text to add to the assistant answer when sent (message chunks)
     */
    private record Step(Kind kind, long delayMs, ObjectNode message, Scenario.ServerRequest request,
                        String answerText) {
    }

    private final SimulatorConnection connection;
    private final SimulatedSession session;
    private final String requestId;
    private final JsonNode rpcId;
    private final Scenario.PromptResponse promptResponse;
    private final Scenario.Framing framing;
    private final List<Step> steps = new ArrayList<>();
    private final StringBuilder answer = new StringBuilder();
    private int next;
    private long timerId = -1;
    private boolean responded;
    private boolean done;

    SimulatedTurn(SimulatorConnection connection, SimulatedSession session, String requestId, JsonNode rpcId,
                  String promptText, int turnNumber, Scenario scenario) {
        this.connection = connection;
        this.session = session;
        this.requestId = requestId;
        this.rpcId = rpcId;
        Scenario script = scenario != null ? scenario : DEFAULT_SCRIPT;
        this.promptResponse = script.promptResponse() != null ? script.promptResponse() : Scenario.PromptResponse.END;
        this.framing = script.framing() != null ? script.framing() : Scenario.Framing.TEXT;
        plan(script, promptText, turnNumber);
    }

    String requestId() {
        return requestId;
    }

    String sessionId() {
        return session.id();
    }

    SimulatorConnection connection() {
        return connection;
    }

    // ---------------------------------------------------------------- script (§10.5)

    private void plan(Scenario s, String promptText, int turnNumber) {
        SimulatorState state = connection.state();
        long chunkDelay = s.chunkDelayMs() != null ? s.chunkDelayMs() : state.options.defaultChunkDelayMs();
        long firstDelay = s.delayFirstChunkMs() != null ? s.delayFirstChunkMs() : chunkDelay;
        boolean noise = Boolean.TRUE.equals(s.noise());
        if (promptResponse == Scenario.PromptResponse.IMMEDIATE) {
            steps.add(new Step(Kind.RESPOND, 0, connection.result(rpcId, NullNode.getInstance()), null, null));
        }
        if (noise) {
            // observed order: step callbacks, snapshot and title come before any chunk (§5.6)
            message(Noise.stepCallback(this, "step_start", "doing"));
            message(Noise.stepCallback(this, "step_end", "done"));
            message(Noise.snapshotSyncAll(this));
            message(Noise.titleUpdate(this, promptText));
        }
        if (s.serverRequests() != null) {
            for (Scenario.ServerRequest request : s.serverRequests()) {
                steps.add(new Step(Kind.SERVER_REQUEST, 0, null, request, null));
            }
        }
        Integer disconnectAfter = s.disconnectAfterChunks();
        Integer stallAfter = s.stallAfterChunks();
        if (disconnectAfter != null && disconnectAfter == 0) {
            control(Kind.DISCONNECT);
            return;
        }
        List<String> thoughts = s.thoughts() != null ? s.thoughts() : List.of();
        long totalThinking = s.thinkingDurationMs() != null ? s.thinkingDurationMs()
                : THINKING_MS_PER_CHUNK * thoughts.size();
        boolean first = true;
        for (int i = 0; i < thoughts.size(); i++) {
            long duration = Math.round((double) totalThinking * (i + 1) / thoughts.size());
            ObjectNode update = textUpdate("agent_thought_chunk", thoughts.get(i));
            update.putObject("_meta").put("ai-coding/thinking-duration-millis", duration);
            steps.add(new Step(Kind.MESSAGE, first ? firstDelay : chunkDelay, sessionUpdate(update), null, null));
            first = false;
        }
        List<String> chunks = messageChunks(s, promptText, turnNumber);
        List<ObjectNode> noiseBetween = noise ? Noise.interleaved(this) : List.of();
        if (stallAfter != null && stallAfter == 0) {
            control(Kind.STALL);
            return;
        }
        for (int i = 0; i < chunks.size(); i++) {
            String text = chunks.get(i);
            steps.add(new Step(Kind.MESSAGE, first ? firstDelay : chunkDelay,
                    sessionUpdate(textUpdate("agent_message_chunk", text)), null, text));
            first = false;
            if (i < noiseBetween.size()) {
                message(noiseBetween.get(i));
            }
            if (disconnectAfter != null && disconnectAfter == i + 1) {
                control(Kind.DISCONNECT);
                return;
            }
            if (stallAfter != null && stallAfter == i + 1) {
                control(Kind.STALL);
                return;
            }
        }
        for (int i = chunks.size(); i < noiseBetween.size(); i++) {
            message(noiseBetween.get(i));
        }
        if (disconnectAfter != null) {
            control(Kind.DISCONNECT);
            return;
        }
        if (stallAfter != null) {
            control(Kind.STALL);
            return;
        }
        message(contextUsage(s, chunks));
        ObjectNode finish = connection.state().mapper.createObjectNode()
                .put("reason", s.finishReason() != null ? s.finishReason() : "finished")
                .put("fullAnswer", s.fullAnswer() != null ? s.fullAnswer() : "");
        if (s.finishStatusCode() != null) {
            finish.put("statusCode", s.finishStatusCode());
        }
        message(chatNotification("chat_finish", finish));
        if (promptResponse == Scenario.PromptResponse.END) {
            ObjectNode result = connection.state().mapper.createObjectNode()
                    .put("stopReason", s.stopReason() != null ? s.stopReason() : "end_turn");
            steps.add(new Step(Kind.RESPOND, 0, connection.result(rpcId, result), null, null));
        }
        control(Kind.COMPLETE);
    }

    private List<String> messageChunks(Scenario s, String promptText, int turnNumber) {
        if (s.chunks() != null) {
            return s.chunks();
        }
        int size = s.chunkSize() != null ? s.chunkSize() : Scenario.DEFAULT_CHUNK_SIZE;
        if (s.reply() != null) {
            return chunk(s.reply(), size);
        }
        if (s.scriptsContent()) {
            return List.of();
        }
        return chunk(defaultReply(promptText, turnNumber), size);
    }

    /**
     * @return {@code Hello from the Lingma simulator (turn N of this session). You said: <quote>} where the quote is
     *         the first 200 code points of the newest user text (the last {@code User:} turn of a rendered
     *         transcript, else the whole prompt)
     */
    static String defaultReply(String promptText, int turnNumber) {
        return DEFAULT_REPLY_PREFIX + " (turn " + turnNumber + " of this session). You said: "
                + truncate(newestUserText(promptText), QUOTE_CODE_POINTS);
    }

    static String newestUserText(String promptText) {
        Matcher user = USER_TURN.matcher(promptText);
        int start = -1;
        while (user.find()) {
            start = user.end();
        }
        if (start < 0) {
            return promptText.strip();
        }
        Matcher after = AFTER_USER_TURN.matcher(promptText);
        int end = after.find(start) ? after.start() : promptText.length();
        return promptText.substring(start, end).strip();
    }

    private static String truncate(String text, int codePoints) {
        if (text.codePointCount(0, text.length()) <= codePoints) {
            return text;
        }
        return text.substring(0, text.offsetByCodePoints(0, codePoints));
    }

    /**
     * Splits text into pieces of {@code size} code points, so cuts fall inside CJK text and ``` fences but never
     * inside a surrogate pair.
     */
    static List<String> chunk(String text, int size) {
        List<String> pieces = new ArrayList<>();
        int index = 0;
        while (index < text.length()) {
            int end = index;
            for (int n = 0; n < size && end < text.length(); n++) {
                end = text.offsetByCodePoints(end, 1);
            }
            pieces.add(text.substring(index, end));
            index = end;
        }
        return pieces;
    }

    private ObjectNode contextUsage(Scenario s, List<String> chunks) {
        long used;
        long limit;
        if (s.contextUsage() != null) {
            used = s.contextUsage().usedTokens();
            limit = s.contextUsage().limitTokens();
        } else {
            long replyCodePoints = chunks.stream().mapToLong(c -> c.codePointCount(0, c.length())).sum();
            // about four code points per token, the usual rough estimate
            used = Math.max(1, (session.historyCodePoints() + replyCodePoints + 3) / 4);
            limit = DEFAULT_LIMIT_TOKENS;
        }
        return chatNotification("context_usage",
                connection.state().mapper.createObjectNode().put("usedTokens", used).put("limitTokens", limit));
    }

    private void message(ObjectNode message) {
        steps.add(new Step(Kind.MESSAGE, 0, message, null, null));
    }

    private void control(Kind kind) {
        steps.add(new Step(kind, 0, null, null, null));
    }

    // ---------------------------------------------------------------- message shapes (§5.5)

    ObjectNode textUpdate(String kind, String text) {
        ObjectNode update = connection.state().mapper.createObjectNode().put("sessionUpdate", kind);
        update.putObject("content").put("type", "text").put("text", text);
        return update;
    }

    /** @return a {@code session/update} with {@code sessionId} and {@code _meta["ai-coding/request-id"]} */
    ObjectNode sessionUpdate(ObjectNode update) {
        return sessionUpdate(update, requestId);
    }

    ObjectNode sessionUpdate(ObjectNode update, String turnRequestId) {
        ObjectNode params = connection.state().mapper.createObjectNode().put("sessionId", session.id());
        if (turnRequestId != null) {
            params.putObject("_meta").put("ai-coding/request-id", turnRequestId);
        }
        params.set("update", update);
        return connection.notification("session/update", params);
    }

    private ObjectNode chatNotification(String type, ObjectNode data) {
        ObjectNode update = connection.state().mapper.createObjectNode()
                .put("sessionUpdate", "notification").put("type", type);
        update.set("data", data);
        return sessionUpdate(update);
    }

    // ---------------------------------------------------------------- playback

    /** Starts playing the script on the connection's context. */
    void start() {
        scheduleNext();
    }

    private void scheduleNext() {
        if (done || next >= steps.size()) {
            return;
        }
        long delay = steps.get(next).delayMs();
        Vertx vertx = connection.state().vertx;
        if (delay > 0) {
            timerId = vertx.setTimer(delay, t -> {
                timerId = -1;
                tick();
            });
        } else {
            connection.context().runOnContext(v -> tick());
        }
    }

    private void tick() {
        if (done) {
            return;
        }
        int perMessage = framing == Scenario.Framing.PACKED ? 2 : 1;
        List<ObjectNode> out = new ArrayList<>(perMessage);
        while (next < steps.size()) {
            Step step = steps.get(next);
            if (step.kind() == Kind.MESSAGE || step.kind() == Kind.RESPOND || step.kind() == Kind.SERVER_REQUEST) {
                if (out.size() == perMessage) {
                    break;
                }
                next++;
                out.add(materialise(step));
                continue;
            }
            // control steps act after everything before them is on the wire
            connection.send(out, framing);
            out.clear();
            next++;
            switch (step.kind()) {
                case DISCONNECT -> {
                    finish();
                    connection.close((short) 1011, "lingma-simulator: scripted disconnect");
                }
                case COMPLETE -> finish();
                default -> {
                    // STALL: nothing more until session/cancel or the connection closes
                }
            }
            return;
        }
        connection.send(out, framing);
        scheduleNext();
    }

    private ObjectNode materialise(Step step) {
        switch (step.kind()) {
            case RESPOND -> responded = true;
            case SERVER_REQUEST -> {
                return connection.serverRequest(step.request(), session.id(), requestId);
            }
            default -> {
                if (step.answerText() != null) {
                    answer.append(step.answerText());
                }
            }
        }
        return step.message();
    }

    /**
     * Ends the turn on {@code session/cancel}: stops the script and sends {@code chat_finish} with reason
     * {@code cancelled} and, unless already answered or configured otherwise, {@code {"stopReason":"cancelled"}}.
     */
    void cancel() {
        if (done) {
            return;
        }
        List<ObjectNode> out = new ArrayList<>(2);
        out.add(chatNotification("chat_finish", connection.state().mapper.createObjectNode()
                .put("reason", "cancelled").put("fullAnswer", "")));
        if (promptResponse == Scenario.PromptResponse.END && !responded) {
            responded = true;
            out.add(connection.result(rpcId, connection.state().mapper.createObjectNode()
                    .put("stopReason", "cancelled")));
        }
        finish();
        connection.send(out, framing);
    }

    /** Stops the turn silently because its connection closed. */
    void abort() {
        finish();
    }

    private void finish() {
        if (done) {
            return;
        }
        done = true;
        if (timerId >= 0) {
            connection.state().vertx.cancelTimer(timerId);
            timerId = -1;
        }
        session.add("assistant", answer.toString());
        connection.turnEnded(this);
    }
}
