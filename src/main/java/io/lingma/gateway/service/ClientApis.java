package io.lingma.gateway.service;

import io.lingma.gateway.api.ClientApi;
import io.lingma.gateway.api.ErrorEnvelopes;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.GatewayExchange;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/** The client APIs by protocol, so shared routes can encode for whichever API a request came from. */
public class ClientApis {

    private final Map<ApiProtocol, ClientApi> apis = new EnumMap<>(ApiProtocol.class);
    private final ErrorEnvelopes envelopes;

    /**
     * @param apis      one implementation per protocol
     * @param envelopes error envelope renderer (also for protocols without an implementation here)
     */
    public ClientApis(List<ClientApi> apis, ErrorEnvelopes envelopes) {
        apis.forEach(a -> this.apis.put(a.protocol(), a));
        this.envelopes = envelopes;
    }

    /**
     * @param protocol a client API
     * @return its implementation
     * @throws IllegalStateException when none is registered (a wiring bug)
     */
    public ClientApi get(ApiProtocol protocol) {
        ClientApi api = apis.get(protocol);
        if (api == null) {
            throw new IllegalStateException("no client API for " + protocol);
        }
        return api;
    }

    /**
     * @param turn   the request
     * @param result the completed turn
     * @return the non-streaming JSON body in the request's API
     */
    public String encodeResult(@ExchangeProperty(GatewayExchange.TURN) ChatTurn turn, @Body ChatResult result) {
        return get(turn.protocol()).encodeResult(turn, result);
    }

    /**
     * @param protocol the request's API
     * @param error    the failure
     * @return the error envelope of that API (client-api.md §2.7)
     */
    public String errorBody(ApiProtocol protocol, GatewayException error) {
        return envelopes.render(protocol, error);
    }
}
