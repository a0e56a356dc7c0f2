package io.lingma.gateway.api.openai;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.AbstractClientApi;
import io.lingma.gateway.api.ApiJson;
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

import java.time.Clock;
import java.util.List;

/**
 * OpenAI Chat Completions ({@code POST /v1/chat/completions}, client-api.md §4): request normalisation (§4.1,
 * §9.3), the {@code chat.completion} body (§4.2), {@code chat.completion.chunk} streams (§4.3, §4.4) and the OpenAI
 * error envelope (§2.7). Thread-safe.
 *
 * <p>Normalisation raises {@link GatewayException} 400 {@code n > 1 is not supported}, {@code no user or assistant
 * messages found}, {@code no user message found in request}, {@code tool 'X' is not allowed}, {@code tool_choice
 * names unknown tool 'X'}, {@code could not load image: …}, and a field of the wrong type, range or missing
 * ({@link io.lingma.gateway.api.Fields}).
 */
public final class OpenAiChatApi extends AbstractClientApi {

    /**
     * @param mapper   the shared mapper
     * @param settings settings used by the encoders ({@code expose-reasoning}, id generator, echo-requested)
     */
    public OpenAiChatApi(ObjectMapper mapper, ApiSettings settings) {
        this(mapper, settings, Clock.systemUTC());
    }

    /**
     * @param mapper   the shared mapper
     * @param settings settings used by the encoders
     * @param clock    source of the {@code created} timestamps (seconds)
     */
    public OpenAiChatApi(ObjectMapper mapper, ApiSettings settings, Clock clock) {
        super(mapper, settings, clock, ApiProtocol.OPENAI_CHAT,
                (json, extractor) -> new OpenAiChatNormalizer(json, extractor)::normalize);
    }

    /**
     * Renders the {@code chat.completion} object of client-api.md §4.2: {@code id} {@code chatcmpl-} + 24 base62,
     * {@code created} in seconds, {@code model} the public id of the model used, {@code message.content} null when
     * empty with tool calls, {@code reasoning_content} when thought exists and is exposed, {@code finish_reason},
     * {@code usage} in tokens.
     */
    @Override
    public String encodeResult(ChatTurn turn, ChatResult result) {
        ToolIds ids = toolIds();
        ObjectNode root = answerRoot("chatcmpl-", 24);
        root.put("object", "chat.completion");
        root.put("created", clock.instant().getEpochSecond());
        root.put("model", Turns.modelId(turn, result.model(), settings));
        ObjectNode choice = root.putArray("choices").addObject();
        choice.put("index", 0);
        ObjectNode message = choice.putObject("message");
        message.put("role", "assistant");
        if (result.text().isEmpty() && !result.toolCalls().isEmpty()) {
            message.putNull("content");
        } else {
            message.put("content", result.text());
        }
        if (settings.openAiExposeReasoning() && !result.thinking().isEmpty()) {
            message.put("reasoning_content", result.thinking());
        }
        if (!result.toolCalls().isEmpty()) {
            ArrayNode calls = message.putArray("tool_calls");
            for (ToolCall call : result.toolCalls()) {
                calls.add(toolCall(json, call, ids.openAi(call.id())));
            }
        }
        choice.putNull("logprobs");
        choice.put("finish_reason", finishReason(result.finishReason(), result.toolCalls()));
        root.set("usage", usage(json, result.usage()));
        return json.write(root);
    }

    /**
     * Creates the {@code chat.completion.chunk} encoder of client-api.md §4.3/§4.4 for one response.
     */
    @Override
    public StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model,
                                       java.util.function.LongSupplier promptTokenEstimate) {
        return new OpenAiChatStreamEncoder(json, envelopes, settings, turn, Turns.modelId(turn, model, settings),
                clock.instant().getEpochSecond(), promptTokenEstimate);
    }

    /**
     * @param reason the internal reason (may be null)
     * @param calls  the tool calls of the answer
     * @return {@code tool_calls} when there are calls, {@code length}, {@code content_filter}, else {@code stop}
     */
    static String finishReason(FinishReason reason, List<ToolCall> calls) {
        if (!calls.isEmpty()) {
            return "tool_calls";
        }
        if (reason == null) {
            return "stop";
        }
        return switch (reason) {
            case LENGTH -> "length";
            case CONTENT_FILTER -> "content_filter";
            default -> "stop";
        };
    }

    /** @return {@code {"id","type":"function","function":{"name","arguments"}}} for one call */
    static ObjectNode toolCall(ApiJson json, ToolCall call, String id) {
        ObjectNode node = json.mapper().createObjectNode();
        node.put("id", id);
        node.put("type", "function");
        ObjectNode function = node.putObject("function");
        function.put("name", call.name());
        function.put("arguments", call.arguments() == null ? "{}" : call.arguments());
        return node;
    }

    /**
     * @return {@code {"prompt_tokens","completion_tokens","total_tokens"}} plus
     * {@code prompt_tokens_details.cached_tokens} and {@code completion_tokens_details.reasoning_tokens} when &gt; 0
     */
    static ObjectNode usage(ApiJson json, Usage usage) {
        Usage u = usage == null ? new Usage(0, 0, 0, 0, true) : usage;
        ObjectNode node = json.mapper().createObjectNode();
        node.put("prompt_tokens", Math.max(0, u.promptTokens()));
        node.put("completion_tokens", Math.max(0, u.completionTokens()));
        node.put("total_tokens", Math.max(0, u.promptTokens()) + Math.max(0, u.completionTokens()));
        if (u.cachedTokens() > 0) {
            node.putObject("prompt_tokens_details").put("cached_tokens", u.cachedTokens());
        }
        if (u.reasoningTokens() > 0) {
            node.putObject("completion_tokens_details").put("reasoning_tokens", u.reasoningTokens());
        }
        return node;
    }
}
