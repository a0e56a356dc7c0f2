package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One Python-style call expression such as {@code get_weather(q="x", n=2)} (client-api.md §10.5 B
 * {@code tool-code}): a plain function name and literal arguments only — strings, numbers,
 * {@code True}/{@code False}/{@code None}, lists, dicts, tuples and sets. Anything else (names, calls, operators,
 * {@code *args}, {@code **kwargs}) makes the whole expression invalid.
 *
 * @param name       the function name
 * @param positional positional arguments in order
 * @param keywords   keyword arguments in order
 */
record ToolCodeCall(String name, List<JsonNode> positional, Map<String, JsonNode> keywords) {

    private static final JsonNodeFactory NODES = ToolJson.MAPPER.getNodeFactory();

    /**
     * @param source the expression (may span lines)
     * @return the call, or null when {@code source} is not exactly one literal-only call expression
     */
    static ToolCodeCall parse(String source) {
        try {
            Reader r = new Reader(source);
            ToolCodeCall call = r.call();
            r.skipSpace();
            return r.atEnd() ? call : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static final class Reader {
        private final String s;
        private int pos;

        Reader(String s) {
            this.s = s;
        }

        ToolCodeCall call() {
            skipSpace();
            String name = identifier();
            skipSpace();
            expect('(');
            List<JsonNode> positional = new ArrayList<>();
            Map<String, JsonNode> keywords = new LinkedHashMap<>();
            while (true) {
                skipSpace();
                if (peek() == ')') {
                    pos++;
                    break;
                }
                if (peek() == '*') {
                    throw new IllegalArgumentException("star arguments are not literals");
                }
                int save = pos;
                String keyword = isIdentifierStart(peek()) ? identifier() : null;
                skipSpace();
                if (keyword != null && peek() == '=' && peekAt(pos + 1) != '=') {
                    pos++;
                    keywords.put(keyword, literal());
                } else {
                    pos = save;
                    if (!keywords.isEmpty()) {
                        throw new IllegalArgumentException("positional after keyword");
                    }
                    positional.add(literal());
                }
                skipSpace();
                char c = next();
                if (c == ')') {
                    break;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected , or )");
                }
            }
            return new ToolCodeCall(name, positional, keywords);
        }

        JsonNode literal() {
            skipSpace();
            char c = peek();
            if (c == '"' || c == '\'' || ((c == 'r' || c == 'R' || c == 'u' || c == 'U')
                    && (peekAt(pos + 1) == '"' || peekAt(pos + 1) == '\''))) {
                return NODES.textNode(string());
            }
            if (c == '-' || c == '+' || c == '.' || Character.isDigit(c)) {
                return number();
            }
            if (c == '[') {
                pos++;
                return sequence(']');
            }
            if (c == '(') {
                pos++;
                return sequence(')');
            }
            if (c == '{') {
                pos++;
                return braces();
            }
            if (isIdentifierStart(c)) {
                String word = identifier();
                return switch (word) {
                    case "True" -> NODES.booleanNode(true);
                    case "False" -> NODES.booleanNode(false);
                    case "None" -> NODES.nullNode();
                    default -> throw new IllegalArgumentException("not a literal: " + word);
                };
            }
            throw new IllegalArgumentException("not a literal");
        }

        private ArrayNode sequence(char close) {
            ArrayNode out = NODES.arrayNode();
            while (true) {
                skipSpace();
                if (peek() == close) {
                    pos++;
                    return out;
                }
                out.add(literal());
                skipSpace();
                char c = next();
                if (c == close) {
                    return out;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ,");
                }
            }
        }

        private JsonNode braces() {
            skipSpace();
            if (peek() == '}') {
                pos++;
                return NODES.objectNode();
            }
            JsonNode first = literal();
            skipSpace();
            if (peek() != ':') {
                // a set literal
                ArrayNode set = NODES.arrayNode();
                set.add(first);
                char c = next();
                if (c == '}') {
                    return set;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ,");
                }
                ArrayNode rest = sequence('}');
                set.addAll(rest);
                return set;
            }
            ObjectNode dict = NODES.objectNode();
            JsonNode key = first;
            while (true) {
                skipSpace();
                expect(':');
                dict.set(key(key), literal());
                skipSpace();
                char c = next();
                if (c == '}') {
                    return dict;
                }
                if (c != ',') {
                    throw new IllegalArgumentException("expected ,");
                }
                skipSpace();
                if (peek() == '}') {
                    pos++;
                    return dict;
                }
                key = literal();
                skipSpace();
            }
        }

        private static String key(JsonNode key) {
            if (key.isTextual()) {
                return key.textValue();
            }
            if (key.isValueNode() && !key.isNull()) {
                return key.asText();
            }
            throw new IllegalArgumentException("unsupported dict key");
        }

        private String string() {
            boolean raw = false;
            char c = peek();
            if (c != '"' && c != '\'') {
                raw = c == 'r' || c == 'R';
                pos++;
            }
            char quote = next();
            boolean triple = s.startsWith(String.valueOf(quote).repeat(2), pos);
            if (triple) {
                pos += 2;
            }
            StringBuilder out = new StringBuilder();
            while (true) {
                if (atEnd()) {
                    throw new IllegalArgumentException("unterminated string");
                }
                char ch = s.charAt(pos);
                if (ch == quote && (!triple || s.startsWith(String.valueOf(quote).repeat(3), pos))) {
                    pos += triple ? 3 : 1;
                    return out.toString();
                }
                if (!triple && ch == '\n') {
                    throw new IllegalArgumentException("newline in string");
                }
                pos++;
                if (ch != '\\') {
                    out.append(ch);
                    continue;
                }
                if (atEnd()) {
                    throw new IllegalArgumentException("dangling escape");
                }
                char e = s.charAt(pos++);
                if (raw) {
                    out.append('\\').append(e);
                    continue;
                }
                switch (e) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case '0' -> out.append('\0');
                    case '\\', '\'', '"' -> out.append(e);
                    case '\n' -> { }
                    case 'x' -> out.append((char) Integer.parseInt(take(2), 16));
                    case 'u' -> out.append((char) Integer.parseInt(take(4), 16));
                    case 'U' -> out.appendCodePoint(Integer.parseInt(take(8), 16));
                    default -> out.append('\\').append(e);
                }
            }
        }

        private JsonNode number() {
            int start = pos;
            if (peek() == '-' || peek() == '+') {
                pos++;
            }
            boolean fraction = false;
            while (!atEnd()) {
                char c = s.charAt(pos);
                if (Character.isDigit(c) || c == '_') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E') {
                    fraction = true;
                    pos++;
                    if ((c == 'e' || c == 'E') && !atEnd() && (peek() == '-' || peek() == '+')) {
                        pos++;
                    }
                } else {
                    break;
                }
            }
            String text = s.substring(start, pos).replace("_", "");
            if (text.startsWith("+")) {
                text = text.substring(1);
            }
            try {
                if (!fraction) {
                    BigInteger value = new BigInteger(text);
                    return value.bitLength() < 64 ? NODES.numberNode(value.longValue()) : NODES.numberNode(value);
                }
                return NODES.numberNode(new BigDecimal(text));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("bad number " + text);
            }
        }

