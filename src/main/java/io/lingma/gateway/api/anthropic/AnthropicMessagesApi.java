package io.lingma.gateway.api.anthropic;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.AbstractClientApi;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.StreamEncoder;
import io.lingma.gateway.api.ToolIds;
import io.lingma.gateway.api.Turns;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.GatewayException;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.HexFormat;
import java.util.List;

/**
 * Anthropic Messages ({@code POST /v1/messages}, client-api.md §6): request normalisation (§6.1, §9.4), the
 * {@code message} body (§6.2), the {@code message_start} … {@code message_stop} event stream (§6.3) and the
 * Anthropic error envelope (§2.7). Thread-safe.
 *
 * <p>Normalisation raises {@link GatewayException} 400 {@code no user or assistant messages found}, {@code no user
 * message found in request}, {@code tool 'X' is not allowed}, {@code tool_choice names unknown tool 'X'},
 * {@code could not load image: …}, and a field of the wrong type, range or missing
 * ({@link io.lingma.gateway.api.Fields}).
 */
public final class AnthropicMessagesApi extends AbstractClientApi {

    /**
     * @param mapper   the shared mapper
     * @param settings settings used by the encoders ({@code input-json-chunk-size}, id generator, echo-requested)
     */
    public AnthropicMessagesApi(ObjectMapper mapper, ApiSettings settings) {
        super(mapper, settings, Clock.systemUTC(), ApiProtocol.ANTHROPIC_MESSAGES,
                (json, extractor) -> new AnthropicMessagesNormalizer(json, extractor)::normalize);
    }

    /**
     * Renders the {@code message} object of client-api.md §6.2: {@code id} {@code msg_01} + 22 base62; content =
     * thinking block (only when reasoning was requested and thought exists, with a {@code lgw1.} signature), the
     * text block (omitted when empty), {@code tool_use} blocks with object {@code input}; {@code stop_reason};
     * {@code usage} in tokens with the cache fields 0.
     */
    @Override
    public String encodeResult(ChatTurn turn, ChatResult result) {
        ToolIds ids = toolIds();
        ObjectNode root = answerRoot("msg_01", 22);
        root.put("type", "message");
        root.put("role", "assistant");
        ArrayNode content = root.putArray("content");
        if (emitThinking(turn, result.thinking())) {
            ObjectNode thinking = content.addObject();
            thinking.put("type", "thinking");
            thinking.put("thinking", result.thinking());
            thinking.put("signature", signature(result.thinking()));
        }
        if (!result.text().isEmpty()) {
            content.addObject().put("type", "text").put("text", result.text());
        }
        for (ToolCall call : result.toolCalls()) {
            ObjectNode block = content.addObject();
            block.put("type", "tool_use");
            block.put("id", ids.anthropic(call.id()));
            block.put("name", call.name());
            block.set("input", json.argumentsObject(call.arguments()));
        }
        root.put("model", Turns.modelId(turn, result.model(), settings));
        root.put("stop_reason", stopReason(result.finishReason(), result.toolCalls()));
        root.put("stop_sequence", stopSequence(turn, result.finishReason(), result.toolCalls()));
        putUsage(root.putObject("usage"), result.usage() == null ? new Usage(0, 0, 0, 0, true) : result.usage());
        return json.write(root);
    }

    /**
     * Fills the final {@code usage} object, the same in the non-streaming body (§6.2) and in the streamed
     * {@code message_delta} (§6.3), where the SDKs take the final input count from.
     *
     * @param u     the object to fill: {@code input_tokens}, {@code output_tokens} (negatives clamped to 0) and
     *              the cache fields 0
     * @param usage the turn's usage
     */
    static void putUsage(ObjectNode u, Usage usage) {
        u.put("input_tokens", Math.max(0, usage.promptTokens()));
        u.put("output_tokens", Math.max(0, usage.completionTokens()));
        u.put("cache_creation_input_tokens", 0);
        u.put("cache_read_input_tokens", 0);
    }

    /** Creates the event-stream encoder of client-api.md §6.3 for one response. */
    @Override
    public StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model,
                                       java.util.function.LongSupplier promptTokenEstimate) {
        return new AnthropicMessagesStreamEncoder(json, envelopes, settings, turn,
                Turns.modelId(turn, model, settings), promptTokenEstimate);
    }

    /**
     * The emit-thinking decision (client-api.md §6.2, §9.7, vector 12).
     *
     * @param turn     the request
     * @param thinking the thought text
     * @return true when reasoning was requested and thought text exists
     */
    static boolean emitThinking(ChatTurn turn, String thinking) {
        return turn.reasoningRequested() && thinking != null && !thinking.isEmpty();
    }

    /**
     * @param thinking the thinking text of a block
     * @return {@code lgw1.} + lower-case hex SHA-256 of its UTF-8 bytes (client-api.md §6.2)
     */
    public static String signature(String thinking) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            return "lgw1." + HexFormat.of().formatHex(sha.digest(thinking.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from the JDK", e);
        }
    }

    /**
     * @param reason the internal reason (may be null)
     * @param calls  the tool calls of the answer
     * @return {@code tool_use}, {@code max_tokens}, {@code stop_sequence}, {@code refusal} or {@code end_turn}
     */
    static String stopReason(FinishReason reason, List<ToolCall> calls) {
        if (!calls.isEmpty()) {
            return "tool_use";
        }
        if (reason == null) {
            return "end_turn";
        }
        return switch (reason) {
            case LENGTH -> "max_tokens";
            case STOP_SEQUENCE -> "stop_sequence";
            case CONTENT_FILTER -> "refusal";
            default -> "end_turn";
        };
    }

    /**
     * @return the matched stop sequence for {@code stop_reason:"stop_sequence"}: the request's only stop sequence;
     * null when it cannot be known (several were given) or another reason applies
     */
    static String stopSequence(ChatTurn turn, FinishReason reason, List<ToolCall> calls) {
        if (!"stop_sequence".equals(stopReason(reason, calls)) || turn.stop().size() != 1) {
            return null;
        }
        return turn.stop().get(0);
    }
}
