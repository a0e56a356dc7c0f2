package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

/**
 * One signed HTTP request ready for the transport (lingma-remote.md §4, §6). Send {@code body} byte for byte:
 * the signature covers exactly these bytes. {@link #toString()} hides headers and body (they carry secrets and
 * prompts).
 *
 * @param method    {@code GET} or {@code POST}
 * @param url       full URL including the query string
 * @param headers   header name → value in send order (contains {@code Authorization} and {@code Cosy-Key}: never
 *                  log it)
 * @param body      exact body bytes; empty for GET
 * @param requestId for chat the body's {@code request_id} (= {@code chat_record_id}, 32 hex); for the model list
 *                  the auth payload {@code requestId}; log it with the gateway request id (§4.3)
 */
public record RemoteHttpRequest(String method, String url, Map<String, String> headers, byte[] body,
                                String requestId) {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    /** Lower-case names of the headers that identify neither the user, the machine nor the login. */
    private static final java.util.Set<String> PLAIN_HEADERS = java.util.Set.of("content-type", "appcode",
            "cosy-date", "cosy-clientip", "cosy-clienttype", "cosy-machineos", "cosy-machinetype", "cosy-version",
            "login-version", "user-agent", "accept", "cache-control", "accept-encoding");

    /** Copies the header map (unmodifiable, order kept). */
    public RemoteHttpRequest {
        headers = java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(headers));
        body = body == null ? new byte[0] : body;
    }

    /**
     * @return the auth payload {@code requestId} decoded from the {@code Authorization} header (a fresh UUIDv4 per
     * HTTP request, §4.3), or empty when absent
     */
    public String authRequestId() {
        String auth = headers.getOrDefault("Authorization", "");
        String[] parts = auth.replaceFirst("^Bearer ", "").split("\\.");
        if (parts.length != 3) {
            return "";
        }
        try {
            JsonNode payload = MAPPER.readTree(new String(Base64.getDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            return payload.path("requestId").asText("");
        } catch (Exception e) {
            return "";
        }
    }

    /**
     * @return the headers for a log line: the values of the fixed, non-identifying §4.2 headers as sent, every other
     * value ({@code Authorization}, {@code Cosy-Key}, {@code Cosy-Machineid}, {@code Cosy-User}, overrides …)
     * masked by {@link RemoteCredential#mask}
     */
    public Map<String, String> maskedHeaders() {
        Map<String, String> masked = new java.util.LinkedHashMap<>();
        headers.forEach((name, value) -> masked.put(name,
                PLAIN_HEADERS.contains(name.toLowerCase(java.util.Locale.ROOT)) ? value : RemoteCredential.mask(value)));
        return masked;
    }

    /** @return the body as UTF-8 text (JSON, or the Encode=1 text) */
    public String bodyText() {
        return new String(body, StandardCharsets.UTF_8);
    }

    /** Never shows headers or body. */
    @Override
    public String toString() {
        return "RemoteHttpRequest[" + method + " " + url + ", requestId=" + requestId + ", body=" + body.length
                + " bytes]";
    }
}
