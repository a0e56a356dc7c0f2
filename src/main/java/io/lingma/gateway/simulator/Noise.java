package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.List;

/**
 * The notifications a client must ignore, emitted by scenarios with {@code noise: true} (lingma-ipc.md §5.5 item 5,
 * §5.6, §10.6). None of their texts may ever reach the client's answer; every text starts with {@code [sim-noise}
 * so a leak is easy to spot.
 */
final class Noise {

    /** Marker at the start of every noise text. */
    static final String MARKER = "[sim-noise";

    private Noise() {
    }

    /** Legacy-family step callback, without the ACP envelope (§5.6). */
    static ObjectNode stepCallback(SimulatedTurn turn, String step, String status) {
        ObjectNode params = mapper(turn).createObjectNode()
                .put("requestId", turn.requestId())
                .put("sessionId", turn.sessionId())
                .put("step", step)
                .put("description", "Lingma simulator step")
                .put("status", status)
                .putNull("result")
                .put("message", "");
        return turn.connection().notification("chat/process_step_callback", params);
    }

    /** {@code snapshot/syncAll}; its real params were not recorded (§5.6). */
    static ObjectNode snapshotSyncAll(SimulatedTurn turn) {
        return turn.connection().notification("snapshot/syncAll",
                mapper(turn).createObjectNode().put("sessionId", turn.sessionId()));
    }

    /** {@code session/title/update} with the first 20 code points of the prompt (§5.6). */
    static ObjectNode titleUpdate(SimulatedTurn turn, String promptText) {
        String title = promptText.codePointCount(0, promptText.length()) <= 20 ? promptText
                : promptText.substring(0, promptText.offsetByCodePoints(0, 20));
        return turn.connection().notification("session/title/update",
                mapper(turn).createObjectNode().put("sessionId", turn.sessionId()).put("sessionTitle", title));
    }

    /**
     * @return the updates interleaved with the message chunks, in order: a chunk of a foreign request id, a chunk
     *         without {@code _meta}, {@code tool_call}, {@code tool_call_update}, {@code plan}, a sub-task chunk with
     *         its own request id and {@code ai-coding/parent-tool-call-id}, and an unknown {@code sessionUpdate} kind
     */
    static List<ObjectNode> interleaved(SimulatedTurn turn) {
        ObjectMapper mapper = mapper(turn);
        ObjectNode foreign = turn.sessionUpdate(
                turn.textUpdate("agent_message_chunk", MARKER + ": foreign request id]"),
                "foreign-" + turn.requestId());
        ObjectNode noMeta = turn.sessionUpdate(
                turn.textUpdate("agent_message_chunk", MARKER + ": no _meta]"), null);

        ObjectNode toolCall = mapper.createObjectNode()
                .put("sessionUpdate", "tool_call").put("toolCallId", "sim-call-1").put("title", "Search code")
                .put("kind", "search").put("status", "in_progress");
        toolCall.putObject("rawInput").put("regex", "ensureConnected");
        toolCall.putObject("_meta").put("ai-coding/tool-name", "search_code").put("ai-coding/tool-kind", "search");

        ObjectNode toolUpdate = mapper.createObjectNode()
                .put("sessionUpdate", "tool_call_update").put("toolCallId", "sim-call-1").put("status", "completed");
        toolUpdate.putArray("rawOutput").addObject().put("fileName", "Simulated.java")
                .put("path", "/sim/Simulated.java").put("startLine", 1).put("endLine", 9);

        ObjectNode plan = mapper.createObjectNode().put("sessionUpdate", "plan");
        plan.putArray("entries").addObject().put("content", MARKER + ": plan entry]").put("priority", "high")
                .put("status", "completed");

        ObjectNode subTask = turn.sessionUpdate(
                turn.textUpdate("agent_message_chunk", MARKER + ": sub-task]"), turn.requestId() + "-sub");
        ((ObjectNode) subTask.get("params").get("_meta"))
                .put("ai-coding/parent-tool-call-id", "sim-call-1")
                .put("ai-coding/sub-session-id", turn.sessionId() + "-sub");

        ObjectNode unknown = mapper.createObjectNode().put("sessionUpdate", "sim_unknown_update_kind");
        unknown.putObject("content").put("type", "text").put("text", MARKER + ": unknown kind]");

        return List.of(foreign, noMeta, turn.sessionUpdate(toolCall), turn.sessionUpdate(toolUpdate),
                turn.sessionUpdate(plan), subTask, turn.sessionUpdate(unknown));
    }

    private static ObjectMapper mapper(SimulatedTurn turn) {
        return turn.connection().state().mapper;
    }
}
