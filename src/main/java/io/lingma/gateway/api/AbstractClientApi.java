package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.error.GatewayException;
import io.lingma.gateway.http.GatewayExchange;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import org.apache.camel.Body;
import org.apache.camel.ExchangeProperty;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.function.BiFunction;

/**
 * Scaffolding shared by the client APIs (client-api.md §2.4, §2.7): the JSON helper, the settings, the clock, the
 * error envelope of the API's {@link ApiProtocol}, and a {@link #normalizeBody(Object, RequestContext)} that parses
 * the request body in place as a JSON object and falls back to this instance's settings when no context is given.
 * Subclasses pass their API's {@link BodyNormalizer} and implement the encoders. Thread-safe when subclasses are.
 */
public abstract class AbstractClientApi implements ClientApi {

    /** JSON reading and writing. */
    protected final ApiJson json;
    /** Settings used by the encoders (and by normalisation when a request carries none). */
    protected final ApiSettings settings;
    /** Source of {@code created} / {@code created_at} timestamps (seconds). */
    protected final Clock clock;
    /** Error-envelope renderer. */
    protected final ErrorEnvelopes envelopes;
    /** Content extraction (text, placeholders, images) for the normalisers. */
    protected final ContentExtractor extractor;
    private final ApiProtocol protocol;
    private final BodyNormalizer normalizer;

    /**
     * Normalises a parsed request body of one client API into the internal turn (client-api.md §9).
     */
    @FunctionalInterface
    protected interface BodyNormalizer {
        /**
         * @param body the request object; unknown fields are ignored
         * @param ctx  the request context (never null)
         * @return the internal turn
         * @throws GatewayException 400 {@code invalid_request_error} with the spec's message
         */
        ChatTurn normalize(ObjectNode body, RequestContext ctx);
    }

    /**
     * @param mapper     the shared mapper (not modified)
     * @param settings   the settings
     * @param clock      source of timestamps; null is the system UTC clock
     * @param protocol   the API this instance serves
     * @param normalizer builds the API's normaliser from this instance's JSON helper and content extractor
     */
    protected AbstractClientApi(ObjectMapper mapper, ApiSettings settings, Clock clock, ApiProtocol protocol,
            BiFunction<ApiJson, ContentExtractor, BodyNormalizer> normalizer) {
        this.json = new ApiJson(mapper);
        this.settings = java.util.Objects.requireNonNull(settings, "settings");
        this.clock = clock == null ? Clock.systemUTC() : clock;
        this.envelopes = new ErrorEnvelopes(mapper);
        this.extractor = new ContentExtractor(new ImageSources());
        this.protocol = protocol;
        this.normalizer = normalizer.apply(json, extractor);
    }

    /** @return the API this instance serves (client-api.md §2.7) */
    @Override
    public final ApiProtocol protocol() {
        return protocol;
    }

    /**
     * Parses the body as a JSON object and normalises it; a null {@code ctx} uses this instance's settings (a null
     * body, e.g. a POST without one, is the empty body). The routes call {@link #normalizeBody} instead.
     *
     * @throws GatewayException 400 {@code invalid JSON body: …}, {@code request body must be a JSON object}, and
     *                          whatever {@link #normalize(ObjectNode, RequestContext)} raises
     */
    @Override
    public final ChatTurn normalize(@Body byte[] body,
            @ExchangeProperty(GatewayExchange.REQUEST_CONTEXT) RequestContext ctx) {
        return normalizeBody(body, ctx);
    }

    /**
     * The routes' entry: {@link #normalize(byte[], RequestContext)} for the body as platform-http delivers it, a
     * Vert.x {@link Buffer} that is parsed in place (converting it to {@code byte[]} would copy a body of up to
     * {@code gateway.http.max-body-bytes} once more). Runs on the request's worker thread.
     *
     * @param body the request body: a {@link Buffer}, {@code byte[]}, {@code String} or null (no body)
     * @param ctx  the request context; null uses this instance's settings
     * @return the internal turn
     * @throws GatewayException as {@link #normalize(byte[], RequestContext)}
     */
    public final ChatTurn normalizeBody(@Body Object body,
            @ExchangeProperty(GatewayExchange.REQUEST_CONTEXT) RequestContext ctx) {
        RequestContext context = ctx == null ? new RequestContext(null, null, settings) : ctx;
        ObjectNode parsed;
        if (body instanceof Buffer buffer) {
            ByteBuf bytes = buffer.getByteBuf();
            parsed = bytes.hasArray()
                    ? json.parseObject(bytes.array(), bytes.arrayOffset() + bytes.readerIndex(), bytes.readableBytes())
                    : json.parseObject(buffer.getBytes());
        } else if (body instanceof String text) {
            parsed = json.parseObject(text.getBytes(StandardCharsets.UTF_8));
        } else if (body == null || body instanceof byte[]) {
            parsed = json.parseObject((byte[]) body);
        } else {
            throw new IllegalArgumentException("unsupported request body type " + body.getClass().getName());
        }
        return normalize(parsed, context);
    }

    /**
     * Normalises a parsed request body (client-api.md §9) with the API's {@link BodyNormalizer}.
     *
     * @param body the request object; unknown fields are ignored
     * @param ctx  the request context (never null)
     * @return the internal turn
     * @throws GatewayException 400 {@code invalid_request_error} with the spec's message
     */
    protected final ChatTurn normalize(ObjectNode body, RequestContext ctx) {
        return normalizer.normalize(body, ctx);
    }

    /**
     * Starts a non-streamed answer body (client-api.md §4.2, §6.2): a new object whose {@code id} is
     * {@code idPrefix} followed by {@code idLength} base62 characters.
     *
     * @param idPrefix the API's id prefix, e.g. {@code chatcmpl-}
     * @param idLength the number of random base62 characters
     * @return the root object, with {@code id} set
     */
    protected final ObjectNode answerRoot(String idPrefix, int idLength) {
        ObjectNode root = json.mapper().createObjectNode();
        root.put("id", Ids.base62(idPrefix, idLength));
        return root;
    }

    /** @return a fresh tool-call id mapper for one answer, using the configured id generator (client-api.md §10.6) */
    protected final ToolIds toolIds() {
        return new ToolIds(settings.toolIdGenerator());
    }

    /** @return the error envelope of this API's protocol (client-api.md §2.7); the status is {@code e.status()} */
    @Override
    public final String errorBody(GatewayException e) {
        return envelopes.render(protocol, e);
    }
}
