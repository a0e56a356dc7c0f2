package io.lingma.gateway.chat;

import java.util.List;

/**
 * A completed turn, aggregated from its {@link ChatEvent}s; what non-streaming encoders render.
 *
 * @param text         visible assistant text (never null)
 * @param thinking     reasoning text (never null; empty when none)
 * @param toolCalls    tool calls (never null)
 * @param finishReason why the turn ended
 * @param usage        token usage (upstream-reported or estimated)
 * @param contextUsage Lingma IPC context usage, or null
 * @param model        the model that really answered
 */
public record ChatResult(String text, String thinking, List<ToolCall> toolCalls, FinishReason finishReason,
                         Usage usage, ChatEvent.ContextUsage contextUsage, ResolvedModel model) {

    public ChatResult {
        text = text == null ? "" : text;
        thinking = thinking == null ? "" : thinking;
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }
}
