package io.lingma.gateway.admin;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;

import java.util.Iterator;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The redaction of the debug ring (client-api.md §14 "Debug ring"): applied to every recorded body and SSE frame.
 * JSON is walked with Jackson: credential-named keys become {@code [REDACTED]}, image payloads (a {@code data:image/}
 * string, or a long base64-only one) become {@code [image payload redacted, <len> chars]}, tool arguments are cut at
 * {@value #MAX_TOOL_ARGUMENT_CHARS} characters and any string at {@value #MAX_STRING_CHARS}; text that is not JSON
 * gets the same treatment by pattern. A whole body is capped at {@value #MAX_BODY_CHARS} characters.
 */
public final class Redaction {

    /** Longest string value kept. */
    public static final int MAX_STRING_CHARS = 4096;
    /** Longest tool-call argument text kept. */
    public static final int MAX_TOOL_ARGUMENT_CHARS = 1024;
    /** Longest body kept. */
    public static final int MAX_BODY_CHARS = 16000;
    /** What a credential value is replaced by. */
    public static final String REDACTED = "[REDACTED]";

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> SECRET_KEYS = Set.of("authorization", "cookie", "set_cookie", "x_api_key",
            "api_key", "apikey", "access_token", "refresh_token", "token", "password", "secret", "machine_id",
            "machineid", "user_id", "userid", "cosy_key", "cosykey", "encrypt_user_info", "cosy_machineid",
            "cosy_machinetoken", "cosy_user", "cosy_date");
    private static final Set<String> TOOL_ARGUMENT_KEYS = Set.of("arguments", "partial_json");
    private static final Pattern BASE64 = Pattern.compile("[A-Za-z0-9+/=_-]+");
    private static final Pattern DATA_URL = Pattern.compile("data:image/[^\\s\"'<>]+");
    private static final Pattern BEARER = Pattern.compile("(?i)\\bbearer\\s+[A-Za-z0-9._~+/=-]+");
    private static final Pattern PAIR = Pattern.compile("(?i)\\b(token|password|secret|api_key|cosy_key)=[^\\s&\"']+");

    private Redaction() {
    }

    /**
     * @param body a request or response body (JSON or not); null stays null
     * @return the redacted body, at most {@value #MAX_BODY_CHARS} characters (plus the truncation note)
     */
    public static String body(String body) {
        if (body == null) {
            return null;
        }
        return cap(redactText(body, true), MAX_BODY_CHARS);
    }

    /**
     * @param text JSON or plain text
     * @param json try to read it as JSON first
     * @return the redacted text, uncapped
     */
    static String redactText(String text, boolean json) {
        String trimmed = text.strip();
        if (json && (trimmed.startsWith("{") || trimmed.startsWith("["))) {
            try {
                JsonNode tree = JSON.readTree(trimmed);
                return JSON.writeValueAsString(redact(tree, null));
            } catch (JsonProcessingException e) {
                // not JSON after all: the text patterns below
            }
        }
        return plain(text);
    }

    /**
     * @param frame one rendered SSE frame ({@code event:}/{@code data:} lines)
     * @return the frame with each {@code data:} payload redacted as JSON, capped at {@value #MAX_STRING_CHARS}
     */
    public static String frame(String frame) {
        StringBuilder out = new StringBuilder();
        for (String line : frame.split("\n", -1)) {
            if (!out.isEmpty()) {
                out.append('\n');
            }
            out.append(line.startsWith("data:") ? "data: " + redactText(line.substring(5).strip(), true)
                    : plain(line));
        }
        return cap(out.toString(), MAX_STRING_CHARS);
    }

    private static JsonNode redact(JsonNode node, String key) {
        if (node instanceof ObjectNode object) {
            Iterator<Map.Entry<String, JsonNode>> fields = object.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                if (secretKey(field.getKey())) {
                    field.setValue(TextNode.valueOf(REDACTED));
                } else {
                    field.setValue(redact(field.getValue(), field.getKey()));
                }
            }
            return object;
        }
        if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                array.set(i, redact(array.get(i), key));
            }
            return array;
        }
        if (node.isTextual()) {
            String s = node.asText();
            if (image(s)) {
                return TextNode.valueOf(imageNote(s.length()));
            }
            boolean argument = key != null && TOOL_ARGUMENT_KEYS.contains(key);
            return TextNode.valueOf(cap(plain(s), argument ? MAX_TOOL_ARGUMENT_CHARS : MAX_STRING_CHARS));
        }
        return node;
    }

    private static boolean secretKey(String key) {
        String k = key.toLowerCase(Locale.ROOT).replace('-', '_');
        return SECRET_KEYS.contains(k) || k.endsWith("_token") || k.endsWith("_secret") || k.endsWith("_cookie")
                || k.endsWith("_password");
    }

    private static boolean image(String s) {
        return s.startsWith("data:image/") || s.length() > MAX_STRING_CHARS && BASE64.matcher(s).matches();
    }

    private static String imageNote(int length) {
        return "[image payload redacted, " + length + " chars]";
    }

    private static String plain(String text) {
        Matcher m = DATA_URL.matcher(text);
        StringBuilder sb = new StringBuilder();
        while (m.find()) {
            m.appendReplacement(sb, Matcher.quoteReplacement(imageNote(m.group().length())));
        }
        m.appendTail(sb);
        String out = BEARER.matcher(sb).replaceAll("Bearer " + Matcher.quoteReplacement(REDACTED));
        return PAIR.matcher(out).replaceAll("$1=" + Matcher.quoteReplacement(REDACTED));
    }

    private static String cap(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "… [TRUNCATED " + (s.length() - max) + " chars]";
    }
}
