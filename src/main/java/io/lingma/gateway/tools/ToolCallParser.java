package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Finds tool calls in a model reply (client-api.md §10.5, §10.6, §10.11): fenced action blocks first, then the
 * whole-reply forms, then validation against the declared tools (name normalisation, schema filter, required
 * arguments, optional re-keying, dedup, {@code max-calls}, single-call mode). Stateless and thread-safe.
 */
public final class ToolCallParser {

    private static final Set<String> NON_ARGUMENT_KEYS = Set.of("tool", "name", "function", "arguments", "input",
            "result", "parameters");
    private static final Pattern HASH_HEADING = Pattern.compile("(?im)^[ \\t]*#[ ]?tool call[ \\t]*$");
    private static final Pattern XML_CALL = Pattern.compile("(?is)<tool_call>(.*?)</tool_call>");
    private static final Pattern OUTER_FENCE = Pattern.compile("(?is)^```[ \\t]*(json)?[ \\t]*\\r?\\n(.*)```$");

    private final ToolSettings settings;
    private final ToolSyntax syntax;
    private final ToolSchemaFilter schema;

    /** @param settings parsers, limits and the re-keying switch */
    public ToolCallParser(ToolSettings settings) {
        this.settings = settings;
        this.syntax = new ToolSyntax(settings.parsers());
        this.schema = new ToolSchemaFilter(settings.rekeySingleArgument());
    }

    /** @return the settings this parser uses */
    public ToolSettings settings() {
        return settings;
    }

    /** A call as found in the reply, before validation. */
    private record Candidate(String name, ObjectNode arguments, ParseResult.Span span) {
    }

    /** A validated call, not yet deduplicated. */
    private record Valid(ToolDefinition tool, ObjectNode arguments, ParseResult.Span span) {
    }

    /**
     * Parses a complete reply (client-api.md §10.5).
     *
     * @param text              the full reply text (null is treated as empty)
     * @param tools             the declared tools (names as the client spelled them)
     * @param choice            the normalised tool choice; mode tool X lets a name-less object mean X
     * @param parallelToolCalls false → only the first accepted call is returned
     * @param ids               id source for accepted calls (called once per returned call, in order)
     * @return the cleaned text, the accepted calls and rejection counters; the text unchanged when no call was
     * accepted
     */
    public ParseResult parse(String text, List<ToolDefinition> tools, ToolChoice choice, boolean parallelToolCalls,
                             ToolIdSource ids) {
        String reply = text == null ? "" : text;
        Map<ParseResult.Rejection, Integer> rejected = ParseResult.counters();
        if (tools.isEmpty() || choice.mode() == ToolChoice.Mode.NONE || reply.isBlank()) {
            return ParseResult.none(reply);
        }
        String forced = choice.mode() == ToolChoice.Mode.TOOL ? choice.name() : null;
        List<Valid> valid = validate(fencedBlocks(reply, rejected), tools, rejected);
        if (valid.isEmpty()) {
            valid = validate(wholeReply(reply, forced, rejected), tools, rejected);
        }
        return assemble(reply, valid, parallelToolCalls, ids, rejected);
    }

