package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Typed readers for request fields (client-api.md §2.4): unknown fields are ignored, JSON {@code null} is an
 * absent field, and a field the gateway reads but whose value has the wrong type or range is a 400
 * {@code invalid_request_error} naming the field the way the client's official API does:
 * <ul>
 *   <li>OpenAI ({@link Style#OPENAI}): {@code param} = {@code messages[0].content[1].image_url.url}, message
 *       {@code Invalid type for 'max_tokens': expected an integer, but got a string instead.} or
 *       {@code Missing required parameter: 'messages[0].role'.};</li>
 *   <li>Anthropic ({@link Style#ANTHROPIC}): the dotted path first in the message,
 *       {@code max_tokens: Input should be a valid integer}, {@code messages.0.role: Field required}.</li>
 * </ul>
 * The normalisers start at {@link #root} and walk down with {@link Field#get} / {@link Field#items}, so every
 * error carries its full path. Fields the spec accepts and ignores ({@code top_p}, {@code seed}, {@code store}, …)
 * are never read, so never checked.
 */
public final class Fields {

    /** How a client API spells field paths and describes errors. */
    public enum Style {
        /** OpenAI Chat Completions and Responses. */
        OPENAI,
        /** Anthropic Messages. */
        ANTHROPIC
    }

    /** The JSON types a field may be required to have, with the words each API uses for them. */
    public enum Type {
        /** A JSON string. */
        STRING("a string", "string"),
        /** A JSON number without a fractional part (e.g. {@code 100} or {@code 100.0}). */
        INTEGER("an integer", "integer"),
        /** Any JSON number. */
        NUMBER("a number", "number"),
        /** {@code true} or {@code false}. */
        BOOLEAN("a boolean", "boolean"),
        /** A JSON object. */
        OBJECT("an object", "dictionary"),
        /** A JSON array. */
        ARRAY("an array", "list");

        private final String openAi;
        private final String anthropic;

        Type(String openAi, String anthropic) {
            this.openAi = openAi;
            this.anthropic = anthropic;
        }

        boolean matches(JsonNode node) {
            return switch (this) {
                case STRING -> node.isTextual();
                case INTEGER -> node.isIntegralNumber() || node.isNumber() && node.canConvertToExactIntegral();
                case NUMBER -> node.isNumber();
                case BOOLEAN -> node.isBoolean();
                case OBJECT -> node.isObject();
                case ARRAY -> node.isArray();
            };
        }
    }

    private Fields() {
    }

    /**
     * @param body  the request object
     * @param style the client API's error style
     * @return the field at the top of the body (empty path)
     */
    public static Field root(JsonNode body, Style style) {
        return new Field(body, style, "");
    }

    /**
     * One value of the request and where it is. Absent and JSON {@code null} values read as absent. Immutable.
     */
    public static final class Field {

        private final JsonNode node;
        private final Style style;
        private final String path;

        private Field(JsonNode node, Style style, String path) {
            this.node = node == null ? MissingNode.getInstance() : node;
            this.style = style;
            this.path = path;
        }

        /** @return the value ({@link MissingNode} when absent, never null) */
        public JsonNode node() {
            return node;
        }

        /** @return the path as the client API spells it ({@code messages[0].role} / {@code messages.0.role}) */
        public String path() {
            return path;
        }

        /** @return the error style */
        public Style style() {
            return style;
        }

        /**
         * @param name a member name
         * @return the member (absent unless this is an object that has it)
         */
        public Field get(String name) {
            return new Field(node.isObject() ? node.get(name) : null, style, path.isEmpty() ? name : path + "." + name);
        }

        /** @return the elements of an array with their paths (empty for anything else) */
        public List<Field> items() {
            List<Field> out = new ArrayList<>();
            if (node.isArray()) {
                for (int i = 0; i < node.size(); i++) {
                    out.add(new Field(node.get(i), style,
                            style == Style.OPENAI ? path + "[" + i + "]" : path + "." + i));
                }
            }
            return out;
        }

        /** @return true for a missing member and for JSON {@code null} */
        public boolean isAbsent() {
            return node.isMissingNode() || node.isNull();
        }

        /**
         * @param type a JSON type
         * @return true when the value is present and of that type
         */
        public boolean is(Type type) {
            return !isAbsent() && type.matches(node);
        }

        /**
         * @param types the accepted types
         * @return this field
         * @throws GatewayException 400 when the value is present and of none of the types
         */
        public Field expect(Type... types) {
            if (isAbsent()) {
                return this;
            }
            for (Type t : types) {
                if (t.matches(node)) {
                    return this;
                }
            }
            throw wrongType(types);
        }

        /**
         * @param types the accepted types
         * @return this field
         * @throws GatewayException 400 when the value is missing, {@code null} or of none of the types
         */
        public Field require(Type... types) {
            if (node.isMissingNode()) {
                throw missing();
            }
            if (node.isNull()) {
                throw wrongType(types);
            }
            return expect(types);
        }

        /**
         * @return the string, or null when absent
         * @throws GatewayException 400 when present and not a string
         */
        public String string() {
            return expect(Type.STRING).isAbsent() ? null : node.textValue();
        }

        /**
         * @param absent the value of an absent field
         * @return the string, or {@code absent}
         * @throws GatewayException 400 when present and not a string
         */
        public String string(String absent) {
            String value = string();
            return value == null ? absent : value;
        }

        /**
         * For names and other fields that must say something.
         *
         * @return the string, trimmed
         * @throws GatewayException 400 when missing, {@code null}, not a string, or blank
         */
        public String requiredText() {
            String value = require(Type.STRING).node.textValue().trim();
            if (value.isEmpty()) {
                throw invalid("empty string. Expected a string with minimum length 1, but got an empty string "
                        + "instead.", "String should have at least 1 character");
            }
            return value;
        }

        /**
         * @param absent the value of an absent field
         * @return the boolean, or {@code absent}
         * @throws GatewayException 400 when present and not a boolean
         */
        public boolean flag(boolean absent) {
            return expect(Type.BOOLEAN).isAbsent() ? absent : node.booleanValue();
        }

        /**
         * @return the number, or null when absent
         * @throws GatewayException 400 when present and not a number
         */
        public Double number() {
            return expect(Type.NUMBER).isAbsent() ? null : node.doubleValue();
        }

        /**
         * @param min the smallest accepted value
         * @return the integer, or null when absent
         * @throws GatewayException 400 when present and not an integral number, below {@code min} or above
         *                          {@link Integer#MAX_VALUE}
         */
        public Integer integer(int min) {
            if (expect(Type.INTEGER).isAbsent()) {
                return null;
            }
            // compared as BigDecimal: converting 1e999999999 to an integer would never finish
            BigDecimal value = node.decimalValue();
            if (value.compareTo(BigDecimal.valueOf(min)) < 0) {
                throw invalid("integer below minimum value. Expected a value >= " + min + ", but got "
                        + shortText(value) + " instead.", "Input should be greater than or equal to " + min);
            }
            if (value.compareTo(BigDecimal.valueOf(Integer.MAX_VALUE)) > 0) {
                throw invalid("integer above maximum value. Expected a value <= " + Integer.MAX_VALUE
                                + ", but got " + shortText(value) + " instead.",
                        "Input should be less than or equal to " + Integer.MAX_VALUE);
            }
            return value.intValue();
        }

        /**
         * Stop sequences: a string or an array of strings; empty strings dropped.
         *
         * @return the sequences in order (empty when absent)
         * @throws GatewayException 400 for any other value or a non-string element
         */
        public List<String> strings() {
            List<String> out = new ArrayList<>();
            if (expect(Type.STRING, Type.ARRAY).is(Type.STRING)) {
                if (!node.textValue().isEmpty()) {
                    out.add(node.textValue());
                }
            } else {
                for (Field item : items()) {
                    String s = item.require(Type.STRING).node.textValue();
                    if (!s.isEmpty()) {
                        out.add(s);
                    }
                }
            }
            return out;
        }

        /** @return 400 {@code Missing required parameter: 'p'.} / {@code p: Field required} */
        public GatewayException missing() {
            return error(style == Style.OPENAI ? "Missing required parameter: '" + path + "'."
                    : path + ": Field required");
        }

        /**
         * @param expected the accepted types
         * @return 400 {@code Invalid type for 'p': expected a string, but got an integer instead.} /
         * {@code p: Input should be a valid string}
         */
        public GatewayException wrongType(Type... expected) {
            StringBuilder words = new StringBuilder();
            for (int i = 0; i < expected.length; i++) {
                words.append(i == 0 ? "" : i == expected.length - 1 ? " or " : ", ")
                        .append(style == Style.OPENAI ? expected[i].openAi : expected[i].anthropic);
            }
            return error(style == Style.OPENAI
                    ? "Invalid type for '" + path + "': expected " + words + ", but got " + describe(node)
                    + " instead." : path + ": Input should be a valid " + words);
        }

        /**
         * @param openAiReason    what is wrong, in OpenAI's words (after {@code Invalid 'p': })
         * @param anthropicReason what is wrong, in Anthropic's words (after {@code p: })
         * @return 400 for a value of the right type that is not acceptable
         */
        public GatewayException invalid(String openAiReason, String anthropicReason) {
            return error(style == Style.OPENAI ? "Invalid '" + path + "': " + openAiReason
                    : path + ": " + anthropicReason);
        }

        /**
         * @param message a complete client-facing message (e.g. {@code could not load image: invalid data URL})
         * @return 400 with that message as it is on OpenAI routes (the field in {@code param}) and prefixed with the
         * path on Anthropic routes, which have no {@code param}
         */
        public GatewayException failure(String message) {
            return error(style == Style.OPENAI ? message : path + ": " + message);
        }

        private GatewayException error(String message) {
            return new GatewayException(ErrorKind.INVALID_REQUEST, message, path.isEmpty() ? null : path, null, null);
        }

        private static String describe(JsonNode value) {
            if (value.isTextual()) {
                return "a string";
            }
            if (value.isIntegralNumber()) {
                return "an integer";
            }
            if (value.isNumber()) {
                return "a decimal number";
            }
            return value.isBoolean() ? "a boolean" : value.isObject() ? "an object" : value.isArray() ? "an array"
                    : value.getNodeType().name().toLowerCase(Locale.ROOT);
        }

        // 1e308 would print 309 digits: keep the message readable
        private static String shortText(BigDecimal value) {
            String plain = value.precision() - value.scale() <= 20 ? value.toPlainString() : value.toString();
            return plain.length() <= 24 ? plain : value.round(new MathContext(3)).toString();
        }
    }
}
