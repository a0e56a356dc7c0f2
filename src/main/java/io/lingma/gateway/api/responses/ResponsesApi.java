package io.lingma.gateway.api.responses;

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
import io.lingma.gateway.error.GatewayException;

import java.time.Clock;

/**
 * OpenAI Responses ({@code POST /v1/responses}, client-api.md §5): request normalisation (§5.1, §9.5), the
 * {@code response} body (§5.2), the {@code response.*} event stream (§5.4) and the OpenAI error envelope (§2.7).
 * Serves Codex CLI, including its {@code namespace}, {@code custom} (freeform) and {@code additional_tools} tool
 * declarations and its {@code custom_tool_call} round trips; see {@link ResponsesTools} for the mapping. Thread-safe.
 *
 * <p>A tool's Responses kind (freeform {@code custom}) and namespace travel in its {@link
 * io.lingma.gateway.chat.ToolDefinition}, so encoding needs nothing but the turn.
 *
 * <p>Normalisation (client-api.md §5.1, §9.5): {@code instructions} and {@code system} / {@code developer} items
 * become the system text; {@code function_call} / {@code custom_tool_call} items become assistant tool calls
 * (merged with a directly preceding assistant message); {@code function_call_output} /
 * {@code custom_tool_call_output} items become tool messages; {@code reasoning.effort} is the reasoning effort;
 * {@code max_output_tokens} the max tokens. Unknown fields ({@code store}, {@code include},
 * {@code prompt_cache_key}, {@code client_metadata}, {@code text.verbosity}, …) are ignored. It raises
 * {@link GatewayException} 400 {@code input is required}, {@code unsupported input format}, {@code no usable input
 * messages found}, {@code previous_response_id is not supported; send the full conversation in input} (policy
 * {@code reject}), {@code tool_choice forces the unsupported tool type 'X'…}, {@code tool 'X' is not allowed},
 * {@code tool_choice names unknown tool 'X'}, {@code could not load image: …}, and a field of the wrong type, range
 * or missing ({@link io.lingma.gateway.api.Fields}).
 */
public final class ResponsesApi extends AbstractClientApi {

    private final ResponsesOutput output;

    /**
     * @param mapper   the shared mapper
     * @param settings settings ({@code gateway.responses.*}, id generator, allowlist, echo-requested, …)
     */
    public ResponsesApi(ObjectMapper mapper, ApiSettings settings) {
        this(mapper, settings, Clock.systemUTC());
    }

    /**
     * @param mapper   the shared mapper
     * @param settings settings
     * @param clock    source of the {@code created_at} timestamps (seconds)
     */
    public ResponsesApi(ObjectMapper mapper, ApiSettings settings, Clock clock) {
        super(mapper, settings, clock, ApiProtocol.OPENAI_RESPONSES,
                (json, extractor) -> turnOf(new ResponsesNormalizer(json, extractor)));
        this.output = new ResponsesOutput(json, this.settings);
    }

    /**
     * Renders the {@code response} object of client-api.md §5.2: {@code id} {@code resp_} + 24 base62,
     * {@code created_at} in seconds; {@code output} = reasoning item (reasoning requested and thought exists),
     * message item (non-empty text, unless {@code drop-text-with-tool-calls} and calls exist), then one
     * {@code function_call} ({@code custom_tool_call} for freeform tools) per call with item id {@code fc_…}
     * ({@code ctc_…}); {@code status} {@code completed}, or {@code incomplete} with
     * {@code incomplete_details.reason:"max_output_tokens"} for a length stop; {@code output_text}; {@code usage}
     * in tokens with {@code input_tokens_details.cached_tokens} and {@code output_tokens_details.reasoning_tokens}.
     */
    @Override
    public String encodeResult(ChatTurn turn, ChatResult result) {
        ResponsesTools tools = tools(turn);
        ResponsesOutput.ResponseIds ids = new ResponsesOutput.ResponseIds(settings);
        ToolIds callIds = toolIds();
        ArrayNode items = json.mapper().createArrayNode();
        if (turn.reasoningRequested() && !result.thinking().isEmpty()) {
            items.add(output.reasoning(ids.next("rs"), "completed", result.thinking()));
        }
        if (!result.text().isEmpty() && !output.dropText(result.toolCalls())) {
            items.add(output.message(ids.next("msg"), "completed", result.text()));
        }
        for (ToolCall call : result.toolCalls()) {
            items.add(output.call(call, callIds.openAi(call.id()), tools, true));
        }
        boolean length = result.finishReason() == FinishReason.LENGTH && result.toolCalls().isEmpty();
        ObjectNode root = output.response(ids.response(), clock.instant().getEpochSecond(),
                Turns.modelId(turn, result.model(), settings), turn, tools, length ? "incomplete" : "completed",
                items);
        root.set("usage", output.usage(result.usage()));
        return json.write(root);
    }

    /** Creates the {@code response.*} event-stream encoder of client-api.md §5.4 for one response. */
    @Override
    public StreamEncoder streamEncoder(ChatTurn turn, ResolvedModel model,
                                       java.util.function.LongSupplier promptTokenEstimate) {
        return new ResponsesStreamEncoder(json, settings, output, turn, tools(turn),
                Turns.modelId(turn, model, settings), clock.instant().getEpochSecond(), promptTokenEstimate);
    }

    private static BodyNormalizer turnOf(ResponsesNormalizer normalizer) {
        return (body, ctx) -> normalizer.normalize(body, ctx).turn();
    }

    private static ResponsesTools tools(ChatTurn turn) {
        return ResponsesTools.of(turn.tools());
    }
}
