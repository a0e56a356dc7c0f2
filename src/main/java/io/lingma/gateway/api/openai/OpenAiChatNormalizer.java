package io.lingma.gateway.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ContentExtractor;
import io.lingma.gateway.api.ExtractedContent;
import io.lingma.gateway.api.Fields;
import io.lingma.gateway.api.ReasoningEfforts;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.api.ToolChoices;
import io.lingma.gateway.api.Turns;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Normalises a {@code POST /v1/chat/completions} body into a {@link ChatTurn} (client-api.md §4.1, §9.3, §10.2,
 * §10.3). Thread-safe.
 */
final class OpenAiChatNormalizer {

    private final ApiJson json;
    private final ContentExtractor extractor;

    OpenAiChatNormalizer(ApiJson json, ContentExtractor extractor) {
        this.json = json;
        this.extractor = extractor;
    }

    ChatTurn normalize(ObjectNode body, RequestContext ctx) {
        ApiSettings settings = ctx.settings();
        Integer n = Fields.integer(body.get("n"));
        if (n != null && n > 1) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "n > 1 is not supported", "n", null, null);
        }

        List<String> systemParts = new ArrayList<>();
        List<ChatMessage> messages = messages(body.get("messages"), systemParts);
        Turns.requireUsable(messages);
        String system = String.join("\n\n", systemParts);
        if (settings.responseFormatHint() && jsonResponseFormat(body.get("response_format"))) {
            system = Turns.join(system, Turns.JSON_FORMAT_HINT, "\n\n");
        }

        List<ToolDefinition> tools = tools(body.get("tools"));
        if (tools.isEmpty()) {
            tools = tools(body.get("functions"));
        }
        tools = ToolChoices.allowed(tools, settings.toolsAllowlist());
        JsonNode choiceNode = body.get("tool_choice");
        if (choiceNode == null || choiceNode.isNull()) {
            choiceNode = body.get("function_call");
        }
        ToolChoice choice = ToolChoices.resolve(ToolChoices.parse(choiceNode), tools, settings.toolsAllowlist());

        Integer maxTokens = positive(Fields.integer(body.get("max_tokens")));
        Integer maxCompletion = positive(Fields.integer(body.get("max_completion_tokens")));
        boolean stream = Fields.isTrue(body.get("stream"));
        return new ChatTurn(ctx.requestId(), ApiProtocol.OPENAI_CHAT, Fields.text(body.get("model")), system,
                messages, tools, choice, !Fields.isFalse(body.get("parallel_tool_calls")),
                ReasoningEfforts.fromOpenAi(body.get("reasoning_effort")), stream,
                Fields.isTrue(body.path("stream_options").get("include_usage")),
                Fields.number(body.get("temperature")), maxCompletion != null ? maxCompletion : maxTokens,
                Fields.strings(body.get("stop")), blankToNull(Fields.text(body.get("user"))), ctx.apiKeyScope());
    }

    private List<ChatMessage> messages(JsonNode node, List<String> systemParts) {
        List<ChatMessage> out = new ArrayList<>();
        if (node == null || node.isNull()) {
            return out;
        }
        if (!node.isArray()) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "'messages' must be an array", "messages", null,
                    null);
        }
        Map<String, String> callNames = new HashMap<>();
        List<ToolCall> unanswered = new ArrayList<>();
        for (JsonNode message : node) {
            if (!message.isObject()) {
                continue;
            }
            String role = Fields.text(message.get("role"));
            role = role == null ? "" : role.trim().toLowerCase(Locale.ROOT);
            switch (role) {
                case "system", "developer" -> {
                    String text = extractor.extract(message.get("content")).text();
                    if (!text.isEmpty()) {
                        systemParts.add(text);
                    }
                }
                case "user" -> {
                    ExtractedContent content = extractor.extract(message.get("content"));
                    if (!content.isEmpty()) {
                        out.add(new ChatMessage(ChatRole.USER, content.text(), content.flatText(), content.images(),
                                null, null, false, List.of()));
                    }
                }
                case "assistant" -> {
                    ExtractedContent content = extractor.extract(message.get("content"));
                    List<ToolCall> calls = toolCalls(message);
                    for (ToolCall call : calls) {
                        callNames.put(call.id(), call.name());
                        unanswered.add(call);
                    }
                    if (!content.text().isEmpty() || !calls.isEmpty()) {
                        out.add(new ChatMessage(ChatRole.ASSISTANT, content.text(), content.text(), List.of(),
                                null, null, false, calls));
                    }
                }
                case "tool" -> {
                    String id = Fields.text(message.get("tool_call_id"));
                    if (id == null || id.isBlank()) {
                        continue;
                    }
                    unanswered.removeIf(call -> call.id().equals(id));
                    String name = callNames.getOrDefault(id, blankToNull(Fields.text(message.get("name"))));
                    out.add(toolResult(id, name, message.get("content")));
                }
                case "function" -> {
                    String name = Fields.text(message.get("name"));
                    if (name == null || name.isBlank()) {
                        continue;
                    }
                    // the legacy role has no call id: answer the most recent open call of that name
                    String id = name;
                    for (int i = unanswered.size() - 1; i >= 0; i--) {
                        if (unanswered.get(i).name().equals(name)) {
                            id = unanswered.remove(i).id();
                            break;
                        }
                    }
                    out.add(toolResult(id, name, message.get("content")));
                }
                default -> {
                    // unknown roles are dropped (§9.3)
                }
            }
        }
        return out;
    }

    private ChatMessage toolResult(String id, String name, JsonNode contentNode) {
        ExtractedContent content = extractor.extract(contentNode);
        String text = content.text();
        String flat = content.flatText();
        if (flat.isEmpty()) {
            text = Turns.EMPTY_RESULT;
            flat = Turns.EMPTY_RESULT;
        }
        return new ChatMessage(ChatRole.TOOL, text, flat, content.images(), id, name, false, List.of());
    }

    private List<ToolCall> toolCalls(JsonNode message) {
        List<ToolCall> calls = new ArrayList<>();
        JsonNode toolCalls = message.get("tool_calls");
        if (toolCalls != null && toolCalls.isArray()) {
            for (JsonNode call : toolCalls) {
                JsonNode function = call.path("function");
                String name = Fields.text(function.get("name"));
                if (name == null || name.isBlank()) {
                    continue;
                }
                String id = Fields.text(call.get("id"));
                calls.add(new ToolCall(id == null || id.isBlank() ? name : id, name,
                        json.arguments(function.get("arguments"))));
            }
        }
        JsonNode legacy = message.get("function_call");
        if (legacy != null && legacy.isObject()) {
            String name = Fields.text(legacy.get("name"));
            if (name != null && !name.isBlank()) {
                // legacy calls have no id; the name doubles as one so a later "function" message can answer it
                calls.add(new ToolCall(name, name, json.arguments(legacy.get("arguments"))));
            }
        }
        return calls;
    }

    private static List<ToolDefinition> tools(JsonNode node) {
        List<ToolDefinition> out = new ArrayList<>();
        if (node == null || !node.isArray()) {
            return out;
        }
        for (JsonNode item : node) {
            JsonNode def = item.path("function").isObject() ? item.get("function")
                    : "function".equals(item.path("type").asText()) || !item.has("type") ? item : null;
            if (def == null) {
                continue;
            }
            String name = Fields.text(def.get("name"));
            if (name == null || name.isBlank()) {
                continue;
            }
            JsonNode parameters = def.get("parameters");
            out.add(new ToolDefinition(name.trim(), def.path("description").asText(""),
                    parameters != null && parameters.isObject() ? parameters : null));
        }
        return out;
    }

    private static boolean jsonResponseFormat(JsonNode format) {
        if (format == null || !format.isObject()) {
            return false;
        }
        String type = format.path("type").asText(format.path("format").path("type").asText(""));
        return type.equals("json_object") || type.equals("json_schema");
    }

    private static Integer positive(Integer value) {
        return value != null && value > 0 ? value : null;
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value;
    }
}
