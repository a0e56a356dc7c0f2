package io.lingma.gateway.lingma.remote;

import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * A "busy" answer (lingma-remote.md §8.3) that the model's route tries again by redelivery
 * ({@code gateway.remote.busy-retries}); the model's breaker ignores it, only the last busy answer counts.
 */
public class RemoteBusyRetry extends RuntimeException {

    private final transient RemoteFailure failure;
    private final Long delayMillis;

    /**
     * @param failure     the busy answer
     * @param delayMillis its Retry-After in milliseconds, or null for {@code gateway.remote.busy-retry-delay}
     */
    public RemoteBusyRetry(RemoteFailure failure, Long delayMillis) {
        super(failure.getMessage(), null, false, false);
        this.failure = failure;
        this.delayMillis = delayMillis;
    }

    /** @return the busy answer */
    public RemoteFailure failure() {
        return failure;
    }

    /**
     * The {@code onExceptionOccurredRef} of the busy redelivery: the answer's Retry-After becomes the next
     * redelivery's delay ({@code CamelRedeliveryDelay}); without one the route's redeliveryDelay applies.
     */
    public static final class Delay implements Processor {
        @Override
        public void process(Exchange exchange) {
            Throwable caught = exchange.getException() != null ? exchange.getException()
                    : exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
            if (caught instanceof RemoteBusyRetry busy && busy.delayMillis != null) {
                exchange.getIn().setHeader(Exchange.REDELIVERY_DELAY, busy.delayMillis);
            } else {
                exchange.getIn().removeHeader(Exchange.REDELIVERY_DELAY);
            }
        }
    }
}
