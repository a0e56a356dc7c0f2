package io.lingma.gateway.error;

/**
 * An upstream fault that hit every request on one shared resource at once — a lost Lingma IPC connection — and is
 * recorded on the circuit breaker once, where it happened, instead of once per request it hit. The client still
 * gets its kind and message like any other {@link GatewayException}.
 */
public class SharedUpstreamFaultException extends GatewayException {

    /**
     * @param kind    status and type/code (an upstream kind, e.g. {@link ErrorKind#UPSTREAM_INCOMPLETE})
     * @param message client-facing message
     * @param cause   the underlying error (logged, never sent), or null
     */
    public SharedUpstreamFaultException(ErrorKind kind, String message, Throwable cause) {
        super(kind, message, cause);
    }

    /**
     * @param error any failure, possibly wrapped (e.g. in an {@link UpstreamFaultException})
     * @return true when it is, or wraps, a shared fault
     */
    public static boolean isShared(Throwable error) {
        for (Throwable t = error; t != null; t = t.getCause()) {
            if (t instanceof SharedUpstreamFaultException) {
                return true;
            }
        }
        return false;
    }
}
