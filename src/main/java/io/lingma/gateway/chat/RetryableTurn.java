package io.lingma.gateway.chat;

/**
 * An upstream turn that can run the tool-emulation retry of client-api.md §10.8: once this turn has ended
 * (its terminal event was read), {@link #retry(String)} asks the model again with an extra instruction —
 * on the IPC backend in the same Lingma session with a new request id, on the remote backend as a re-issued
 * request. Closing the original turn also closes a retry it started.
 */
public interface RetryableTurn extends UpstreamTurn {

    /**
     * Starts the retry.
     *
     * @param instruction the retry instruction to add after the original prompt (client-api.md §10.4)
     * @return the running retry turn (closed by the caller, or with this turn)
     * @throws io.lingma.gateway.error.GatewayException when the retry cannot be started
     */
    UpstreamTurn retry(String instruction);
}
