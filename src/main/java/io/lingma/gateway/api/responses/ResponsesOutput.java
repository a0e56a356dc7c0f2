package io.lingma.gateway.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.GatewayException;

import java.util.List;

/**
 * Builders of the Responses objects shared by the non-streaming body and the stream (client-api.md §5.2, §5.4):
 * the {@code response} object, its output items ({@code reasoning}, {@code message}, {@code function_call},
 * {@code custom_tool_call}) and {@code usage}. Thread-safe.
 */
final class ResponsesOutput {

    private final ApiJson json;
    private final ApiSettings settings;

    ResponsesOutput(ApiJson json, ApiSettings settings) {
        this.json = json;
        this.settings = settings;
    }

    /** Ids of one response: random, or numbered per response with {@code gateway.tools.id-generator=sequential}. */
    static final class ResponseIds {
        private final boolean sequential;
        private int next = 1;

        ResponseIds(ApiSettings settings) {
            this.sequential = settings.toolIdGenerator() == ApiSettings.ToolIdGenerator.SEQUENTIAL;
        }

        /** @return {@code <prefix>_} + 24 base62 ({@code <prefix>_1}, … when sequential) */
        String next(String prefix) {
            return sequential ? prefix + "_" + next++ : Ids.base62(prefix + "_", 24);
        }

        /** @return the response id, {@code resp_} + 24 base62 ({@code resp_1} when sequential) */
        String response() {
            return sequential ? "resp_1" : Ids.base62("resp_", 24);
        }
    }

    /**
     * The item id of a call: {@code fc_} (functions) or {@code ctc_} (freeform) + the call id without its
     * {@code call_} prefix (client-api.md §5.2, §10.6).
     */
    static String itemId(String callId, boolean custom) {
        String bare = callId.startsWith("call_") ? callId.substring("call_".length()) : callId;
        return (custom ? "ctc_" : "fc_") + bare;
    }

    /**
     * The {@code response} object without {@code usage}.
     *
     * @param id        {@code resp_…}
     * @param createdAt seconds since the epoch
     * @param model     the model id to report (client-api.md §3.4)
     * @param turn      the request (tool choice, parallel calls, temperature, max tokens)
     * @param tools     the request's tools (freeform names for the tool choice)
     * @param status    {@code in_progress}, {@code completed}, {@code incomplete} or {@code failed}
     * @param output    the output items (copied by reference)
     * @return the object
     */
    ObjectNode response(String id, long createdAt, String model, ChatTurn turn, ResponsesTools tools, String status,
                        ArrayNode output) {
        ObjectNode root = json.mapper().createObjectNode();
        root.put("id", id);
        root.put("object", "response");
        root.put("created_at", createdAt);
        root.put("status", status);
        root.putNull("error");
        if ("incomplete".equals(status)) {
            root.putObject("incomplete_details").put("reason", "max_output_tokens");
        } else {
            root.putNull("incomplete_details");
        }
        root.putNull("instructions");
        if (turn.maxTokens() != null) {
            root.put("max_output_tokens", turn.maxTokens());
        } else {
            root.putNull("max_output_tokens");
        }
        root.putObject("metadata");
        root.put("model", model);
        root.set("output", output);
        root.put("output_text", outputText(output));
        root.put("parallel_tool_calls", turn.parallelToolCalls());
        root.put("store", false);
        if (turn.temperature() != null) {
            root.put("temperature", turn.temperature());
        } else {
            root.putNull("temperature");
        }
        root.set("tool_choice", toolChoice(turn.toolChoice(), tools));
        // the declared tools are not echoed: Codex ignores them and they would repeat ~60 KB in three events
        root.putArray("tools");
        root.putNull("top_p");
        return root;
    }

    /**
     * @param e the failure
     * @return {@code {"code","message"}} with code {@code rate_limit_exceeded}, {@code upstream_timeout} or
     * {@code server_error} (client-api.md §5.4)
     */
    ObjectNode error(GatewayException e) {
        String code = switch (e.kind()) {
            case RATE_LIMITED, UPSTREAM_QUOTA -> "rate_limit_exceeded";
            case UPSTREAM_TIMEOUT -> "upstream_timeout";
            default -> "server_error";
        };
        ObjectNode error = json.mapper().createObjectNode();
        error.put("code", code);
        error.put("message", e.getMessage() == null ? code : e.getMessage());
        return error;
    }

    /**
     * @param usage token usage (null = zeros)
     * @return {@code {"input_tokens","input_tokens_details":{"cached_tokens","cache_write_tokens"},"output_tokens",
     * "output_tokens_details":{"reasoning_tokens"},"total_tokens"}}
     */
    ObjectNode usage(Usage usage) {
        Usage u = usage == null ? new Usage(0, 0, 0, 0, true) : usage;
        long input = Math.max(0, u.promptTokens());
        long output = Math.max(0, u.completionTokens());
        ObjectNode node = json.mapper().createObjectNode();
        node.put("input_tokens", input);
        // cache_write_tokens: required by current OpenAI SDK models; Lingma reports no cache writes
        node.putObject("input_tokens_details").put("cached_tokens", Math.max(0, u.cachedTokens()))
                .put("cache_write_tokens", 0);
        node.put("output_tokens", output);
        node.putObject("output_tokens_details").put("reasoning_tokens", Math.max(0, u.reasoningTokens()));
        node.put("total_tokens", input + output);
        return node;
    }

