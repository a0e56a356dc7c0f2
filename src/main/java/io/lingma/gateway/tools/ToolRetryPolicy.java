package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;

import java.util.List;
import java.util.Locale;

/**
 * When a reply without tool calls earns its one retry (client-api.md §10.8), and the last-resort memory-command
 * inference. Stateless and thread-safe.
 */
public final class ToolRetryPolicy {

    /** The macOS memory inspection command of §10.8 step 5. */
    public static final String MEMORY_COMMAND =
            "vm_stat && echo \"---\" && memory_pressure && echo \"---\" && top -l 1 -s 0 | head -n 15";

    private static final List<String> ANNOUNCE_CUES = List.of("让我", "我来", "我将", "接下来", "继续", "查看", "检查",
            "搜索", "读取", "运行", "执行", "let me", "i'll", "i will", "next", "continue", "check", "inspect", "search",
            "read", "run");
    private static final List<String> MEMORY_WORDS = List.of("内存", "memory", "physmem", "vm_stat");
    private static final int ANNOUNCE_MAX_CHARS = 180;

    private final ToolSettings settings;

    /** @param settings the phrase lists and the inference switch */
    public ToolRetryPolicy(ToolSettings settings) {
        this.settings = settings;
    }

    /**
     * Decides the retry of §10.8 step 2 for a reply in which no call was found.
     *
     * @param text   the reply text
     * @param choice the tool choice
     * @return true for mode any/tool; for mode auto when the text contains a refusal or missed-tool phrase; false for
     * mode none
     */
    public boolean shouldRetry(String text, ToolChoice choice) {
        return switch (choice.mode()) {
            case NONE -> false;
            case ANY, TOOL -> true;
            case AUTO -> isRefusal(text) || isMissedToolUse(text);
        };
    }

    /**
     * The remote-native "announced but not called" rule (§10.8 last part, LP {@code shouldRetryRemoteNativeTool}):
     * a short reply that says what it is about to do and then stops.
     *
     * @param text        the reply text
     * @param choice      the tool choice
     * @param toolsDeclared whether the request declares tools
     * @param nativeCalls number of native calls that arrived
     * @return true when the request should be re-issued with {@code tool_choice:"required"}
     */
    public boolean shouldRetryAnnounced(String text, ToolChoice choice, boolean toolsDeclared, int nativeCalls) {
        if (!toolsDeclared || choice.mode() == ToolChoice.Mode.NONE || nativeCalls > 0 || text == null) {
            return false;
        }
        String t = text.strip();
        if (t.isEmpty() || t.codePointCount(0, t.length()) > ANNOUNCE_MAX_CHARS) {
            return false;
        }
        String lower = normalise(t);
        if (ANNOUNCE_CUES.stream().noneMatch(lower::contains)) {
            return false;
        }
        return t.endsWith(":") || t.endsWith("：") || text.contains("：\n") || lower.contains("use ")
                || lower.contains("call ") || t.contains("工具");
    }

    /**
     * @param text a reply
     * @return true when it contains one of {@code gateway.tools.refusal-phrases} (case-insensitive)
     */
    public boolean isRefusal(String text) {
        return containsAny(text, settings.refusalPhrases());
    }

    /**
     * @param text a reply
     * @return true when it contains one of {@code gateway.tools.missed-tool-phrases} (case-insensitive)
     */
    public boolean isMissedToolUse(String text) {
        return containsAny(text, settings.missedToolPhrases());
    }

    /**
     * The memory-command inference of §10.8 step 5, only when {@code gateway.tools.infer-memory-command} is on, the
     * text is a refusal or missed tool use and mentions memory.
     *
     * @param text  a reply without calls
     * @param tools the declared tools
     * @param ids   id source for the call
     * @return one call of a command tool with {@code command} = {@link #MEMORY_COMMAND}, or null
     */
    public ToolCall inferMemoryCommand(String text, List<ToolDefinition> tools, ToolIdSource ids) {
        if (!settings.inferMemoryCommand() || text == null || !(isRefusal(text) || isMissedToolUse(text))) {
            return null;
        }
        String lower = normalise(text);
        if (MEMORY_WORDS.stream().noneMatch(lower::contains)) {
            return null;
        }
        ToolDefinition tool = null;
        for (ToolDefinition t : tools) {
            String n = t.name().toLowerCase(Locale.ROOT);
            if ((n.contains("bash") || n.contains("terminal") || n.contains("shell")) && hasCommand(t)) {
                tool = t;
                break;
            }
        }
        if (tool == null) {
            tool = tools.stream().filter(ToolRetryPolicy::hasCommand).findFirst().orElse(null);
        }
        if (tool == null) {
            return null;
        }
        // only `command` is set, which the schema declares, so the schema filter keeps exactly it
        ObjectNode args = ToolJson.object();
        args.put("command", MEMORY_COMMAND);
        return new ToolCall(ids.next(null), tool.name(), ToolJson.write(args));
    }

    private static boolean hasCommand(ToolDefinition t) {
        JsonNode props = t.schema() == null ? null : t.schema().get("properties");
        return props != null && props.isObject() && props.has("command");
    }

    private static boolean containsAny(String text, List<String> phrases) {
        if (text == null || text.isEmpty()) {
            return false;
        }
        String lower = normalise(text);
        return phrases.stream().anyMatch(lower::contains);
    }

    /** Lower-case with typographic apostrophes folded, so "can’t" matches "can't". */
    private static String normalise(String text) {
        return text.toLowerCase(Locale.ROOT).replace('\u2019', '\'');
    }
}
