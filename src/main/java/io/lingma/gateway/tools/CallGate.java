package io.lingma.gateway.tools;

import java.util.HashSet;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Admits the validated calls of one answer in order (client-api.md §10.5 validation 3–5): drops a repeat of a
 * tool and arguments already admitted, every call after the first in single-call mode, and calls over
 * {@code max-calls}, counting each drop. Not thread-safe; one instance per answer.
 */
final class CallGate {

    private final int maxCalls;
    private final boolean parallelToolCalls;
    private final Map<ParseResult.Rejection, Integer> rejected;
    private final Set<String> seen = new HashSet<>();

    /**
     * @param maxCalls          the most calls an answer carries
     * @param parallelToolCalls false → only the first admitted call
     * @param rejected          counters to add drops to (modified)
     */
    CallGate(int maxCalls, boolean parallelToolCalls, Map<ParseResult.Rejection, Integer> rejected) {
        this.maxCalls = maxCalls;
        this.parallelToolCalls = parallelToolCalls;
        this.rejected = rejected;
    }

    /**
     * @param toolName     the declared tool name (compared case-insensitively)
     * @param argumentsKey the canonical arguments, for the repeat check
     * @param admitted     how many calls were admitted so far
     * @return true when the call is admitted; false when it was dropped and counted
     */
    boolean admit(String toolName, String argumentsKey, int admitted) {
        if (!seen.add(toolName.toLowerCase(Locale.ROOT) + "\u0000" + argumentsKey)) {
            ToolCallParser.count(rejected, ParseResult.Rejection.DUPLICATE);
        } else if (!parallelToolCalls && admitted > 0) {
            ToolCallParser.count(rejected, ParseResult.Rejection.SINGLE_CALL);
        } else if (admitted >= maxCalls) {
            ToolCallParser.count(rejected, ParseResult.Rejection.OVER_LIMIT);
        } else {
            return true;
        }
        return false;
    }
}
