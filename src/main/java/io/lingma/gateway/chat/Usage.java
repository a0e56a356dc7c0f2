package io.lingma.gateway.chat;

/**
 * Token usage of a turn (client-api.md §12).
 *
 * @param promptTokens     input tokens
 * @param completionTokens output tokens
 * @param reasoningTokens  output tokens spent on reasoning, 0 when unknown
 * @param cachedTokens     input tokens served from a cache, 0 when unknown
 * @param estimated        true when the numbers come from the gateway's estimator, not from Lingma
 */
public record Usage(long promptTokens, long completionTokens, long reasoningTokens, long cachedTokens,
                    boolean estimated) {

    /** @return prompt + completion tokens */
    public long totalTokens() {
        return promptTokens + completionTokens;
    }
}
