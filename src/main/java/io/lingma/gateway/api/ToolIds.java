package io.lingma.gateway.api;

import io.lingma.gateway.chat.Ids;

/**
 * Ids for tool calls that reach an encoder without one (client-api.md §10.6). One instance per response, so the
 * sequential generator numbers from 1 in each response. Not thread-safe.
 */
public final class ToolIds {

    private final ApiSettings.ToolIdGenerator generator;
    private int next = 1;

    /** @param generator random (default) or sequential (tests only) */
    public ToolIds(ApiSettings.ToolIdGenerator generator) {
        this.generator = generator;
    }

    /**
     * @param id the call's id, may be null or blank
     * @return {@code id} when present, else {@code call_} + 24 base62 (sequential: {@code call_<n>})
     */
    public String openAi(String id) {
        if (id != null && !id.isBlank()) {
            return id;
        }
        return generator == ApiSettings.ToolIdGenerator.SEQUENTIAL ? "call_" + next++ : Ids.base62("call_", 24);
    }

    /**
     * @param id the call's id, may be null or blank
     * @return {@code id} when present, else {@code toolu_01} + 22 base62 (sequential: {@code toolu_<n>})
     */
    public String anthropic(String id) {
        if (id != null && !id.isBlank()) {
            return id;
        }
        return generator == ApiSettings.ToolIdGenerator.SEQUENTIAL ? "toolu_" + next++ : Ids.base62("toolu_01", 22);
    }
}