    /**
     * Validates calls reported natively by the upstream (client-api.md §10.1 remote, §10.12): names resolved to the
     * declared tools, arguments schema-filtered and checked, dedup, {@code max-calls} and single-call mode applied.
     * Upstream ids are reused when {@code ids} allows it.
     *
     * @param calls             the upstream calls (arguments as JSON text; invalid JSON is kept raw and skips the
     *                          schema filter)
     * @param tools             the declared tools
     * @param parallelToolCalls false → only the first accepted call
     * @param ids               id source; receives the upstream id of each accepted call
     * @param rejected          counters to add rejections to (modified)
     * @return the accepted calls, names spelled as declared
     */
    public List<ToolCall> validateNative(List<ToolCall> calls, List<ToolDefinition> tools, boolean parallelToolCalls,
                                         ToolIdSource ids, Map<ParseResult.Rejection, Integer> rejected) {
        List<ToolCall> out = new ArrayList<>();
        CallGate gate = new CallGate(settings.maxCalls(), parallelToolCalls, rejected);
        for (ToolCall call : calls) {
            ToolDefinition tool = ToolNames.resolve(call.name(), tools);
            if (tool == null) {
                count(rejected, ParseResult.Rejection.UNKNOWN_TOOL);
                continue;
            }
            String raw = call.arguments() == null || call.arguments().isBlank() ? "{}" : call.arguments();
            JsonNode parsed = ToolJson.parse(raw);
            String arguments;
            String dedupKey;
            if (parsed instanceof ObjectNode object) {
                ObjectNode filtered = schema.filter(tool, object.deepCopy(), rejected);
                if (filtered == null) {
                    continue;
                }
                arguments = ToolJson.write(filtered);
                dedupKey = ToolJson.canonical(filtered);
            } else {
                // invalid JSON stays raw (lingma-remote.md §7.4); the encoders wrap it
                arguments = raw;
                dedupKey = raw;
            }
            if (gate.admit(tool.name(), dedupKey, out.size())) {
                out.add(new ToolCall(ids.next(call.id()), tool.name(), arguments));
            }
        }
        return out;
    }

    // ---- A: fenced blocks ----

    private List<Candidate> fencedBlocks(String reply, Map<ParseResult.Rejection, Integer> rejected) {
        List<Candidate> out = new ArrayList<>();
        Matcher m = syntax.blockOpenings(reply);
        if (m == null) {
            return out;
        }
        int scanLimit = scanLimit(reply);
        int from = 0;
        while (from < reply.length() && m.find(from)) {
            int start = m.start();
            if (start >= scanLimit) {
                break;
            }
            int bodyStart;
            if (m.group().endsWith("\n")) {
                bodyStart = m.end();
            } else {
                int nl = reply.indexOf('\n', m.end());
                int sameLineClose = closingFence(reply, m.end());
                // a one-line block (```json action {...}```) has its body on the opening line
                bodyStart = sameLineClose >= 0 && (nl < 0 || sameLineClose < nl) ? m.end() : nl < 0 ? -1 : nl + 1;
            }
            if (bodyStart < 0) {
                break;
            }
            int close = closingFence(reply, bodyStart);
            String body = close < 0 ? reply.substring(bodyStart) : reply.substring(bodyStart, close);
            int end = close < 0 ? reply.length() : close + 3;
            JsonNode node = ToolJson.parseRepaired(body);
            if (!(node instanceof ObjectNode object)) {
                count(rejected, ParseResult.Rejection.INVALID_JSON);
                from = m.end();
                continue;
            }
            Candidate c = interpret(object, null, new ParseResult.Span(start, end), rejected);
            if (c != null) {
                out.add(c);
            }
            from = end;
        }
        return out;
    }

