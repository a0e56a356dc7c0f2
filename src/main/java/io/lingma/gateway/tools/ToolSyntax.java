package io.lingma.gateway.tools;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The openings of the accepted answer formats, shared by the parser (client-api.md §10.5) and the streaming
 * filter (§10.9) so that both always agree on what starts a tool call. Immutable and thread-safe.
 */
final class ToolSyntax {

    private static final String ACTION = "```[ \\t]*json[ \\t]+action(?![A-Za-z0-9_])|```[ \\t]*action(?![A-Za-z0-9_])";
    private static final String FENCE = "```json[ \\t]*\\r?\\n";

    private final Pattern blockOpening;
    private final Pattern marker;
    private final List<String> markerPrefixes;

    ToolSyntax(Set<ToolSettings.Parser> parsers) {
        List<String> block = new ArrayList<>();
        List<String> markers = new ArrayList<>();
        List<String> prefixes = new ArrayList<>();
        if (parsers.contains(ToolSettings.Parser.JSON_ACTION)) {
            block.add(ACTION);
            prefixes.addAll(List.of("```json action", "``` action", "```action"));
        }
        if (parsers.contains(ToolSettings.Parser.JSON_FENCE)) {
            block.add(FENCE);
            prefixes.addAll(List.of("```json\n", "```json\r\n"));
        }
        markers.addAll(block);
        if (parsers.contains(ToolSettings.Parser.TOOL_CODE)) {
            markers.add("```tool_code");
            prefixes.add("```tool_code");
        }
        if (parsers.contains(ToolSettings.Parser.BARE_JSON)) {
            markers.add("\\{\\s*\"(?:tool|name)\"");
            prefixes.addAll(List.of("{\"tool\"", "{\"name\""));
        }
        if (parsers.contains(ToolSettings.Parser.HASH_TOOL_CALL)) {
            markers.add("#[ ]?tool call");
            prefixes.addAll(List.of("#tool call", "# tool call"));
        }
        if (parsers.contains(ToolSettings.Parser.XML_TOOL_CALL)) {
            markers.add("<tool_call>");
            prefixes.add("<tool_call>");
        }
        this.blockOpening = block.isEmpty() ? null
                : Pattern.compile(String.join("|", block), Pattern.CASE_INSENSITIVE);
        this.marker = markers.isEmpty() ? null
                : Pattern.compile(String.join("|", markers), Pattern.CASE_INSENSITIVE);
        this.markerPrefixes = List.copyOf(prefixes);
    }

    /** @return a matcher for fenced-block openings (§10.5 A.1) over {@code text}, or null when A is disabled */
    Matcher blockOpenings(CharSequence text) {
        return blockOpening == null ? null : blockOpening.matcher(text);
    }

    /**
     * @param text the buffered reply
     * @param from where to start looking
     * @return index of the earliest marker at or after {@code from}, or -1
     */
    int findMarker(CharSequence text, int from) {
        if (marker == null) {
            return -1;
        }
        Matcher m = marker.matcher(text);
        return m.find(from) ? m.start() : -1;
    }

    /**
     * @param lowerTrimmed the buffer, left-trimmed and lower-cased
     * @return true when it could still grow into a marker (§10.9 "prefix of a marker")
     */
    boolean isMarkerPrefix(String lowerTrimmed) {
        for (String p : markerPrefixes) {
            if (p.startsWith(lowerTrimmed)) {
                return true;
            }
        }
        return false;
    }
}