    /**
     * @param id     {@code rs_…}
     * @param status {@code in_progress}, {@code completed} or {@code incomplete}
     * @param text   the summary text, or null for an empty summary list
     * @return a {@code reasoning} item
     */
    ObjectNode reasoning(String id, String status, String text) {
        ObjectNode item = json.mapper().createObjectNode();
        item.put("id", id);
        item.put("type", "reasoning");
        item.put("status", status);
        ArrayNode summary = item.putArray("summary");
        if (text != null) {
            summary.add(summaryPart(text));
        }
        return item;
    }

    /** @return {@code {"type":"summary_text","text":…}} */
    ObjectNode summaryPart(String text) {
        return json.mapper().createObjectNode().put("type", "summary_text").put("text", text);
    }

    /**
     * @param id     {@code msg_…}
     * @param status {@code in_progress}, {@code completed} or {@code incomplete}
     * @param text   the text, or null for an empty content list
     * @return an assistant {@code message} item
     */
    ObjectNode message(String id, String status, String text) {
        ObjectNode item = json.mapper().createObjectNode();
        item.put("id", id);
        item.put("type", "message");
        item.put("status", status);
        item.put("role", "assistant");
        ArrayNode content = item.putArray("content");
        if (text != null) {
            content.add(textPart(text));
        }
        return item;
    }

    /** @return {@code {"type":"output_text","text":…,"annotations":[]}} */
    ObjectNode textPart(String text) {
        ObjectNode part = json.mapper().createObjectNode().put("type", "output_text").put("text", text);
        part.putArray("annotations");
        return part;
    }

    /**
     * A call item: {@code function_call} ({@code arguments}, {@code status}) or, for a freeform tool,
     * {@code custom_tool_call} ({@code input}); with {@code namespace} when the tool was declared in one.
     *
     * @param call     the call (its declared name)
     * @param callId   the call id ({@code call_…})
     * @param tools    the request's tools
     * @param complete false for the {@code output_item.added} form (empty arguments / input, in progress)
     * @return the item
     */
    ObjectNode call(ToolCall call, String callId, ResponsesTools tools, boolean complete) {
        boolean custom = tools.isCustom(call.name());
        ObjectNode item = json.mapper().createObjectNode();
        item.put("type", custom ? "custom_tool_call" : "function_call");
        item.put("id", itemId(callId, custom));
        item.put("call_id", callId);
        item.put("name", call.name());
        String namespace = tools.namespaceOf(call.name());
        if (namespace != null) {
            item.put("namespace", namespace);
        }
        if (custom) {
            item.put("input", complete ? customInput(call.arguments()) : "");
        } else {
            item.put("arguments", complete ? arguments(call) : "");
            item.put("status", complete ? "completed" : "in_progress");
        }
        return item;
    }

    /** @return the call's arguments JSON text ({@code {}} when absent) */
    static String arguments(ToolCall call) {
        return call.arguments() == null ? "{}" : call.arguments();
    }

    /**
     * The freeform text of a call of a {@code custom} tool: the string argument {@code input}; else the only
     * string argument; else the raw arguments text.
     *
     * @param arguments the call's arguments
     * @return the text for {@code custom_tool_call.input}
     */
    String customInput(String arguments) {
        JsonNode parsed = json.tryParse(arguments);
        if (parsed != null && parsed.isObject()) {
            JsonNode input = parsed.get(ResponsesTools.CUSTOM_INPUT);
            if (input != null && input.isTextual()) {
                return input.textValue();
            }
            if (parsed.size() == 1 && parsed.elements().next().isTextual()) {
                return parsed.elements().next().textValue();
            }
        }
        return arguments == null ? "" : arguments;
    }

    /**
     * @param choice the request's tool choice
     * @param tools  the request's tools
     * @return {@code "auto"}, {@code "none"}, {@code "required"} or {@code {"type":"function"|"custom","name":X}}
     */
    JsonNode toolChoice(ToolChoice choice, ResponsesTools tools) {
        return switch (choice.mode()) {
            case NONE -> json.mapper().getNodeFactory().textNode("none");
            case ANY -> json.mapper().getNodeFactory().textNode("required");
            case TOOL -> json.mapper().createObjectNode()
                    .put("type", tools.isCustom(choice.name()) ? "custom" : "function").put("name", choice.name());
            default -> json.mapper().getNodeFactory().textNode("auto");
        };
    }

    /** @return whether the text of an answer with these calls is dropped ({@code drop-text-with-tool-calls}) */
    boolean dropText(List<ToolCall> calls) {
        return settings.responses().dropTextWithToolCalls() && !calls.isEmpty();
    }

    // the SDKs' convenience field: the text of all output_text parts of message items, concatenated
    private static String outputText(ArrayNode output) {
        StringBuilder text = new StringBuilder();
        for (JsonNode item : output) {
            if ("message".equals(item.path("type").asText())) {
                for (JsonNode part : item.path("content")) {
                    if ("output_text".equals(part.path("type").asText())) {
                        text.append(part.path("text").asText(""));
                    }
                }
            }
        }
        return text.toString();
    }
}
