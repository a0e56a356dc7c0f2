package io.lingma.gateway.lingma.ipc;

/**
 * A fatal framing error on an IPC connection (lingma-ipc.md §4.1): missing or malformed {@code Content-Length},
 * or a frame over the size cap. The connection must be closed.
 */
public class LspFramingException extends Exception {

    /** @param message what was wrong with the header */
    public LspFramingException(String message) {
        super(message);
    }
}
