package io.lingma.gateway.api;

import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.GatewayException;

/**
 * One client-facing API (OpenAI Chat Completions, Anthropic Messages, …): turns its request body into the internal
 * {@link ChatTurn} and renders internal results and events back in its own wire format
 * (client-api.md §4, §6, §9; architecture.md §4: no client type crosses into a backend).
 *
 * <p>Implementations are stateless and thread-safe; the per-response state of a stream lives in the
 * {@link StreamEncoder} they create.
 */
public interface ClientApi {

    /** @return the API this instance serves; decides the error envelope (client-api.md §2.7) */
    ApiProtocol protocol();

    /**
     * Normalises a request body into the internal turn (client-api.md §9).
     *
     * @param body the raw HTTP request body (UTF-8 JSON); unknown fields are ignored
     * @param ctx  request id, tenant scope and settings of this request
     * @return the internal turn
     * @throws GatewayException 400 {@code invalid_request_error} with the spec's message, e.g.
     *                          {@code invalid JSON body: <parser message>}, {@code no user message found in request}
     */
    ChatTurn normalize(byte[] body, RequestContext ctx);

    /**
     * Renders a completed turn as the API's non-streaming JSON response body (client-api.md §4.2, §6.2).
     *
     * @param turn   the normalised request
     * @param result the aggregated result
     * @return the JSON body (UTF-8 text, non-ASCII not escaped)
     */
    String encodeResult(ChatTurn turn, ChatResult result);

    /**
     * Creates the encoder for one SSE response (client-api.md §4.3, §6.3).
     *
     * @param turn                the normalised request
     * @param model               the model that answers (its {@code publicId} goes into every frame)
     * @param promptTokenEstimate the gateway's estimate of the input tokens (client-api.md §12), used where a
     *                            frame needs input usage before the upstream reported any
     * @return a new, single-use encoder
     */
    default StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model, long promptTokenEstimate) {
        return streamEncoder(turn, model, () -> promptTokenEstimate);
    }

    /**
     * As {@link #streamEncoder(ChatTurn, ResolvedModel, long)}, computing the estimate only when a frame needs it
     * (tokenizing a long history costs milliseconds; Lingma's own usage report usually makes it unnecessary).
     *
     * @param turn                the normalised request
     * @param model               the model that answers
     * @param promptTokenEstimate supplies the input-token estimate on first use
     * @return a new, single-use encoder
     */
    StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model, java.util.function.LongSupplier promptTokenEstimate);

    /**
     * Renders an error as this API's error envelope (client-api.md §2.7).
     *
     * @param e the error
     * @return the JSON body; the HTTP status is {@code e.status()}
     */
    String errorBody(GatewayException e);
}
