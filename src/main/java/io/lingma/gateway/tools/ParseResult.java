package io.lingma.gateway.tools;

import io.lingma.gateway.chat.ToolCall;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * Outcome of parsing one reply for tool calls (client-api.md §10.5).
 *
 * @param original the reply text as parsed
 * @param text     the cleaned text: the original with every accepted span (including duplicate and over-limit
 *                 blocks) cut out, then stripped; the original unchanged when no call was accepted
 * @param calls    accepted calls in reply order, names spelled as declared, arguments as compact JSON
 * @param spans    the cut spans in the original, ascending and disjoint (empty when no call was accepted)
 * @param rejected counts of dropped calls by reason, for metrics and logs
 */
public record ParseResult(String original, String text, List<ToolCall> calls, List<Span> spans,
                          Map<Rejection, Integer> rejected) {

    /** Why a candidate call was dropped. */
    public enum Rejection {
        /** The block or object was not valid JSON, even after repair, or its arguments could not be decoded. */
        INVALID_JSON,
        /** No tool name and no forced tool to fall back on. */
        MISSING_NAME,
        /** The name maps to no declared tool (the block stays in the text). */
        UNKNOWN_TOOL,
        /** A required argument is missing or a blank string (the block stays in the text). */
        MISSING_REQUIRED,
        /** Same tool and arguments as an earlier call (its span is still cut). */
        DUPLICATE,
        /** Past {@code gateway.tools.max-calls} (its span is still cut). */
        OVER_LIMIT,
        /** {@code parallel_tool_calls:false}: only the first call is kept (its span is still cut). */
        SINGLE_CALL
    }

    /**
     * A cut region of the original text.
     *
     * @param start first character (inclusive)
     * @param end   last character (exclusive)
     */
    public record Span(int start, int end) {
    }

    public ParseResult {
        original = original == null ? "" : original;
        text = text == null ? original : text;
        calls = List.copyOf(calls);
        spans = List.copyOf(spans);
        EnumMap<Rejection, Integer> copy = new EnumMap<>(Rejection.class);
        copy.putAll(rejected);
        rejected = Collections.unmodifiableMap(copy);
    }

    /**
     * @param text a reply
     * @return a result without calls: the text unchanged
     */
    public static ParseResult none(String text) {
        return new ParseResult(text, text, List.of(), List.of(), Map.of());
    }

    /**
     * @param calls calls that replace this result's calls (e.g. validated native calls)
     * @return a copy with the same text and spans and the given calls
     */
    public ParseResult withCalls(List<ToolCall> calls) {
        return new ParseResult(original, text, calls, spans, rejected);
    }

    /** @return true when at least one call was accepted */
    public boolean hasCalls() {
        return !calls.isEmpty();
    }

    /**
     * The part of the cleaned text a streaming client has not seen yet (client-api.md §10.9 "At the end … calls").
     *
     * @param released number of leading characters of {@link #original} already released
     * @return the rest of the cleaned text after that prefix, trailing whitespace removed (and leading whitespace
     * too when nothing visible was released); empty when blank
     */
    public String remainderAfter(int released) {
        String cleaned = cutSpans();
        int offset = released;
        for (Span s : spans) {
            if (s.start() >= released) {
                break;
            }
            offset -= Math.min(released, s.end()) - s.start();
        }
        offset = Math.max(0, Math.min(offset, cleaned.length()));
        String rest = cleaned.substring(offset).stripTrailing();
        if (original.substring(0, Math.min(released, original.length())).isBlank()) {
            rest = rest.stripLeading();
        }
        return rest.isBlank() ? "" : rest;
    }

    /** @return the original with the spans cut out, not stripped */
    String cutSpans() {
        if (spans.isEmpty()) {
            return original;
        }
        StringBuilder sb = new StringBuilder(original.length());
        int at = 0;
        for (Span s : spans) {
            sb.append(original, at, s.start());
            at = s.end();
        }
        sb.append(original, at, original.length());
        return sb.toString();
    }

    /** Mutable counters used while parsing. */
    static Map<Rejection, Integer> counters() {
        return new EnumMap<>(Rejection.class);
    }

    static List<Span> sorted(List<Span> spans) {
        List<Span> out = new ArrayList<>(spans);
        out.sort((a, b) -> Integer.compare(a.start(), b.start()));
        return out;
    }
}
