package io.lingma.gateway.simulator.remote;

/**
 * A fault the remote simulator injects for one model key (lingma-remote.md §11.5). Build with the factories.
 *
 * @param type       what happens
 * @param httpStatus status for {@link Type#HTTP_STATUS} / {@link Type#ENVELOPE_ERROR_FIRST}
 * @param body       response body / envelope body for those types
 * @param afterFrames number of text frames written before {@link Type#EVENT_ERROR_AFTER} /
 *                   {@link Type#RESET_AFTER}
 */
public record RemoteFault(Type type, int httpStatus, String body, int afterFrames) {

    /** Fault kinds. */
    public enum Type {
        /** Answer with an HTTP status and body before any stream. */
        HTTP_STATUS,
        /** Never answer (not even headers): first-byte timeout. */
        HANG_BEFORE_FIRST_BYTE,
        /** Write N text frames, then {@code event:error} + {@code success:false}, then EOF. */
        EVENT_ERROR_AFTER,
        /** An in-stream envelope with {@code statusCodeValue >= 400} as the first frame, then EOF. */
        ENVELOPE_ERROR_FIRST,
        /** Normal frames, then EOF without any end marker. */
        MISSING_END_MARKER,
        /** Close the connection before the status line. */
        RESET_BEFORE_FIRST_FRAME,
        /** Write N text frames, then close the connection mid-stream. */
        RESET_AFTER
    }

    /**
     * @param status HTTP status (e.g. 429, 500, 502, 503, 504, 408, 400, 401, 403, 404)
     * @param body   body (JSON or text), may be empty
     * @return the fault
     */
    public static RemoteFault httpStatus(int status, String body) {
        return new RemoteFault(Type.HTTP_STATUS, status, body == null ? "" : body, 0);
    }

    /** @return HTTP 429 with a {@code provider_error} JSON body */
    public static RemoteFault http429() {
        return httpStatus(429, "{\"code\":\"provider_error\",\"message\":\"Too many requests (simulator)\"}");
    }

    /** @return HTTP 403 {@code {"code":"112","message":"quota exceeded"}} */
    public static RemoteFault quota403() {
        return httpStatus(403, "{\"code\":\"112\",\"message\":\"quota exceeded\"}");
    }

    /** @return no answer at all until the client gives up */
    public static RemoteFault hangBeforeFirstByte() {
        return new RemoteFault(Type.HANG_BEFORE_FIRST_BYTE, 0, "", 0);
    }

    /** @param textFrames text frames before the error @return {@code event:error} after N frames */
    public static RemoteFault eventErrorAfter(int textFrames) {
        return new RemoteFault(Type.EVENT_ERROR_AFTER, 0, "", textFrames);
    }

    /**
     * @param status envelope {@code statusCodeValue} (429, 500, 403 …)
     * @param body   envelope body text (e.g. a {@code provider_error} JSON or {@code quota exceeded})
     * @return the fault
     */
    public static RemoteFault envelopeErrorFirst(int status, String body) {
        return new RemoteFault(Type.ENVELOPE_ERROR_FIRST, status, body, 0);
    }

    /** @return frames without end marker, then EOF */
    public static RemoteFault missingEndMarker() {
        return new RemoteFault(Type.MISSING_END_MARKER, 0, "", 0);
    }

    /** @return connection closed before any byte */
    public static RemoteFault resetBeforeFirstFrame() {
        return new RemoteFault(Type.RESET_BEFORE_FIRST_FRAME, 0, "", 0);
    }

    /** @param textFrames text frames before the reset @return connection closed after N frames */
    public static RemoteFault resetAfter(int textFrames) {
        return new RemoteFault(Type.RESET_AFTER, 0, "", textFrames);
    }
}
