package io.lingma.gateway.chat;

import java.nio.charset.StandardCharsets;

/**
 * The gateway's token estimator, used when Lingma reports no usage (client-api.md §12):
 * {@code E(s) = 0} for the empty string, else {@code max(1, floor(utf8Bytes(s) / 4))}.
 */
public class TokenEstimator {

    /**
     * @param text any text, may be null
     * @return estimated tokens (0 for null or empty)
     */
    public long estimate(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return Math.max(1, text.getBytes(StandardCharsets.UTF_8).length / 4);
    }
}
