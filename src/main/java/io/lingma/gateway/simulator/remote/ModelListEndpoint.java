package io.lingma.gateway.simulator.remote;

import io.vertx.core.http.HttpServerRequest;

/**
 * {@code GET /algo/api/v2/model/list} (lingma-remote.md §6.1, §11.3): a failed COSY check gets its 403, else the
 * account's catalogue, unless a model-list fault is set. Runs on the event loop.
 */
final class ModelListEndpoint implements RemoteRoutes.Endpoint {

    private final RemoteSimulatorState state;

    ModelListEndpoint(RemoteSimulatorState state) {
        this.state = state;
    }

    @Override
    public void serve(HttpServerRequest request, byte[] raw, CosyVerifier.Result auth) {
        state.modelListRequests.incrementAndGet();
        state.record(request, raw, null, auth.verdict(), null, null);
        if (EarlyAnswers.rejectAuth(state, request, auth)) {
            return;
        }
        RemoteFault fault = state.modelListFault;
        if (fault != null) {
            state.faultsInjected.incrementAndGet();
            if (EarlyAnswers.preStreamFault(state, request, fault, null)) {
                return;
            }
        }
        request.response().setStatusCode(200).putHeader("Content-Type", "application/json")
                .end(RemoteSimulatorState.modelListJson(auth.account()));
    }
}
