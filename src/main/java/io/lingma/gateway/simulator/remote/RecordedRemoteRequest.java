package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * One request the remote simulator received (lingma-remote.md §11.2), for test assertions. Holds the raw
 * credential headers: test use only; {@link #toString()} shows none of them.
 */
public final class RecordedRemoteRequest {

    /** Result of the §11.2 authentication checks. */
    public enum AuthVerdict {
        /** All enabled checks passed. */
        OK,
        /** No or malformed {@code Authorization} ({@code Bearer COSY.<b64>.<32 hex>}, payload JSON). */
        MALFORMED,
        /** Unknown {@code info} or account marked expired (105). */
        LOGIN_EXPIRED,
        /** {@code Cosy-Key}, {@code Cosy-User} or {@code Cosy-Machineid} mismatch (101). */
        HEADER_MISMATCH,
        /** The MD5 signature does not match (101). */
        SIGNATURE_INVALID,
        /** {@code Cosy-Date} outside the skew window (101). */
        CLOCK_SKEW,
        /** A payload {@code requestId} was reused while replay protection is on (101). */
        REPLAY
    }

    private final String method;
    private final String path;
    private final String query;
    private final Map<String, String> headers;
    private final byte[] rawBody;
    private final JsonNode decodedBody;
    private final AuthVerdict verdict;
    private final String modelKey;
    private final String lastUserText;
    private final AtomicBoolean abortedByClient = new AtomicBoolean();

    RecordedRemoteRequest(String method, String path, String query, Map<String, String> headers, byte[] rawBody,
                          JsonNode decodedBody, AuthVerdict verdict, String modelKey, String lastUserText) {
        this.method = method;
        this.path = path;
        this.query = query;
        this.headers = Map.copyOf(headers);
        this.rawBody = rawBody;
        this.decodedBody = decodedBody;
        this.verdict = verdict;
        this.modelKey = modelKey;
        this.lastUserText = lastUserText;
    }

    /** @return {@code GET} or {@code POST} */
    public String method() {
        return method;
    }

    /** @return the path without query */
    public String path() {
        return path;
    }

    /** @return the raw query string, or empty */
    public String query() {
        return query;
    }

    /**
     * @param name header name (case-insensitive)
     * @return the first value, or null
     */
    public String header(String name) {
        return headers.entrySet().stream().filter(e -> e.getKey().equalsIgnoreCase(name)).map(Map.Entry::getValue)
                .findFirst().orElse(null);
    }

    /** @return all headers (first value each, names as received) */
    public Map<String, String> headers() {
        return headers;
    }

    /** @return the body bytes exactly as received */
    public byte[] rawBody() {
        return rawBody.clone();
    }

    /** @return the raw body as UTF-8 */
    public String rawBodyText() {
        return new String(rawBody, StandardCharsets.UTF_8);
    }

    /** @return the body JSON (after Encode=1 decoding), or null for GET / undecodable bodies */
    public JsonNode decodedBody() {
        return decodedBody;
    }

    /** @return the authentication verdict */
    public AuthVerdict verdict() {
        return verdict;
    }

    /** @return {@code model_config.key} of a chat body, or null */
    public String modelKey() {
        return modelKey;
    }

    /** @return text of the last user message of a chat body, or null */
    public String lastUserText() {
        return lastUserText;
    }

    /** @return true when the client closed the connection before the simulator ended the response */
    public boolean abortedByClient() {
        return abortedByClient.get();
    }

    void markAborted() {
        abortedByClient.set(true);
    }

    @Override
    public String toString() {
        return "RecordedRemoteRequest[" + method + " " + path + (query.isEmpty() ? "" : "?" + query) + ", verdict="
                + verdict + ", model=" + modelKey + ", aborted=" + abortedByClient.get() + "]";
    }
}
