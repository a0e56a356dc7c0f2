package io.lingma.gateway.tools;

import java.util.Locale;

/**
 * The streaming hold-back filter of client-api.md §10.9, one per response attempt: decides which part of the text
 * streamed so far can be shown to the client without ever showing a tool-call block. Text before the earliest
 * marker is released (except a held tail of {@code holdback-chars}, so a marker split across deltas is caught);
 * from the first marker on, nothing more is released until the reply is parsed. Not thread-safe (one consumer).
 *
 * <p>Whitespace at either end of a release waits: the reply's leading whitespace is never released, and trailing
 * whitespace only once visible text follows it or the reply ends without a call. So text before a call reaches a
 * streaming client exactly as the trimmed cleaned text of §10.5 that a non-streaming client gets, and a reply
 * without calls reads the same both ways too.
 *
 * <p>The markers are exactly the openings of the enabled parsers ({@code ```json action}, {@code ``` action},
 * {@code ```json} + newline, {@code ```tool_code}, {@code {"tool"}, {@code {"name"}, and when enabled
 * {@code #Tool Call}, {@code # Tool Call}, {@code <tool_call>}). With {@code bare-json} enabled, a reply that
 * starts with {@code {} or with a fence without a language tag is held as a whole, since that parser may take the
 * entire reply as one call.
 */
public final class HoldBackFilter {

    private final ToolSyntax syntax;
    private final int holdback;
    private final boolean holdAll;
    private final boolean bareJson;
    private final StringBuilder buffer = new StringBuilder();
    private int released;
    private boolean blocked;
    private boolean finished;

    /**
     * @param settings parsers (marker set) and {@code holdback-chars}
     * @param holdAll  true to release nothing before {@link #finish} (mode any/tool with
     *                 {@code hold-text-when-forced}, non-streaming or aggregated responses; §10.8 step 3)
     */
    public HoldBackFilter(ToolSettings settings, boolean holdAll) {
        this.syntax = new ToolSyntax(settings.parsers());
        this.holdback = settings.holdbackChars();
        this.holdAll = holdAll;
        this.bareJson = settings.enabled(ToolSettings.Parser.BARE_JSON);
    }

    /**
     * Adds a text delta.
     *
     * @param delta the next piece of reply text (null is treated as empty)
     * @return the text that may be shown now (possibly empty, never null)
     * @throws IllegalStateException after {@link #finish}
     */
    public String push(String delta) {
        if (finished) {
            throw new IllegalStateException("the filter has finished");
        }
        if (delta != null) {
            buffer.append(delta);
        }
        if (holdAll || blocked) {
            return "";
        }
        int marker = syntax.findMarker(buffer, released);
        if (marker >= 0) {
            blocked = true;
            return release(marker, false);
        }
        if (released == 0) {
            String head = buffer.toString().stripLeading().toLowerCase(Locale.ROOT);
            if (head.isEmpty() || syntax.isMarkerPrefix(head)) {
                return "";
            }
            if (bareJson && head.startsWith("{")) {
                blocked = true;
                return "";
            }
            if (bareJson && head.startsWith("```")) {
                int nl = head.indexOf('\n');
                if (nl < 0) {
                    return "";
                }
                String info = head.substring(3, nl).strip();
                if (info.isEmpty() || info.equals("json")) {
                    blocked = true;
                    return "";
                }
            }
        }
        return release(buffer.length() - holdback, false);
    }

    /**
     * Ends the response attempt (client-api.md §10.9 "At the end").
     *
     * @param result the parse of the full reply (its {@link ParseResult#original()} must be the text pushed)
     * @return what to release now: with no calls, everything still held (leading whitespace of the reply
     * excepted); with calls, the not yet released part of the cleaned text (empty when blank); never null
     */
    public String finish(ParseResult result) {
        finished = true;
        if (result == null || !result.hasCalls()) {
            return release(buffer.length(), true);
        }
        String rest = result.remainderAfter(released);
        released = buffer.length();
        return rest;
    }

    /** @return the number of characters of the reply released or dropped (leading whitespace) so far */
    public int released() {
        return released;
    }

    /** @return all text pushed so far */
    public String text() {
        return buffer.toString();
    }

    /** @return true once a marker was seen (or the whole reply may be a call) */
    public boolean blocked() {
        return blocked;
    }

    /** Releases up to {@code end}, without the reply's leading whitespace and, unless {@code last}, trailing one. */
    private String release(int end, boolean last) {
        int start = released;
        if (start == 0) {
            while (start < end && Character.isWhitespace(buffer.charAt(start))) {
                start++;
            }
        }
        while (!last && end > start && Character.isWhitespace(buffer.charAt(end - 1))) {
            end--;
        }
        // never split a surrogate pair across two releases
        if (end > start && end < buffer.length() && Character.isHighSurrogate(buffer.charAt(end - 1))) {
            end--;
        }
        if (end <= start) {
            return "";
        }
        String out = buffer.substring(start, end);
        released = end;
        return out;
    }
}
