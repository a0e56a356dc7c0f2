package io.lingma.gateway.lingma.ipc;

import java.time.Duration;

/** A JSON-RPC call got no response within its timeout (lingma-ipc.md §6.5). Not recoverable by replay. */
public class JsonRpcTimeoutException extends RuntimeException {

    private final String method;
    private final Duration timeout;

    /**
     * @param method  the request method
     * @param timeout the timeout that elapsed
     */
    public JsonRpcTimeoutException(String method, Duration timeout) {
        super("Lingma IPC " + method + " timed out after " + timeout.toMillis() + " ms");
        this.method = method;
        this.timeout = timeout;
    }

    /** @return the request method */
    public String method() {
        return method;
    }

    /** @return the timeout that elapsed */
    public Duration timeout() {
        return timeout;
    }
}
