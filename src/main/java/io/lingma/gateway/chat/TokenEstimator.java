package io.lingma.gateway.chat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

/**
 * Counts tokens for {@code /v1/messages/count_tokens} and for usage when Lingma reports none (client-api.md §7,
 * §12), with the o200k_base BPE tokenizer (jtokkit). Lingma's models (Qwen, Kimi, MiniMax) use their own BPE
 * vocabularies of a similar size; for English and code o200k_base counts are typically within about 10–15 % of
 * theirs, for Chinese text somewhat lower. It replaces the spec's {@code UTF-8 bytes / 4} estimate, which
 * over-counts Chinese and under-counts code.
 */
public class TokenEstimator {

    /** Loaded once: the vocabulary takes a moment to read and is immutable and thread-safe. */
    private static final class Holder {
        static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    /**
     * @param text any text, may be null
     * @return its token count (0 for null or empty; at least 1 otherwise)
     */
    public long estimate(String text) {
        if (text == null || text.isEmpty()) {
            return 0;
        }
        return Math.max(1, Holder.O200K.countTokensOrdinary(text));
    }
}
