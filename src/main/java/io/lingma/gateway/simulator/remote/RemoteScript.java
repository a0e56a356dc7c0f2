package io.lingma.gateway.simulator.remote;

import java.util.List;
import java.util.regex.Pattern;

/**
 * A scripted chat answer of the remote simulator (lingma-remote.md §11.4), chosen by model key and/or a regex on
 * the last user message (the newest script that matches wins). Build with {@link #reply} and the with-ers.
 *
 * @param modelKey        model key to match, or null for any
 * @param userPattern     regex searched in the last user text, or null for any
 * @param metadataFrame   write a first metadata-only body {@code {"id","model"}}
 * @param reasoning       {@code reasoning_content} deltas, in order
 * @param text            {@code content} deltas, in order (split points are kept exactly)
 * @param toolFragments   tool-call fragments, one frame each
 * @param finishReason    {@code finish_reason} on the last content frame, or null for none
 * @param usage           {@code {prompt, completion}} tokens in the last chunk (OpenAI names), or null
 * @param finishUsage     {@code {input, output}} tokens in the finish frame ({@code input_tokens} names), or null
 * @param endStyle        {@code A} envelope [DONE] + event:finish + metrics + close, {@code B} bare
 *                        {@code data:[DONE]}, {@code C} no end marker (EOF), {@code D} A without closing
 * @param dataSpace       write {@code data: } instead of {@code data:}
 * @param crlf            end lines with {@code \r\n}
 * @param keepAlive       write a {@code : keep-alive} comment and an {@code event:ping} before the content
 * @param frameDelayMs    delay between frames in ms (Vert.x timers)
 */
public record RemoteScript(String modelKey, Pattern userPattern, boolean metadataFrame, List<String> reasoning,
                           List<String> text, List<ToolFragment> toolFragments, String finishReason, int[] usage,
                           int[] finishUsage, char endStyle, boolean dataSpace, boolean crlf, boolean keepAlive,
                           long frameDelayMs) {

    /**
     * One streamed tool-call fragment ({@code delta.tool_calls[0]}).
     *
     * @param index     {@code index}
     * @param id        {@code id} or null (omitted)
     * @param name      {@code function.name} or null (omitted)
     * @param arguments {@code function.arguments} piece or null (omitted)
     */
    public record ToolFragment(int index, String id, String name, String arguments) {
    }

    /** Copies lists. */
    public RemoteScript {
        reasoning = reasoning == null ? List.of() : List.copyOf(reasoning);
        text = text == null ? List.of() : List.copyOf(text);
        toolFragments = toolFragments == null ? List.of() : List.copyOf(toolFragments);
    }

    /**
     * @param textDeltas content deltas
     * @return a script for any model and message: metadata frame, the deltas, finish {@code stop}, usage, style A
     */
    public static RemoteScript reply(String... textDeltas) {
        return new RemoteScript(null, null, true, List.of(), List.of(textDeltas), List.of(), "stop",
                new int[]{10, textDeltas.length}, null, 'A', false, false, false, 0);
    }

    /** @param key model key @return a copy matching only that model */
    public RemoteScript forModel(String key) {
        return new RemoteScript(key, userPattern, metadataFrame, reasoning, text, toolFragments, finishReason, usage,
                finishUsage, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /** @param regex regex searched in the last user text @return a copy matching only such messages */
    public RemoteScript whenUserMatches(String regex) {
        return new RemoteScript(modelKey, Pattern.compile(regex), metadataFrame, reasoning, text, toolFragments,
                finishReason, usage, finishUsage, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /** @param deltas reasoning deltas @return a copy */
    public RemoteScript withReasoning(String... deltas) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, List.of(deltas), text, toolFragments,
                finishReason, usage, finishUsage, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /** @param fragments tool-call fragments @return a copy (finish reason {@code tool_calls}) */
    public RemoteScript withToolFragments(ToolFragment... fragments) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, List.of(fragments),
                "tool_calls", usage, finishUsage, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /** @param reason {@code stop}, {@code tool_calls}, {@code length} or null @return a copy */
    public RemoteScript withFinishReason(String reason) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, toolFragments, reason, usage,
                finishUsage, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /**
     * @param lastChunk   {@code {prompt_tokens, completion_tokens}} or null
     * @param finishFrame {@code {input_tokens, output_tokens}} or null
     * @return a copy
     */
    public RemoteScript withUsage(int[] lastChunk, int[] finishFrame) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, toolFragments, finishReason,
                lastChunk, finishFrame, endStyle, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /** @param style {@code A}, {@code B}, {@code C} or {@code D} @return a copy */
    public RemoteScript withEndStyle(char style) {
        if ("ABCD".indexOf(style) < 0) {
            throw new IllegalArgumentException("end style must be A, B, C or D, got " + style);
        }
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, toolFragments, finishReason,
                usage, finishUsage, style, dataSpace, crlf, keepAlive, frameDelayMs);
    }

    /**
     * @param space     {@code data: } prefix
     * @param crlfLines {@code \r\n} line ends
     * @param keepAlives comments and ping events
     * @return a copy
     */
    public RemoteScript withFraming(boolean space, boolean crlfLines, boolean keepAlives) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, toolFragments, finishReason,
                usage, finishUsage, endStyle, space, crlfLines, keepAlives, frameDelayMs);
    }

    /** @param delayMs delay between frames in ms @return a copy */
    public RemoteScript withFrameDelay(long delayMs) {
        return new RemoteScript(modelKey, userPattern, metadataFrame, reasoning, text, toolFragments, finishReason,
                usage, finishUsage, endStyle, dataSpace, crlf, keepAlive, delayMs);
    }

    boolean matches(String key, String lastUserText) {
        return (modelKey == null || modelKey.equals(key))
                && (userPattern == null || userPattern.matcher(lastUserText == null ? "" : lastUserText).find());
    }
}
