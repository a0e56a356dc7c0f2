package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

/**
 * Renders error envelopes (client-api.md §2.7, §2.8), shared by the client APIs and by the HTTP error handler for
 * failures that happen before a request is normalised:
 * <ul>
 *   <li>OpenAI routes: {@code {"error":{"message":…,"type":…,"code":<string|null>,"param":<string|null>}}};</li>
 *   <li>Anthropic routes: {@code {"type":"error","error":{"type":…,"message":…}}}.</li>
 * </ul>
 * Thread-safe.
 */
public final class ErrorEnvelopes {

    private final ObjectMapper mapper;

    /** @param mapper the shared mapper */
    public ErrorEnvelopes(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * @param protocol the API the request came on ({@code null} = OpenAI shape, used for unknown paths)
     * @param e        the error
     * @return the envelope as compact JSON
     */
    public String render(ApiProtocol protocol, GatewayException e) {
        return write(protocol != null && protocol.anthropic() ? anthropic(e) : openAi(e));
    }

    /**
     * @param protocol the API the request came on ({@code null} = OpenAI shape)
     * @param kind     status and type/code
     * @param message  client-facing message (no credentials, prompts or stack traces)
     * @return the envelope as compact JSON
     */
    public String render(ApiProtocol protocol, ErrorKind kind, String message) {
        return render(protocol, new GatewayException(kind, message));
    }

    /**
     * @param e the error
     * @return the OpenAI envelope {@code {"error":{"message","type","code","param"}}}
     */
    public ObjectNode openAi(GatewayException e) {
        ObjectNode root = mapper.createObjectNode();
        root.set("error", openAiError(e));
        return root;
    }

    /**
     * @param e the error
     * @return the inner OpenAI error object {@code {"message","type","code","param"}}
     */
    public ObjectNode openAiError(GatewayException e) {
        ErrorKind kind = e.kind();
        ObjectNode error = mapper.createObjectNode();
        error.put("message", message(e));
        error.put("type", kind.openAiType());
        error.put("code", kind.openAiCode());
        error.put("param", e.param());
        return error;
    }

    /**
     * @param e the error
     * @return the Anthropic envelope {@code {"type":"error","error":{"type","message"}}}
     */
    public ObjectNode anthropic(GatewayException e) {
        ObjectNode root = mapper.createObjectNode();
        root.put("type", "error");
        ObjectNode error = root.putObject("error");
        error.put("type", e.kind().anthropicType());
        error.put("message", message(e));
        return root;
    }

    private static String message(GatewayException e) {
        return e.getMessage() == null ? e.kind().name().toLowerCase(java.util.Locale.ROOT) : e.getMessage();
    }

    private String write(ObjectNode node) {
        try {
            return mapper.writeValueAsString(node);
        } catch (com.fasterxml.jackson.core.JsonProcessingException ex) {
            throw new IllegalStateException("cannot serialise an error envelope", ex);
        }
    }
}
