package io.lingma.gateway.chat;

/**
 * The client-facing API a request arrived on; decides error envelopes and encoders
 * (see ../shared/spec/client-api.md §2.7).
 */
public enum ApiProtocol {
    /** OpenAI {@code /v1/chat/completions}. */
    OPENAI_CHAT,
    /** OpenAI {@code /v1/responses}. */
    OPENAI_RESPONSES,
    /** Anthropic {@code /v1/messages} and {@code /v1/messages/count_tokens}. */
    ANTHROPIC_MESSAGES;

    /** @return true when errors use the Anthropic {@code {"type":"error",...}} envelope */
    public boolean anthropic() {
        return this == ANTHROPIC_MESSAGES;
    }
}
