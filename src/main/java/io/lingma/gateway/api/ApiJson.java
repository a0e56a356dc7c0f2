package io.lingma.gateway.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.error.GatewayException;

import java.io.IOException;

/**
 * JSON reading and writing for the client APIs (client-api.md §2.4): lenient tree parsing with exact numbers
 * ({@code BigDecimal}, trailing zeros kept, so tool arguments survive byte-for-byte where possible), object key
 * order kept, non-ASCII written as is. Thread-safe.
 */
public final class ApiJson {

    private final ObjectMapper mapper;
    private final ObjectReader reader;
    private final ObjectWriter writer;

    /**
     * @param mapper the shared mapper; it is not modified (a copy with exact-number and size settings is used for
     *               reading)
     */
    public ApiJson(ObjectMapper mapper) {
        this.mapper = mapper;
        ObjectMapper readMapper = mapper.copy();
        // bodies may be up to 32 MiB (§2.4) and carry one large base64 image; Jackson's default string cap is 20 MB
        readMapper.getFactory().setStreamReadConstraints(StreamReadConstraints.builder()
                .maxStringLength(Integer.MAX_VALUE).build());
        this.reader = readMapper.reader()
                .with(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
                .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
                .without(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES);
        this.writer = mapper.writer();
    }

    /** @return the shared mapper (for creating nodes) */
    public ObjectMapper mapper() {
        return mapper;
    }

    /**
     * Parses a request body that must be a JSON object.
     *
     * @param body the raw body
     * @return the object
     * @throws GatewayException 400 {@code invalid JSON body: <parser message>} on a decode failure, 400
     *                          {@code request body must be a JSON object} for any other top-level value
     */
    public ObjectNode parseObject(byte[] body) {
        JsonNode node;
        try {
            node = body == null || body.length == 0 ? null : reader.readTree(body);
        } catch (JsonProcessingException e) {
            throw GatewayException.badRequest("invalid JSON body: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw GatewayException.badRequest("invalid JSON body: " + e.getMessage());
        }
        if (node == null || node.isMissingNode()) {
            throw GatewayException.badRequest("invalid JSON body: empty body");
        }
        if (!(node instanceof ObjectNode object)) {
            throw GatewayException.badRequest("request body must be a JSON object");
        }
        return object;
    }

    /**
     * Parses a JSON text (e.g. tool arguments) with exact numbers.
     *
     * @param text JSON text
     * @return the tree, or null when the text is not valid JSON
     */
    public JsonNode tryParse(String text) {
        if (text == null || text.isBlank()) {
            return null;
        }
        try {
            JsonNode node = reader.readTree(text);
            return node == null || node.isMissingNode() ? null : node;
        } catch (IOException e) {
            return null;
        }
    }

    /**
     * @param node any tree
     * @return compact JSON text (key order kept, non-ASCII not escaped)
     */
    public String write(JsonNode node) {
        try {
            return writer.writeValueAsString(node);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise JSON", e);
        }
    }

    /**
     * Normalises tool-call arguments to the internal form of {@code ToolCall.arguments} (client-api.md §9.3,
     * §10.6): an object is written compactly with its key order and number text kept; a string holding valid JSON
     * is decoded the same way; a string holding invalid JSON is kept raw; null, missing or blank become {@code {}}.
     *
     * @param arguments the {@code arguments} / {@code input} value from the request
     * @return the JSON text
     */
    public String arguments(JsonNode arguments) {
        if (arguments == null || arguments.isNull() || arguments.isMissingNode()) {
            return "{}";
        }
        if (arguments.isTextual()) {
            String raw = arguments.textValue();
            if (raw.isBlank()) {
                return "{}";
            }
            JsonNode parsed = tryParse(raw);
            return parsed != null && parsed.isObject() ? write(parsed) : raw;
        }
        return write(arguments);
    }

    /**
     * The object form of tool arguments for APIs whose wire shape is an object (Anthropic {@code input}): valid
     * JSON objects are parsed; anything else becomes {@code {"raw_arguments":"<text>"}} (lingma-remote.md §7.4).
     *
     * @param arguments the internal arguments text
     * @return an object node
     */
    public ObjectNode argumentsObject(String arguments) {
        JsonNode parsed = tryParse(arguments);
        if (parsed instanceof ObjectNode object) {
            return object;
        }
        ObjectNode wrapped = mapper.createObjectNode();
        if (arguments != null && !arguments.isBlank()) {
            wrapped.put("raw_arguments", arguments);
        }
        return wrapped;
    }
}
