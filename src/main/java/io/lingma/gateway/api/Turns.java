package io.lingma.gateway.api;

import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.error.GatewayException;

import java.util.List;

/** Checks shared by the normalisers (client-api.md §9.3, §9.4). */
public final class Turns {

    /** The system hint added for JSON response formats when {@code gateway.response-format.hint=true} (§4.1). */
    public static final String JSON_FORMAT_HINT = "Respond with a single valid JSON object and nothing else.";

    /** The text of an empty tool result (client-api.md §9.3, §9.4). */
    public static final String EMPTY_RESULT = "(empty result)";

    private Turns() {
    }

    /**
     * @param messages the normalised messages
     * @throws GatewayException 400 {@code no user or assistant messages found} when there are none, 400
     *                          {@code no user message found in request} when none of them is a user message
     */
    public static void requireUsable(List<ChatMessage> messages) {
        if (messages.isEmpty()) {
            throw GatewayException.badRequest("no user or assistant messages found");
        }
        if (messages.stream().noneMatch(m -> m.role() == ChatRole.USER)) {
            throw GatewayException.badRequest("no user message found in request");
        }
    }

    /**
     * @param system existing system text (may be empty)
     * @param more   text to append (may be empty)
     * @param sep    the separator
     * @return both joined with {@code sep}, or whichever is non-empty
     */
    public static String join(String system, String more, String sep) {
        if (more == null || more.isEmpty()) {
            return system;
        }
        return system.isEmpty() ? more : system + sep + more;
    }

    /**
     * The value of the {@code model} fields of a response (client-api.md §3.4): the requested name when
     * {@code gateway.models.echo-requested=true}, else the public id of the model that answered (which can differ
     * from the request after fallback), else the requested name or the default model.
     *
     * @param turn     the request
     * @param model    the model used (may be null)
     * @param settings the settings
     * @return the model id to report
     */
    public static String modelId(ChatTurn turn, ResolvedModel model, ApiSettings settings) {
        if (settings.echoRequestedModel() && !turn.requestedModel().isEmpty()) {
            return turn.requestedModel();
        }
        if (model != null && model.publicId() != null && !model.publicId().isEmpty()) {
            return model.publicId();
        }
        return turn.requestedModel().isEmpty() ? settings.defaultModel() : turn.requestedModel();
    }
}
