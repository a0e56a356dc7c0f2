package io.lingma.gateway.api.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ContentExtractor;
import io.lingma.gateway.api.ExtractedContent;
import io.lingma.gateway.api.Fields;
import io.lingma.gateway.api.Fields.Field;
import io.lingma.gateway.api.Fields.Type;
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
        Field root = Fields.root(body, Fields.Style.OPENAI);
        Integer n = root.get("n").integer(0);
        if (n != null && n > 1) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "n > 1 is not supported", "n", null, null);
        }

        List<String> systemParts = new ArrayList<>();
        List<ChatMessage> messages = messages(root.get("messages"), systemParts);
        Turns.requireUsable(messages);
        String system = String.join("\n\n", systemParts);
        Field format = root.get("response_format").expect(Type.OBJECT);
        if (settings.responseFormatHint() && jsonResponseFormat(format.node())) {
            system = Turns.join(system, Turns.JSON_FORMAT_HINT, "\n\n");
        }

        List<ToolDefinition> tools = tools(root.get("tools"));
        List<ToolDefinition> functions = tools(root.get("functions"));
        if (tools.isEmpty()) {
            tools = functions;
        }
        tools = ToolChoices.allowed(tools, settings.toolsAllowlist());
        Field choiceField = root.get("tool_choice").expect(Type.STRING, Type.OBJECT);
        if (choiceField.isAbsent()) {
            choiceField = root.get("function_call").expect(Type.STRING, Type.OBJECT);
        }
        ToolChoice choice = ToolChoices.resolve(ToolChoices.parse(choiceField.node()), tools,
                settings.toolsAllowlist());

        // 0 means "not set" (§4.1: max_completion_tokens wins only when > 0)
        Integer maxTokens = positive(root.get("max_tokens").integer(0));
        Integer maxCompletion = positive(root.get("max_completion_tokens").integer(0));
        boolean stream = root.get("stream").flag(false);
        Field streamOptions = root.get("stream_options").expect(Type.OBJECT);
        return new ChatTurn(ctx.requestId(), ApiProtocol.OPENAI_CHAT, root.get("model").string(), system,
                messages, tools, choice, root.get("parallel_tool_calls").flag(true),
                ReasoningEfforts.normalize(root.get("reasoning_effort").string()), stream,
                streamOptions.get("include_usage").flag(false), root.get("temperature").number(),
                maxCompletion != null ? maxCompletion : maxTokens, root.get("stop").strings(),
                blankToNull(root.get("user").string()), ctx.apiKeyScope());
    }

    private List<ChatMessage> messages(Field node, List<String> systemParts) {
        List<ChatMessage> out = new ArrayList<>();
        if (node.expect(Type.ARRAY).isAbsent()) {
            return out;
        }
        Map<String, String> callNames = new HashMap<>();
        List<ToolCall> unanswered = new ArrayList<>();
        for (Field message : node.items()) {
            if (message.is(Type.STRING)) {
                // a bare string is no message: dropped like an unknown role (§9.3)
                continue;
            }
            message.require(Type.OBJECT);
            String role = message.get("role").require(Type.STRING).node().textValue().trim().toLowerCase(Locale.ROOT);
            Field contentField = message.get("content");
            switch (role) {
                case "system", "developer" -> {
                    String text = extractor.extract(contentField).text();
                    if (!text.isEmpty()) {
                        systemParts.add(text);
                    }
                }
                case "user" -> {
                    ExtractedContent content = extractor.extract(contentField);
                    if (!content.isEmpty()) {
                        out.add(new ChatMessage(ChatRole.USER, content.text(), content.flatText(), content.images(),
                                null, null, false, List.of()));
                    }
                }
                case "assistant" -> {
                    ExtractedContent content = extractor.extract(contentField);
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
                    String id = message.get("tool_call_id").string();
                    if (id == null || id.isBlank()) {
                        continue;
                    }
                    unanswered.removeIf(call -> call.id().equals(id));
                    String name = callNames.getOrDefault(id, blankToNull(message.get("name").string()));
                    out.add(toolResult(id, name, contentField));
                }
                case "function" -> {
                    String name = message.get("name").string();
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
                    out.add(toolResult(id, name, contentField));
                }
                default -> {
                    // unknown roles are dropped (§9.3)
                }
            }
        }
        return out;
    }

    private ChatMessage toolResult(String id, String name, Field contentField) {
        ExtractedContent content = extractor.extract(contentField);
        String text = content.text();
        String flat = content.flatText();
        if (flat.isEmpty()) {
            text = Turns.EMPTY_RESULT;
            flat = Turns.EMPTY_RESULT;
        }
        return new ChatMessage(ChatRole.TOOL, text, flat, content.images(), id, name, false, List.of());
    }

    private List<ToolCall> toolCalls(Field message) {
        List<ToolCall> calls = new ArrayList<>();
        for (Field call : message.get("tool_calls").expect(Type.ARRAY).items()) {
            Field function = call.require(Type.OBJECT).get("function").require(Type.OBJECT);
            String name = function.get("name").require(Type.STRING).node().textValue();
            if (name.isBlank()) {
                continue;
            }
            String id = call.get("id").string();
            calls.add(new ToolCall(id == null || id.isBlank() ? name : id, name,
                    json.arguments(function.get("arguments").node())));
        }
        Field legacy = message.get("function_call").expect(Type.OBJECT);
        if (!legacy.isAbsent()) {
            String name = legacy.get("name").require(Type.STRING).node().textValue();
            if (!name.isBlank()) {
                // legacy calls have no id; the name doubles as one so a later "function" message can answer it
                calls.add(new ToolCall(name, name, json.arguments(legacy.get("arguments").node())));
            }
        }
        return calls;
    }

    private static List<ToolDefinition> tools(Field node) {
        List<ToolDefinition> out = new ArrayList<>();
        for (Field item : node.expect(Type.ARRAY).items()) {
            item.require(Type.OBJECT);
            Field nested = item.get("function").expect(Type.OBJECT);
            String type = item.get("type").string();
            Field def = !nested.isAbsent() ? nested : type == null || "function".equals(type) ? item : null;
            if (def == null) {
                // other tool types (web_search, custom, …) are not function tools: dropped (§10.2)
                continue;
            }
            String name = def.get("name").requiredText();
            Field parameters = def.get("parameters").expect(Type.OBJECT);
            String description = def.get("description").string("");
            out.add(new ToolDefinition(name, description,
                    parameters.isAbsent() ? null : parameters.node()));
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
