package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.ArrayList;
import java.util.List;

/**
 * Turns a {@link RemoteScript} (and an in-stream {@link RemoteFault}) into the SSE frames of lingma-remote.md §7:
 * OpenAI-style chunks wrapped in the {@code {"headers","body","statusCodeValue","statusCode"}} envelope, keep-alives,
 * {@code event:error}, and the end styles A–D of §11.4. Stateless; the frames are played by {@link SsePlayer}.
 */
final class SseFrames {

    /** How the simulator ends the response after the last frame. */
    enum Ending { CLOSE_CLEANLY, KEEP_OPEN, RESET }

    /**
     * The frames to write, in order, and how to end.
     *
     * @param frames  complete SSE frames, each with its blank line
     * @param ending  what follows the last frame
     * @param delayMs pause before each frame after the first, in milliseconds
     */
    record Playback(List<String> frames, Ending ending, long delayMs) {
    }

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private SseFrames() {
    }

    /**
     * @param script   the script to play
     * @param modelKey the model key the chunks name
     * @param fault    an in-stream fault ({@code ENVELOPE_ERROR_FIRST}, {@code EVENT_ERROR_AFTER},
     *                 {@code RESET_AFTER}, {@code MISSING_END_MARKER}), or null
     * @return the playback
     */
    static Playback of(RemoteScript script, String modelKey, RemoteFault fault) {
        String nl = script.crlf() ? "\r\n" : "\n";
        String data = script.dataSpace() ? "data: " : "data:";
        List<String> frames = new ArrayList<>();
        if (fault != null && fault.type() == RemoteFault.Type.ENVELOPE_ERROR_FIRST) {
            ObjectNode env = envelope(fault.body());
            env.put("statusCodeValue", fault.httpStatus());
            env.put("statusCode", fault.httpStatus() == 429 ? "TOO_MANY_REQUESTS"
                    : fault.httpStatus() >= 500 ? "INTERNAL_SERVER_ERROR" : "FORBIDDEN");
            frames.add(data + env + nl + nl);
            return new Playback(frames, Ending.CLOSE_CLEANLY, script.frameDelayMs());
        }
        if (script.keepAlive()) {
            frames.add(": keep-alive" + nl + nl);
            frames.add("event:ping" + nl + data + "{\"type\":\"ping\"}" + nl + nl);
        }
        if (script.metadataFrame()) {
            frames.add(data + envelope(chunk(modelKey).toString()) + nl + nl);
        }
        boolean faulted = fault != null && (fault.type() == RemoteFault.Type.EVENT_ERROR_AFTER
                || fault.type() == RemoteFault.Type.RESET_AFTER);
        for (ObjectNode c : contentChunks(script, modelKey, faulted, faulted ? fault.afterFrames() : 0)) {
            frames.add(data + envelope(c.toString()) + nl + nl);
        }
        Ending ending;
        if (faulted && fault.type() == RemoteFault.Type.EVENT_ERROR_AFTER) {
            frames.add("event:error" + nl + data + "{\"success\":false,\"traceId\":\"sim-trace\",\"msgCode\":500,"
                    + "\"msgInfo\":\"Internal Server Error\",\"message\":\"Internal Server Error (simulator)\"}"
                    + nl + nl);
            ending = Ending.CLOSE_CLEANLY;
        } else if (faulted) {
            ending = Ending.RESET;
        } else if (fault != null && fault.type() == RemoteFault.Type.MISSING_END_MARKER) {
            ending = Ending.CLOSE_CLEANLY;
        } else {
            ending = endMarker(script, frames, data, nl);
        }
        return new Playback(frames, ending, script.frameDelayMs());
    }

