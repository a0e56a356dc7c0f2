package io.lingma.gateway.api;

import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.GatewayException;

/** One client-facing API: request normalisation and response encoding (client-api.md §4, §6). */
public interface ClientApi {

    /** @return the API this instance serves */
    ApiProtocol protocol();

    /**
     * @param body raw request body
     * @param ctx  request context
     * @return the internal turn
     * @throws GatewayException 400 on malformed input
     */
    ChatTurn normalize(byte[] body, RequestContext ctx);

    /**
     * @param turn   the request
     * @param result the completed turn
     * @return the non-stream JSON body
     */
    String encodeResult(ChatTurn turn, ChatResult result);

    /**
     * @param turn                the request
     * @param model               the model answering
     * @param promptTokenEstimate estimated input tokens
     * @return a fresh stream encoder
     */
    StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model, long promptTokenEstimate);

    /**
     * @param e the error
     * @return this API's error envelope
     */
    String errorBody(GatewayException e);
}
