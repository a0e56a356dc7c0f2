package io.lingma.gateway.lingma.ipc;

/**
 * A transport-level failure of the Lingma IPC link: connection refused, handshake rejected, socket closed
 * (lingma-ipc.md §6.5). Turns that fail with this type before any output are recoverable: the client reconnects
 * (re-running discovery) and replays the turn once. Recoverability is decided on this type, never on message text.
 */
public class IpcTransportException extends RuntimeException {

    private final int handshakeStatus;

    /**
     * @param message what failed
     * @param cause   the underlying error, or null
     */
    public IpcTransportException(String message, Throwable cause) {
        this(message, 0, cause);
    }

    /**
     * @param message         what failed
     * @param handshakeStatus HTTP status of a rejected WebSocket handshake, 0 when not applicable
     * @param cause           the underlying error, or null
     */
    public IpcTransportException(String message, int handshakeStatus, Throwable cause) {
        super(message, cause);
        this.handshakeStatus = handshakeStatus;
    }

    /** @return HTTP status of a rejected WebSocket handshake (401, 403, 404, …), or 0 */
    public int handshakeStatus() {
        return handshakeStatus;
    }
}