    /**
     * @param cut       a mid-stream fault cuts the stream: at most {@code textLimit} text deltas, and no tool
     *                  fragments, finish reason or usage
     * @param textLimit text deltas before the cut
     */
    private static List<ObjectNode> contentChunks(RemoteScript script, String modelKey, boolean cut, int textLimit) {
        List<ObjectNode> chunks = new ArrayList<>();
        for (String reasoning : script.reasoning()) {
            ObjectNode c = chunk(modelKey);
            delta(c).put("reasoning_content", reasoning);
            chunks.add(c);
        }
        int textFrames = 0;
        for (String text : script.text()) {
            if (cut && textFrames == textLimit) {
                break;
            }
            ObjectNode c = chunk(modelKey);
            delta(c).put("content", text);
            chunks.add(c);
            textFrames++;
        }
        if (cut) {
            return chunks;
        }
        for (RemoteScript.ToolFragment fragment : script.toolFragments()) {
            ObjectNode c = chunk(modelKey);
            ObjectNode call = delta(c).putArray("tool_calls").addObject();
            call.put("index", fragment.index());
            if (fragment.id() != null) {
                call.put("id", fragment.id());
                call.put("type", "function");
            }
            ObjectNode function = call.putObject("function");
            if (fragment.name() != null) {
                function.put("name", fragment.name());
            }
            if (fragment.arguments() != null) {
                function.put("arguments", fragment.arguments());
            }
            chunks.add(c);
        }
        if (chunks.isEmpty() && (script.finishReason() != null || script.usage() != null)) {
            chunks.add(chunk(modelKey));
        }
        if (!chunks.isEmpty()) {
            ObjectNode last = chunks.get(chunks.size() - 1);
            if (script.finishReason() != null) {
                ((ObjectNode) last.path("choices").get(0)).put("finish_reason", script.finishReason());
            }
            if (script.usage() != null) {
                last.putObject("usage").put("prompt_tokens", script.usage()[0])
                        .put("completion_tokens", script.usage()[1])
                        .put("total_tokens", script.usage()[0] + script.usage()[1]);
            }
        }
        return chunks;
    }

    /** Appends the end style's marker frames (§11.4: A = envelope DONE + finish metrics, B = bare DONE, C, D). */
    private static Ending endMarker(RemoteScript script, List<String> frames, String data, String nl) {
        switch (script.endStyle()) {
            case 'B' -> {
                frames.add(data + "[DONE]" + nl + nl);
                return Ending.CLOSE_CLEANLY;
            }
            case 'C' -> {
                return Ending.CLOSE_CLEANLY;
            }
            default -> {
                frames.add(data + envelope("[DONE]") + nl + nl);
                ObjectNode metrics = MAPPER.createObjectNode().put("firstTokenDuration", 12)
                        .put("totalDuration", 34).put("serverDuration", 5);
                if (script.finishUsage() != null) {
                    metrics.putObject("usage").put("input_tokens", script.finishUsage()[0])
                            .put("output_tokens", script.finishUsage()[1]);
                }
                frames.add("event:finish" + nl + data + metrics + nl + nl);
                return script.endStyle() == 'D' ? Ending.KEEP_OPEN : Ending.CLOSE_CLEANLY;
            }
        }
    }

    private static ObjectNode chunk(String modelKey) {
        ObjectNode chunk = MAPPER.createObjectNode();
        chunk.put("id", "chatcmpl-simulator");
        chunk.put("object", "chat.completion.chunk");
        chunk.put("model", modelKey);
        return chunk;
    }

    private static ObjectNode delta(ObjectNode chunk) {
        ArrayNode choices = chunk.has("choices") ? (ArrayNode) chunk.get("choices") : chunk.putArray("choices");
        ObjectNode choice = choices.isEmpty() ? choices.addObject().put("index", 0) : (ObjectNode) choices.get(0);
        return choice.has("delta") ? (ObjectNode) choice.get("delta") : choice.putObject("delta");
    }

    private static ObjectNode envelope(String bodyText) {
        ObjectNode env = MAPPER.createObjectNode();
        env.putObject("headers").putArray("Content-Type").add("application/json");
        env.put("body", bodyText);
        env.put("statusCodeValue", 200);
        env.put("statusCode", "OK");
        return env;
    }
}
