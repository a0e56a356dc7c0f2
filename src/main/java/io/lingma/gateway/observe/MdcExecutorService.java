package io.lingma.gateway.observe;

import org.slf4j.MDC;

import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * An executor whose tasks run with the MDC of the thread that submitted them (the request id and key name of
 * issue 9 §2), restoring the worker's own MDC afterwards.
 */
public final class MdcExecutorService extends AbstractExecutorService {

    private final ExecutorService delegate;

    /** @param delegate the executor that runs the tasks */
    public MdcExecutorService(ExecutorService delegate) {
        this.delegate = delegate;
    }

    @Override
    public void execute(Runnable task) {
        Map<String, String> submitter = MDC.getCopyOfContextMap();
        delegate.execute(() -> {
            Map<String, String> own = MDC.getCopyOfContextMap();
            set(submitter);
            try {
                task.run();
            } finally {
                set(own);
            }
        });
    }

    private static void set(Map<String, String> context) {
        if (context == null) {
            MDC.clear();
        } else {
            MDC.setContextMap(context);
        }
    }

    @Override
    public void shutdown() {
        delegate.shutdown();
    }

    @Override
    public List<Runnable> shutdownNow() {
        return delegate.shutdownNow();
    }

    @Override
    public boolean isShutdown() {
        return delegate.isShutdown();
    }

    @Override
    public boolean isTerminated() {
        return delegate.isTerminated();
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
        return delegate.awaitTermination(timeout, unit);
    }
}
