package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.error.SharedUpstreamFaultException;

import java.util.Locale;

/**
 * Maps what goes wrong in an IPC turn to the client-facing errors (lingma-ipc.md §5.2–§5.7, §11; client-api.md
 * §12): set-up timeouts, JSON-RPC errors of {@code session/new} / {@code session/set_model} /
 * {@code session/prompt}, transport failures, and the finish reason of a clean end.
 */
final class IpcTurnErrors {

    private final IpcSettings settings;
    private final ResolvedModel model;

    /**
     * @param settings the turn's settings (for the set-up timeout in messages)
     * @param model    the turn's model (named when {@code session/set_model} fails)
     */
    IpcTurnErrors(IpcSettings settings, ResolvedModel model) {
        this.settings = settings;
        this.model = model;
    }

    /** @return 503 {@code backend_unavailable}: the set-up timed out, reopen the desktop app */
    GatewayException setupTimeout() {
        return new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "Lingma IPC session setup timed out after "
                + settings.setupTimeout().toMillis() + " ms; the Lingma / QoderCN backend may have exited. "
                + "请重新打开 Lingma App、QoderCN App (reopen the Lingma or QoderCN desktop app).");
    }

    /**
     * @param method the set-up method that failed
     * @param cause  its (unwrapped) failure
     * @return a timeout as {@link #setupTimeout()}; {@code session/new} method-not-found as
     * {@code backend_unsupported}; a {@code session/set_model} error as {@code model_not_found}; other JSON-RPC
     * errors as {@code upstream_error}; anything else unchanged
     */
    Throwable setupError(String method, Throwable cause) {
        if (cause instanceof JsonRpcTimeoutException) {
            return setupTimeout();
        }
        if (cause instanceof JsonRpcException j) {
            if (method.equals("session/new") && j.code() == JsonRpcException.METHOD_NOT_FOUND) {
                return new GatewayException(ErrorKind.BACKEND_UNSUPPORTED, "the running Lingma runtime does not "
                        + "support ACP sessions (session/new: method not found); open the Lingma or QoderCN "
                        + "desktop app", j);
            }
            if (method.equals("session/set_model")) {
                return new GatewayException(ErrorKind.MODEL_NOT_FOUND, "model '" + model.key()
                        + "' is not available in Lingma: " + j.rpcMessage(), j);
            }
            return new GatewayException(ErrorKind.UPSTREAM_ERROR, "Lingma IPC " + method + " failed: "
                    + j.rpcMessage() + " (code " + j.code() + ")", j);
        }
        return cause;
    }

    /**
     * @param cause an unwrapped failure of the set-up or the turn
     * @return it as a gateway error: unreachable Lingma → {@code backend_unavailable}, timeout → set-up timeout, a
     * closed connection → a {@link SharedUpstreamFaultException} (counted once by the connection-loss listener),
     * else {@code upstream_error}
     */
    GatewayException toGateway(Throwable cause) {
        if (cause instanceof GatewayException g) {
            return g;
        }
        if (cause instanceof IpcTransportException || cause instanceof IpcDiscoveryException) {
            return new GatewayException(ErrorKind.BACKEND_UNAVAILABLE, "Lingma IPC is not reachable: "
                    + cause.getMessage(), cause);
        }
        if (cause instanceof JsonRpcTimeoutException) {
            return setupTimeout();
        }
        if (cause instanceof IpcConnectionClosedException) {
            // counted once by the client's connection-loss listener
            return new SharedUpstreamFaultException(ErrorKind.UPSTREAM_ERROR, "Lingma IPC failed: "
                    + cause.getMessage(), cause);
        }
        return new GatewayException(ErrorKind.UPSTREAM_ERROR, "Lingma IPC failed: " + cause.getMessage(), cause);
    }

    /** @return the message of a failed {@code session/prompt} (JSON-RPC message and code when there is one) */
    static String promptFailure(Throwable cause) {
        return cause instanceof JsonRpcException j
                ? "Lingma IPC session/prompt failed: " + j.rpcMessage() + " (code " + j.code() + ")"
                : "Lingma IPC session/prompt failed: " + cause.getMessage();
    }

    /**
     * @param stopReason ACP {@code stopReason} of the prompt response, or null
     * @param dataReason {@code chat_finish.data.reason}
     * @return the internal finish reason ({@code max_tokens} → LENGTH, {@code refusal} → CONTENT_FILTER, else STOP)
     */
    static FinishReason finishReason(String stopReason, String dataReason) {
        for (String r : new String[]{stopReason, dataReason}) {
            if (r == null) {
                continue;
            }
            switch (r.toLowerCase(Locale.ROOT)) {
                case "max_tokens", "length" -> {
                    return FinishReason.LENGTH;
                }
                case "refusal", "content_filter" -> {
                    return FinishReason.CONTENT_FILTER;
                }
                default -> {
                }
            }
        }
        return FinishReason.STOP;
    }

}