        private String take(int n) {
            if (pos + n > s.length()) {
                throw new IllegalArgumentException("short escape");
            }
            String out = s.substring(pos, pos + n);
            pos += n;
            return out;
        }

        private String identifier() {
            if (!isIdentifierStart(peek())) {
                throw new IllegalArgumentException("expected a name");
            }
            int start = pos;
            while (!atEnd() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '_')) {
                pos++;
            }
            return s.substring(start, pos);
        }

        private static boolean isIdentifierStart(char c) {
            return Character.isLetter(c) || c == '_';
        }

        void skipSpace() {
            while (!atEnd()) {
                char c = s.charAt(pos);
                if (c == '#') {
                    while (!atEnd() && s.charAt(pos) != '\n') {
                        pos++;
                    }
                } else if (Character.isWhitespace(c) || (c == '\\' && peekAt(pos + 1) == '\n')) {
                    pos++;
                } else {
                    return;
                }
            }
        }

        private void expect(char c) {
            if (next() != c) {
                throw new IllegalArgumentException("expected " + c);
            }
        }

        private char next() {
            if (atEnd()) {
                throw new IllegalArgumentException("unexpected end");
            }
            return s.charAt(pos++);
        }

        private char peek() {
            return peekAt(pos);
        }

        private char peekAt(int i) {
            return i < s.length() ? s.charAt(i) : '\0';
        }

        boolean atEnd() {
            return pos >= s.length();
        }
    }
}
