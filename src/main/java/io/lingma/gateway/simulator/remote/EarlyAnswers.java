package io.lingma.gateway.simulator.remote;

import io.vertx.core.http.HttpServerRequest;

/**
 * The answers that end a request before any SSE frame: authentication rejections (lingma-remote.md §11.2) and the
 * pre-stream faults of §11.5 (HTTP status, hang before the first byte, reset before the status line). Stateless.
 */
final class EarlyAnswers {

    private EarlyAnswers() {
    }

    /**
     * Answers a failed authentication check with 403 and the server's JSON code ({@code 105} for an unknown or
     * expired login, {@code 101} otherwise).
     *
     * @return true when the request was answered (the verdict is not OK)
     */
    static boolean rejectAuth(RemoteSimulatorState state, HttpServerRequest request, CosyVerifier.Result auth) {
        if (auth.verdict() == RecordedRemoteRequest.AuthVerdict.OK) {
            return false;
        }
        state.authRejections.incrementAndGet();
        String body = auth.verdict() == RecordedRemoteRequest.AuthVerdict.LOGIN_EXPIRED
                ? "{\"code\":\"105\",\"message\":\"Login expired\"}"
                : "{\"code\":\"101\",\"message\":\"Signature invalid\"}";
        request.response().setStatusCode(403).putHeader("Content-Type", "application/json").end(body);
        return true;
    }

    /**
     * Plays a fault that acts before the stream starts.
     *
     * @param rec the recorded request to mark aborted when the client gives up on a hang; null for the model list
     * @return true when the fault answered (or deliberately did not answer) the request; false for in-stream faults
     */
    static boolean preStreamFault(RemoteSimulatorState state, HttpServerRequest request, RemoteFault fault,
                                  RecordedRemoteRequest rec) {
        switch (fault.type()) {
            case HTTP_STATUS -> {
                String body = fault.body();
                request.response().setStatusCode(fault.httpStatus())
                        .putHeader("Content-Type", body.startsWith("{") ? "application/json" : "text/plain")
                        .end(body);
                return true;
            }
            case HANG_BEFORE_FIRST_BYTE -> {
                // the client's first-byte timeout closes the connection: that is the abort to record
                request.response().closeHandler(v -> {
                    if (rec != null) {
                        rec.markAborted();
                    }
                    state.clientAborts.incrementAndGet();
                });
                return true;
            }
            case RESET_BEFORE_FIRST_FRAME -> {
                request.connection().close();
                return true;
            }
            default -> {
                return false;
            }
        }
    }
}
