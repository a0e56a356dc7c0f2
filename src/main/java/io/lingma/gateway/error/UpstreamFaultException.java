package io.lingma.gateway.error;

/**
 * A {@link GatewayException} caused by the upstream (5xx kinds: unavailable, failed, timed out). Only these count
 * as circuit-breaker failures; client errors (4xx) never open the breaker.
 */
public class UpstreamFaultException extends GatewayException {

    /** @param cause the upstream failure, whose kind, message and Retry-After are kept */
    public UpstreamFaultException(GatewayException cause) {
        super(cause.kind(), cause.getMessage(), cause.param(), cause.retryAfterSeconds(), cause);
    }

    /**
     * @param error any error raised while opening a turn
     * @return {@code error} itself when it is a client error, else an {@code UpstreamFaultException} wrapping it
     */
    public static GatewayException classify(GatewayException error) {
        if (error instanceof UpstreamFaultException || !error.kind().upstreamFault()) {
            return error;
        }
        return new UpstreamFaultException(error);
    }
}
