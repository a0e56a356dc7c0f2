package io.lingma.gateway.chat;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingType;

import java.util.concurrent.CompletableFuture;

/**
 * Counts tokens for {@code /v1/messages/count_tokens} and for usage when Lingma reports none (client-api.md §7,
 * §12), with the o200k_base BPE tokenizer (jtokkit). Lingma's models (Qwen, Kimi, MiniMax) use their own BPE
 * vocabularies of a similar size; for English and code o200k_base counts are typically within about 10–15 % of
 * theirs, for Chinese text somewhat lower. It replaces the spec's {@code UTF-8 bytes / 4} estimate, which
 * over-counts Chinese and under-counts code.
 *
 * <p>The work per call is bounded ({@code gateway.tokens.exact-count-chars}): a text of up to that many characters
 * is counted exactly; a longer one is estimated from that many characters, taken as {@value #WINDOWS} evenly spaced
 * windows from its start to its end, whose exact count is scaled linearly by total / sampled characters. Text is fed
 * to the tokenizer in pieces of at most {@value #PIECE_CHARS} characters cut before a word, which leaves the count
 * unchanged (the tokenizer splits there too); a run without such a cut (base64, a repeated character) goes in pieces
 * of {@value #RUN_CHARS} characters (at most one token off per piece), since one long run costs the tokenizer memory
 * and time far beyond its length. Thread-safe.
 */
public class TokenEstimator {

    /** Default of {@code gateway.tokens.exact-count-chars}: about 250k tokens, beyond any Lingma model's context. */
    public static final int DEFAULT_EXACT_COUNT_CHARS = 1_048_576;
    /** Windows a long text is sampled in. */
    static final int WINDOWS = 16;
    /** Longest piece handed to the tokenizer at once. */
    static final int PIECE_CHARS = 8192;
    /**
     * Piece of a run without a word start: at most 480 UTF-8 bytes, under the 500 bytes beyond which the tokenizer
     * switches to an algorithm that allocates hundreds of bytes per input byte.
     */
    static final int RUN_CHARS = 160;
    private static final int MIN_EXACT_COUNT_CHARS = WINDOWS * 256;

    /** Loaded once: the vocabulary takes a moment to read and is immutable and thread-safe. */
    private static final class Holder {
        static final Encoding O200K = Encodings.newLazyEncodingRegistry().getEncoding(EncodingType.O200K_BASE);
    }

    private final int exactCountChars;

    /** An estimator with {@link #DEFAULT_EXACT_COUNT_CHARS}. */
    public TokenEstimator() {
        this(DEFAULT_EXACT_COUNT_CHARS);
    }

    /**
     * @param exactCountChars {@code gateway.tokens.exact-count-chars}: longest text counted exactly, in UTF-16
     *                        characters; longer ones are extrapolated from a sample of this size
     * @throws IllegalArgumentException below {@code 4096}
     */
    public TokenEstimator(int exactCountChars) {
        if (exactCountChars < MIN_EXACT_COUNT_CHARS) {
            throw new IllegalArgumentException("gateway.tokens.exact-count-chars must be at least "
                    + MIN_EXACT_COUNT_CHARS + ", got " + exactCountChars);
        }
        this.exactCountChars = exactCountChars;
    }

    /**
     * Starts loading the vocabulary in the background (about a second of CPU), so the first request does not wait
     * for it. Non-blocking; idempotent.
     */
    public void preload() {
        CompletableFuture.runAsync(() -> Holder.O200K.getName());
    }

    /** @return the longest text counted exactly, in UTF-16 characters ({@code gateway.tokens.exact-count-chars}) */
    public int exactCountChars() {
        return exactCountChars;
    }

    /**
     * @param text any text, may be null
     * @return its token count (0 for null or empty; at least 1 otherwise); an extrapolation beyond
     *         {@link #exactCountChars()} characters
     */
    public long estimate(String text) {
        return estimate((CharSequence) text);
    }

    /**
     * As {@link #estimate(String)} for text not held in one string (e.g. a prompt assembled in a builder), without
     * copying it whole.
     *
     * @param text any text, may be null
     * @return its token count (0 for null or empty; at least 1 otherwise)
     */
    public long estimate(CharSequence text) {
        if (text == null || text.length() == 0) {
            return 0;
        }
        int length = text.length();
        if (length <= exactCountChars) {
            return Math.max(1, count(text, 0, length));
        }
        int window = exactCountChars / WINDOWS;
        long tokens = 0;
        long sampled = 0;
        for (int k = 0; k < WINDOWS; k++) {
            int from = (int) ((long) (length - window) * k / (WINDOWS - 1));
            int start = k == 0 ? 0 : cutAtOrAfter(text, from, Math.min(length, from + window / 2));
            int end = k == WINDOWS - 1 ? length
                    : cutAtOrBefore(text, start + window, start + window / 2, start + window);
            tokens += count(text, start, end);
            sampled += end - start;
        }
        return Math.max(1, Math.round((double) tokens * length / sampled));
    }

    /** Exact count of {@code text[from, to)}, tokenized in pieces of at most {@link #PIECE_CHARS}. */
    private static long count(CharSequence text, int from, int to) {
        long tokens = 0;
        int start = from;
        while (start < to) {
            int end = to - start <= PIECE_CHARS ? to
                    : cutAtOrBefore(text, start + PIECE_CHARS, start + PIECE_CHARS / 2, start + RUN_CHARS);
            tokens += Holder.O200K.countTokensOrdinary(text.subSequence(start, end).toString());
            start = end;
        }
        return tokens;
    }

    /**
     * @return the last word start in {@code (floor, at]}, else {@code fallback} moved off a surrogate pair's middle
     */
    private static int cutAtOrBefore(CharSequence text, int at, int floor, int fallback) {
        for (int i = at; i > floor; i--) {
            if (wordStart(text, i)) {
                return i;
            }
        }
        return Character.isLowSurrogate(text.charAt(fallback)) ? fallback - 1 : fallback;
    }

    /** @return the first word start in {@code [at, limit)}, else {@code at} moved off a surrogate pair's middle */
    private static int cutAtOrAfter(CharSequence text, int at, int limit) {
        for (int i = at; i < limit; i++) {
            if (wordStart(text, i)) {
                return i;
            }
        }
        return Character.isLowSurrogate(text.charAt(at)) ? at + 1 : at;
    }

    /**
     * Whether the tokenizer's pre-split ends a piece before index {@code i} whatever follows: a single space between
     * two non-space characters (the space starts the next word's piece), or a non-space character after a line
     * break.
     */
    private static boolean wordStart(CharSequence text, int i) {
        if (i <= 0 || i + 1 >= text.length()) {
            return false;
        }
        char c = text.charAt(i);
        char before = text.charAt(i - 1);
        if (c == ' ') {
            return !Character.isWhitespace(before) && !Character.isWhitespace(text.charAt(i + 1));
        }
        return before == '\n' && !Character.isWhitespace(c);
    }
}
