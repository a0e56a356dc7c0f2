package io.lingma.gateway.tools;

import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ToolIds;
import io.lingma.gateway.chat.ApiProtocol;

import java.util.regex.Pattern;

/**
 * Hands out tool-call ids for one response (client-api.md §10.6 "Ids"). Implementations need not be thread-safe.
 */
@FunctionalInterface
public interface ToolIdSource {

    /** Upstream ids reused as they are (client-api.md §10.6). */
    Pattern REUSABLE_ID = Pattern.compile("^[A-Za-z0-9_-]{1,64}$");

    /**
     * @param upstreamId the id the upstream supplied (remote native calls), or null
     * @return {@code upstreamId} when it matches {@link #REUSABLE_ID}, else a new id
     */
    String next(String upstreamId);

    /**
     * Ids in the client's shape, made by {@link ToolIds}: OpenAI chat and Responses {@code call_} + 24 base62,
     * Anthropic {@code toolu_01} + 22 base62; sequential ({@code call_1}, {@code toolu_1}, …) when configured.
     * Create one per response so sequential numbering starts at 1 in each.
     *
     * @param protocol  the client API
     * @param generator {@code gateway.tools.id-generator}
     * @return a new id source
     */
    static ToolIdSource forProtocol(ApiProtocol protocol, ApiSettings.ToolIdGenerator generator) {
        ToolIds ids = new ToolIds(generator);
        boolean anthropic = protocol != null && protocol.anthropic();
        return upstreamId -> {
            String reuse = upstreamId != null && REUSABLE_ID.matcher(upstreamId).matches() ? upstreamId : null;
            return anthropic ? ids.anthropic(reuse) : ids.openAi(reuse);
        };
    }
}
