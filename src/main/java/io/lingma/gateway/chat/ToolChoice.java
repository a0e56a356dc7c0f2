package io.lingma.gateway.chat;

/**
 * The normalised {@code tool_choice} (client-api.md §10.3).
 *
 * @param mode one of auto, none, any, tool
 * @param name the forced tool name when {@code mode == TOOL}, else null
 */
public record ToolChoice(Mode mode, String name) {
    /** Tool-choice modes. */
    public enum Mode { AUTO, NONE, ANY, TOOL }

    /** The default when a request names no tool choice. */
    public static final ToolChoice AUTO = new ToolChoice(Mode.AUTO, null);
    /** Tools must not be used. */
    public static final ToolChoice NONE = new ToolChoice(Mode.NONE, null);
}
