package io.lingma.gateway.error;

/**
 * An error with a client-facing status and kind (client-api.md §2.8). Messages must never contain credentials,
 * full prompts or stack traces: they are sent to clients as they are.
 */
public class GatewayException extends RuntimeException {

    private final ErrorKind kind;
    private final String param;
    private final Integer retryAfterSeconds;

    /**
     * @param kind    status and type/code
     * @param message client-facing message
     */
    public GatewayException(ErrorKind kind, String message) {
        this(kind, message, null, null, null);
    }

    /**
     * @param kind    status and type/code
     * @param message client-facing message
     * @param cause   the underlying error (logged, never sent)
     */
    public GatewayException(ErrorKind kind, String message, Throwable cause) {
        this(kind, message, null, null, cause);
    }

    /**
     * @param kind              status and type/code
     * @param message           client-facing message
     * @param param             OpenAI {@code error.param}, or null
     * @param retryAfterSeconds value for a {@code Retry-After} header, or null
     * @param cause             the underlying error, or null
     */
    public GatewayException(ErrorKind kind, String message, String param, Integer retryAfterSeconds,
                            Throwable cause) {
        super(message, cause);
        this.kind = kind;
        this.param = param;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    /** @return a 400 {@code invalid_request_error} */
    public static GatewayException badRequest(String message) {
        return new GatewayException(ErrorKind.INVALID_REQUEST, message);
    }

    /** @return the kind */
    public ErrorKind kind() {
        return kind;
    }

    /** @return the HTTP status */
    public int status() {
        return kind.status();
    }

    /** @return OpenAI {@code error.param}, or null */
    public String param() {
        return param;
    }

    /** @return seconds for {@code Retry-After}, or null */
    public Integer retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
