package io.lingma.gateway.chat;

/** Why a turn ended, independent of the client API (mapped per API in the encoders). */
public enum FinishReason {
    /** Normal end of the answer (OpenAI {@code stop}, Anthropic {@code end_turn}). */
    STOP,
    /** Output-length limit (OpenAI {@code length}, Anthropic {@code max_tokens}). */
    LENGTH,
    /** The answer ends with tool calls. */
    TOOL_CALLS,
    /** The upstream refused (OpenAI {@code content_filter}, Anthropic {@code refusal}). */
    CONTENT_FILTER,
    /** A gateway-side stop sequence matched. */
    STOP_SEQUENCE
}
