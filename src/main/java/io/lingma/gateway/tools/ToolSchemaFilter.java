package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ToolDefinition;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Checks a call's arguments against its tool's JSON schema (client-api.md §10.5 validation 2): undeclared keys
 * dropped, required keys present and non-blank, and, when {@code gateway.tools.rekey-single-argument} is on, one
 * stray string argument moved to the one missing required string key. Stateless and thread-safe.
 */
final class ToolSchemaFilter {

    private final boolean rekeySingleArgument;

    /** @param rekeySingleArgument whether a lone stray string argument fills the lone missing required one */
    ToolSchemaFilter(boolean rekeySingleArgument) {
        this.rekeySingleArgument = rekeySingleArgument;
    }

    /**
     * Schema filter and required check (client-api.md §10.5 validation 2), with optional re-keying.
     *
     * @param tool     the resolved tool
     * @param args     the call's arguments (modified in place)
     * @param rejected counters to add a rejection to (modified)
     * @return the filtered arguments, or null when a required argument is missing (counted)
     */
    ObjectNode filter(ToolDefinition tool, ObjectNode args, Map<ParseResult.Rejection, Integer> rejected) {
        JsonNode properties = properties(tool);
        List<String> required = required(tool);
        if (properties != null) {
            if (rekeySingleArgument) {
                rekey(properties, required, args);
            }
            for (Map.Entry<String, JsonNode> e : ToolJson.fields(args)) {
                if (!properties.has(e.getKey())) {
                    args.remove(e.getKey());
                }
            }
        }
        for (String key : required) {
            JsonNode v = args.get(key);
            if (v == null || v.isNull() || (v.isTextual() && v.textValue().isBlank())) {
                ToolCallParser.count(rejected, ParseResult.Rejection.MISSING_REQUIRED);
                return null;
            }
        }
        return args;
    }

    private static void rekey(JsonNode properties, List<String> required, ObjectNode args) {
        List<String> missing = required.stream()
                .filter(k -> !args.has(k) && "string".equals(properties.path(k).path("type").asText(""))).toList();
        if (missing.size() != 1 || required.stream().filter(k -> !args.has(k)).count() != 1) {
            return;
        }
        List<String> strays = new ArrayList<>();
        args.fieldNames().forEachRemaining(k -> {
            if (!properties.has(k) && args.get(k).isTextual()) {
                strays.add(k);
            }
        });
        if (strays.size() == 1) {
            args.set(missing.get(0), args.remove(strays.get(0)));
        }
    }

    /** @return the {@code properties} object of the tool's schema, or null when it has none */
    static JsonNode properties(ToolDefinition tool) {
        JsonNode p = tool.schema() == null ? null : tool.schema().get("properties");
        return p != null && p.isObject() ? p : null;
    }

    private static List<String> required(ToolDefinition tool) {
        JsonNode r = tool.schema() == null ? null : tool.schema().get("required");
        List<String> out = new ArrayList<>();
        if (r != null && r.isArray()) {
            r.forEach(n -> {
                if (n.isTextual()) {
                    out.add(n.textValue());
                }
            });
        }
        return out;
    }
}
