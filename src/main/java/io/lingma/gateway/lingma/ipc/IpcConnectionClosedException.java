package io.lingma.gateway.lingma.ipc;

/**
 * The IPC connection closed (peer close, socket error or framing error) while a call was pending or a turn was
 * running (lingma-ipc.md §5.7, §6.5). Every pending JSON-RPC call fails with this type when the link goes away.
 */
public class IpcConnectionClosedException extends IpcTransportException {

    /**
     * @param message why the connection closed
     * @param cause   the underlying error, or null
     */
    public IpcConnectionClosedException(String message, Throwable cause) {
        super(message, cause);
    }
}
