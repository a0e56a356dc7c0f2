package io.lingma.gateway.http;

import io.lingma.gateway.chat.Ids;
import io.vertx.core.http.HttpServerRequest;

import java.util.regex.Pattern;

/**
 * The request id of every answer (client-api.md §2.5, issue 9 §2): the client's {@code x-request-id} when it is a
 * sane token (1–128 characters of {@code [A-Za-z0-9._-]}), else a new {@code req_} + 32 hex.
 */
public final class RequestIds {

    /** The header that carries the id both ways. */
    public static final String HEADER = "x-request-id";
    private static final Pattern SANE = Pattern.compile("[A-Za-z0-9._-]{1,128}");

    private RequestIds() {
    }

    /**
     * @param incoming the client's {@code x-request-id}, or null
     * @return it when sane, else a fresh id
     */
    public static String of(String incoming) {
        return incoming != null && SANE.matcher(incoming).matches() ? incoming : Ids.hex("req_", 32);
    }

    /**
     * @param request a request whose head may be partly unreadable (decoder errors)
     * @return its sane {@code x-request-id}, else a fresh id
     */
    public static String of(HttpServerRequest request) {
        try {
            return of(request.getHeader(HEADER));
        } catch (RuntimeException e) {
            // a head the decoder rejected may have no readable headers
            return of((String) null);
        }
    }
}
