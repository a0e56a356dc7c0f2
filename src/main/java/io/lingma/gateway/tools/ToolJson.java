package io.lingma.gateway.tools;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * JSON for tool arguments (client-api.md §10.5 A.3, §10.6): exact numbers (their spelling survives a round trip),
 * key order kept, compact output with non-ASCII unescaped, and the two repairs the spec allows. Thread-safe.
 */
final class ToolJson {

    static final ObjectMapper MAPPER = JsonMapper.builder()
            .nodeFactory(JsonNodeFactory.withExactBigDecimals(true))
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();
    private static final ObjectReader READER = MAPPER.reader();

    private ToolJson() {
    }

    /**
     * Strict decode of one JSON value with trailing content rejected.
     *
     * @param text JSON text
     * @return the tree, or null when {@code text} is not exactly one JSON value
     */
    static JsonNode parse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            JsonNode node = READER.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * Decodes with the repairs of client-api.md §10.5 A.3: trim; on failure, curly double quotes become
     * {@code "} and commas right before {@code }} / {@code ]} (outside strings) are dropped, then decode again.
     *
     * @param text candidate JSON
     * @return the tree, or null when it does not decode even after repair
     */
    static JsonNode parseRepaired(String text) {
        if (text == null) {
            return null;
        }
        String trimmed = text.strip();
        JsonNode node = parse(trimmed);
        if (node != null) {
            return node;
        }
        String repaired = dropTrailingCommas(trimmed.replace('\u201C', '"').replace('\u201D', '"'));
        return parse(repaired);
    }

    /** @return compact JSON, key order kept, non-ASCII as is */
    static String write(JsonNode node) {
        try {
            return MAPPER.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise tool arguments", e);
        }
    }

    /** @return compact JSON with object keys sorted recursively, for dedup (client-api.md §10.5 validation 3) */
    static String canonical(JsonNode node) {
        return write(sorted(node));
    }

    /** @return a new empty object node */
    static ObjectNode object() {
        return MAPPER.createObjectNode();
    }

    private static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            List<String> keys = new ArrayList<>();
            node.fieldNames().forEachRemaining(keys::add);
            keys.sort(null);
            ObjectNode out = MAPPER.createObjectNode();
            for (String k : keys) {
                out.set(k, sorted(node.get(k)));
            }
            return out;
        }
        if (node.isArray()) {
            var out = MAPPER.createArrayNode();
            node.forEach(child -> out.add(sorted(child)));
            return out;
        }
        return node;
    }

    /** Removes a comma followed only by whitespace and then {@code }} or {@code ]}, ignoring string contents. */
    static String dropTrailingCommas(String s) {
        StringBuilder out = new StringBuilder(s.length());
        JsonStringTracker strings = new JsonStringTracker(false);
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (!strings.consume(c) && c == ',') {
                int j = i + 1;
                while (j < s.length() && Character.isWhitespace(s.charAt(j))) {
                    j++;
                }
                if (j < s.length() && (s.charAt(j) == '}' || s.charAt(j) == ']')) {
                    continue;
                }
            }
            out.append(c);
        }
        return out.toString();
    }

    /** @return the object's fields in order (a snapshot, safe to modify the node while iterating it) */
    static List<Map.Entry<String, JsonNode>> fields(JsonNode object) {
        List<Map.Entry<String, JsonNode>> out = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = object.fields(); it.hasNext(); ) {
            out.add(it.next());
        }
        return out;
    }
}