    /** @return index of the first {@code ```} at or after {@code from} that is not inside a JSON string, or -1 */
    static int closingFence(String s, int from) {
        JsonStringTracker strings = new JsonStringTracker(true);
        for (int i = from; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!strings.consume(c) && c == '`' && s.startsWith("```", i)) {
                return i;
            }
        }
        return -1;
    }

    private int scanLimit(String reply) {
        if (settings.maxScanBytes() <= 0) {
            return Integer.MAX_VALUE;
        }
        long bytes = 0;
        for (int i = 0; i < reply.length(); i++) {
            bytes += String.valueOf(reply.charAt(i)).getBytes(StandardCharsets.UTF_8).length;
            if (bytes > settings.maxScanBytes()) {
                return i;
            }
        }
        return Integer.MAX_VALUE;
    }

    // ---- B: whole-reply forms ----

    private List<Candidate> wholeReply(String reply, String forced, Map<ParseResult.Rejection, Integer> rejected) {
        String trimmed = reply.strip();
        ParseResult.Span whole = new ParseResult.Span(0, reply.length());
        List<Candidate> out = new ArrayList<>();
        if (settings.enabled(ToolSettings.Parser.BARE_JSON)) {
            Candidate c = bareJson(trimmed, forced, whole, rejected);
            if (c != null) {
                out.add(c);
                return out;
            }
        }
        if (settings.enabled(ToolSettings.Parser.TOOL_CODE) && trimmed.regionMatches(true, 0, "```tool_code", 0, 12)
                && trimmed.endsWith("```") && trimmed.length() >= 15) {
            int nl = trimmed.indexOf('\n');
            if (nl > 0 && nl < trimmed.length() - 3) {
                Candidate c = toolCode(trimmed.substring(nl + 1, trimmed.length() - 3), whole, rejected);
                if (c != null) {
                    out.add(c);
                    return out;
                }
            }
        }
        if (settings.enabled(ToolSettings.Parser.HASH_TOOL_CALL)) {
            Matcher h = HASH_HEADING.matcher(reply);
            if (h.find()) {
                String rest = reply.substring(h.end()).strip();
                ParseResult.Span span = new ParseResult.Span(h.start(), reply.length());
                Candidate c = rest.startsWith("{") || rest.startsWith("```")
                        ? bareJson(rest, null, span, rejected) : toolCode(rest, span, rejected);
                if (c != null) {
                    out.add(c);
                    return out;
                }
            }
        }
        if (settings.enabled(ToolSettings.Parser.XML_TOOL_CALL)) {
            Matcher x = XML_CALL.matcher(reply);
            while (x.find()) {
                JsonNode node = ToolJson.parseRepaired(x.group(1));
                if (node instanceof ObjectNode object) {
                    Candidate c = interpret(object, null, new ParseResult.Span(x.start(), x.end()), rejected);
                    if (c != null) {
                        out.add(c);
                    }
                } else {
                    count(rejected, ParseResult.Rejection.INVALID_JSON);
                }
            }
        }
        return out;
    }

    private Candidate bareJson(String trimmed, String forced, ParseResult.Span span,
                               Map<ParseResult.Rejection, Integer> rejected) {
        String body = trimmed;
        Matcher fence = OUTER_FENCE.matcher(trimmed);
        if (fence.matches()) {
            body = fence.group(2);
        } else if (!trimmed.startsWith("{")) {
            return null;
        }
        JsonNode node = ToolJson.parseRepaired(body);
        if (!(node instanceof ObjectNode object)) {
            count(rejected, ParseResult.Rejection.INVALID_JSON);
            return null;
        }
        return interpret(object, forced, span, rejected);
    }

    private Candidate toolCode(String source, ParseResult.Span span, Map<ParseResult.Rejection, Integer> rejected) {
        ToolCodeCall call = ToolCodeCall.parse(source);
        if (call == null) {
            count(rejected, ParseResult.Rejection.INVALID_JSON);
            return null;
        }
        ObjectNode args = ToolJson.object();
        call.keywords().forEach(args::set);
        if (!call.positional().isEmpty()) {
            if (call.positional().size() != 1 || !call.keywords().isEmpty()) {
                count(rejected, ParseResult.Rejection.INVALID_JSON);
                return null;
            }
            // resolved later; the placeholder key is replaced once the tool's schema is known
            args.set(POSITIONAL, call.positional().get(0));
        }
        return new Candidate(call.name(), args, span);
    }

    /** Key that marks a lone positional {@code tool_code} argument until the schema names it. */
    private static final String POSITIONAL = "\u0000positional";

    // ---- A.4: object fields ----

    private Candidate interpret(ObjectNode object, String forced, ParseResult.Span span,
                                Map<ParseResult.Rejection, Integer> rejected) {
        String name = text(object.get("tool"));
        if (name == null) {
            name = text(object.get("name"));
        }
        JsonNode function = object.get("function");
        if (name == null && function != null && function.isObject()) {
            name = text(function.get("name"));
        }
        JsonNode[] sources = {object.get("parameters"), object.get("arguments"), object.get("input"),
                function != null && function.isObject() ? function.get("arguments") : null};
        ObjectNode args = null;
        for (JsonNode s : sources) {
            if (s != null && s.isObject()) {
                args = ((ObjectNode) s).deepCopy();
                break;
            }
        }
        if (args == null) {
            boolean sawString = false;
            for (JsonNode s : sources) {
                if (s != null && s.isTextual()) {
                    sawString = true;
                    JsonNode decoded = s.textValue().isBlank() ? ToolJson.object() : ToolJson.parse(s.textValue());
                    if (decoded instanceof ObjectNode o) {
                        args = o;
                        break;
                    }
                }
            }
            if (args == null && sawString) {
                count(rejected, ParseResult.Rejection.INVALID_JSON);
                return null;
            }
        }
        if (args == null) {
            args = ToolJson.object();
            for (Map.Entry<String, JsonNode> e : ToolJson.fields(object)) {
                if (!NON_ARGUMENT_KEYS.contains(e.getKey())) {
                    args.set(e.getKey(), e.getValue());
                }
            }
        }
        if (name == null) {
            if (forced == null) {
                count(rejected, ParseResult.Rejection.MISSING_NAME);
                return null;
            }
            name = forced;
        }
        return new Candidate(name, args, span);
    }

    private static String text(JsonNode node) {
        return node != null && node.isTextual() && !node.textValue().isBlank() ? node.textValue().trim() : null;
    }

    // ---- validation ----

    private List<Valid> validate(List<Candidate> candidates, List<ToolDefinition> tools,
                                 Map<ParseResult.Rejection, Integer> rejected) {
        List<Valid> out = new ArrayList<>();
        for (Candidate c : candidates) {
            ToolDefinition tool = ToolNames.resolve(c.name(), tools);
            if (tool == null) {
                count(rejected, ParseResult.Rejection.UNKNOWN_TOOL);
                continue;
            }
            ObjectNode args = c.arguments();
            if (args.has(POSITIONAL)) {
                JsonNode properties = ToolSchemaFilter.properties(tool);
                if (properties == null || properties.size() != 1) {
                    count(rejected, ParseResult.Rejection.INVALID_JSON);
                    continue;
                }
                JsonNode value = args.remove(POSITIONAL);
                args.set(properties.fieldNames().next(), value);
            }
            ObjectNode filtered = schema.filter(tool, args, rejected);
            if (filtered != null) {
                out.add(new Valid(tool, filtered, c.span()));
            }
        }
        return out;
    }

    // ---- dedup, limits, cleaned text ----

    private ParseResult assemble(String reply, List<Valid> valid, boolean parallelToolCalls, ToolIdSource ids,
                                 Map<ParseResult.Rejection, Integer> rejected) {
        if (valid.isEmpty()) {
            return new ParseResult(reply, reply, List.of(), List.of(), rejected);
        }
        List<ToolCall> calls = new ArrayList<>();
        List<ParseResult.Span> spans = new ArrayList<>();
        CallGate gate = new CallGate(settings.maxCalls(), parallelToolCalls, rejected);
        for (Valid v : valid) {
            spans.add(v.span());
            if (gate.admit(v.tool().name(), ToolJson.canonical(v.arguments()), calls.size())) {
                calls.add(new ToolCall(ids.next(null), v.tool().name(), ToolJson.write(v.arguments())));
            }
        }
        List<ParseResult.Span> sorted = ParseResult.sorted(spans);
        ParseResult cut = new ParseResult(reply, "", calls, sorted, rejected);
        return new ParseResult(reply, cut.cutSpans().strip(), calls, sorted, rejected);
    }

    /** Adds one to a rejection counter. */
    static void count(Map<ParseResult.Rejection, Integer> rejected, ParseResult.Rejection reason) {
        rejected.merge(reason, 1, Integer::sum);
    }
}
