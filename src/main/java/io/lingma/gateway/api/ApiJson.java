package io.lingma.gateway.api;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.core.io.JsonEOFException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.ObjectWriter;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.error.GatewayException;

import java.io.IOException;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * JSON reading and writing for the client APIs (client-api.md §2.4): lenient tree parsing with exact numbers
 * ({@code BigDecimal}, trailing zeros kept, so tool arguments survive byte-for-byte where possible), object key
 * order kept, non-ASCII written as is. Thread-safe.
 */
public final class ApiJson {

    /** Jackson's location text, e.g. {@code [Source: REDACTED (…); line: 1, column: 9]}. */
    private static final Pattern JACKSON_LOCATION = Pattern.compile("\\[Source: .*?; line: (\\d+), column: (\\d+)]");
    /** Jackson's hints about its settings: {@code : enable `JsonReadFeature.X` to allow}, {@code (… Feature …)}. */
    private static final Pattern JACKSON_HINT = Pattern.compile("[:;] enable `.*$| \\([^()]*Feature[^()]*\\)");
    /** What must never reach a client: Java class, package, enum or setting names. */
    private static final Pattern JAVA_NAMES = Pattern.compile(
            "`|\\[Source|Feature|Exception|[a-z]+\\.[a-z]+\\.[A-Z]|\\b[A-Z]+_[A-Z_]+\\b");

    private final ObjectMapper mapper;
    private final StreamReadConstraints limits;
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
        this.limits = StreamReadConstraints.builder().maxStringLength(Integer.MAX_VALUE).build();
        readMapper.getFactory().setStreamReadConstraints(limits);
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
     * @throws GatewayException 400 {@code invalid JSON body: <what is wrong> at line <n> column <n>} on a decode
     *                          failure (in JSON terms, never a parser class or setting name), 400
     *                          {@code invalid JSON body: empty body} for no body or only white space, 400
     *                          {@code request body must be a JSON object} for any other top-level value
     */
    public ObjectNode parseObject(byte[] body) {
        return body == null ? parseObject(null, 0, 0) : parseObject(body, 0, body.length);
    }

    /**
     * As {@link #parseObject(byte[])} for the body held in {@code data[offset, offset + length)}, read in place (a
     * request buffer is parsed without copying it).
     *
     * @param data   the array holding the body, may be null when {@code length} is 0
     * @param offset where the body starts
     * @param length the body's length in bytes
     * @return the object
     * @throws GatewayException as {@link #parseObject(byte[])}
     */
    public ObjectNode parseObject(byte[] data, int offset, int length) {
        JsonNode node = null;
        if (data != null && length > 0) {
            try (JsonParser parser = reader.createParser(data, offset, length)) {
                try {
                    node = reader.readTree(parser);
                } catch (IOException | NumberFormatException e) {
                    throw GatewayException.badRequest("invalid JSON body: " + describe(e, parser));
                }
            } catch (IOException e) {
                throw GatewayException.badRequest("invalid JSON body: unreadable body");
            }
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
     * @param e      what the parser raised
     * @param parser the parser, for the location of errors that carry none
     * @return the problem in the client's terms: what is wrong, then {@code at line <n> column <n>}
     */
    private String describe(Exception e, JsonParser parser) {
        JsonLocation where = e instanceof JsonProcessingException j && j.getLocation() != null ? j.getLocation()
                : parser.currentLocation();
        String what;
        if (e instanceof StreamConstraintsException limit) {
            what = limitExceeded(limit.getOriginalMessage());
        } else if (e instanceof JsonEOFException eof) {
            what = eof.getTokenBeingDecoded() == JsonToken.VALUE_STRING ? "unterminated string"
                    : "unexpected end of input";
        } else if (e instanceof MismatchedInputException) {
            // the only mismatch a tree read reports: a second value after the first (FAIL_ON_TRAILING_TOKENS)
            what = "unexpected content after the JSON object";
        } else if (e instanceof NumberFormatException) {
            what = "number out of range";
        } else if (e instanceof JsonProcessingException j && j.getOriginalMessage() != null) {
            what = clientTerms(j.getOriginalMessage());
        } else {
            what = "malformed JSON";
        }
        return where == null || where.getLineNr() < 1 ? what
                : what + " at line " + where.getLineNr() + " column " + where.getColumnNr();
    }

    private String limitExceeded(String message) {
        String m = message == null ? "" : message;
        if (m.startsWith("Document nesting depth")) {
            return "nesting deeper than " + limits.getMaxNestingDepth();
        }
        if (m.startsWith("Number value length")) {
            return "number longer than " + limits.getMaxNumberLength() + " characters";
        }
        if (m.startsWith("Name length")) {
            return "field name longer than " + limits.getMaxNameLength() + " characters";
        }
        return "document exceeds the parser's limits";
    }

    /** Jackson's parse message without its location text, setting hints or Java names, starting lower case. */
    private static String clientTerms(String message) {
        String m = JACKSON_LOCATION.matcher(message).replaceAll("line $1 column $2");
        m = JACKSON_HINT.matcher(m).replaceAll("").trim();
        if (m.startsWith("Non-standard token")) {
            m += " (JSON numbers are finite: no NaN or Infinity)";
        }
        if (m.isEmpty() || JAVA_NAMES.matcher(m).find()) {
            return "malformed JSON";
        }
        return m.substring(0, 1).toLowerCase(Locale.ROOT) + m.substring(1);
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
        } catch (IOException | NumberFormatException e) {
            // a number BigDecimal cannot hold (1e999999999999) is invalid JSON text here too
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
