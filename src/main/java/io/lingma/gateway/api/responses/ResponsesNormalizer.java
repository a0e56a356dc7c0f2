package io.lingma.gateway.api.responses;

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
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Normalises a {@code POST /v1/responses} body into a {@link ChatTurn} (client-api.md §5.1, §9.5, §9.7, §10.2,
 * §10.3) and reports the tools it declared ({@link ResponsesTools}). Thread-safe.
 */
final class ResponsesNormalizer {

    /** The 400 message of {@code gateway.responses.previous-response-id=reject} (client-api.md §5.1). */
    static final String PREVIOUS_RESPONSE_ID_REJECTED =
            "previous_response_id is not supported; send the full conversation in input";

    private static final Logger LOG = LoggerFactory.getLogger(ResponsesNormalizer.class);
    // tool_choice object types that name a hosted tool instead of a function (OpenAI ToolChoiceTypes and friends)
    private static final Set<String> CHOICE_MODES = Set.of("", "auto", "none", "required", "any", "function",
            "custom", "tool", "allowed_tools");

    /** One normalised request with the tools it declared. */
    record Normalized(ChatTurn turn, ResponsesTools tools) {
    }

    private final ApiJson json;
    private final ContentExtractor extractor;

    ResponsesNormalizer(ApiJson json, ContentExtractor extractor) {
        this.json = json;
        this.extractor = extractor;
    }

    Normalized normalize(ObjectNode body, RequestContext ctx) {
        ApiSettings settings = ctx.settings();
        Field root = Fields.root(body, Fields.Style.OPENAI);
        previousResponseId(root.get("previous_response_id"), settings, ctx.requestId());

        List<String> systemParts = new ArrayList<>();
        String instructions = extractor.extract(root.get("instructions")).text();
        if (!instructions.isEmpty()) {
            systemParts.add(instructions);
        }
        List<Field> toolLists = new ArrayList<>();
        toolLists.add(root.get("tools"));
        List<ChatMessage> messages = input(root.get("input"), systemParts, toolLists);
        String system = String.join("\n\n", systemParts);
        Field format = root.get("text").expect(Type.OBJECT).get("format").expect(Type.OBJECT);
        if (settings.responseFormatHint() && jsonFormat(format.node())) {
            system = Turns.join(system, Turns.JSON_FORMAT_HINT, "\n\n");
        }

        ResponsesTools declared = ResponsesTools.read(json, toolLists);
        List<ToolDefinition> allowed = ToolChoices.allowed(declared.definitions(), settings.toolsAllowlist());
        ToolChoice choice = ToolChoices.resolve(toolChoice(root.get("tool_choice"), declared), allowed,
                settings.toolsAllowlist());

        // 0 means "not set", as on chat completions (§4.1)
        Integer maxTokens = positive(root.get("max_output_tokens").integer(0));
        Integer legacyMax = positive(root.get("max_tokens").integer(0));
        String user = root.get("user").string();
        Field reasoning = root.get("reasoning").expect(Type.OBJECT);
        ChatTurn turn = new ChatTurn(ctx.requestId(), ApiProtocol.OPENAI_RESPONSES, root.get("model").string(),
                system, messages, allowed, choice, root.get("parallel_tool_calls").flag(true),
                ReasoningEfforts.normalize(reasoning.get("effort").string()),
                root.get("stream").flag(false), false, root.get("temperature").number(),
                maxTokens != null ? maxTokens : legacyMax, root.get("stop").strings(),
                user == null || user.isBlank() ? null : user, ctx.apiKeyScope());
        return new Normalized(turn, declared.retain(allowed));
    }

    private static void previousResponseId(Field field, ApiSettings settings, String requestId) {
        String id = field.string();
        if (id == null || id.isBlank()) {
            return;
        }
        if (settings.responses().previousResponseId() == ApiSettings.PreviousResponseIdPolicy.REJECT) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, PREVIOUS_RESPONSE_ID_REJECTED,
                    "previous_response_id", null, null);
        }
        // there is no response store: the turn runs on what input carries
        LOG.warn("request {}: previous_response_id ignored; the client must send the full conversation", requestId);
    }

    private List<ChatMessage> input(Field input, List<String> systemParts, List<Field> toolLists) {
        JsonNode node = input.node();
        if (input.isAbsent() || (node.isTextual() && node.textValue().isBlank())) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "input is required", "input", null, null);
        }
        if (node.isTextual()) {
            return List.of(ChatMessage.user(node.textValue().strip()));
        }
        List<Field> items;
        if (node.isArray()) {
            items = input.items();
        } else if (node.isObject()) {
            items = List.of(input);
        } else {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "unsupported input format", "input", null, null);
        }
        List<ChatMessage> out = new ArrayList<>();
        Map<String, String> callNames = new HashMap<>();
        for (Field item : items) {
            item(item, out, systemParts, toolLists, callNames);
        }
        if (out.isEmpty()) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "no usable input messages found", "input", null,
                    null);
        }
        return out;
    }

    private void item(Field item, List<ChatMessage> out, List<String> systemParts, List<Field> toolLists,
                      Map<String, String> callNames) {
        JsonNode node = item.require(Type.STRING, Type.OBJECT).node();
        if (node.isTextual()) {
            if (!node.textValue().isBlank()) {
                out.add(ChatMessage.user(node.textValue().strip()));
            }
            return;
        }
        String type = item.get("type").string("");
        switch (type) {
            case "additional_tools" -> toolLists.add(item.get("tools"));
            case "function_call" -> call(out, callNames, item, json.arguments(item.get("arguments").node()));
            case "custom_tool_call" -> {
                // a freeform call travels as the single string argument of its function-shaped definition
                ObjectNode arguments = json.mapper().createObjectNode();
                arguments.put(ResponsesTools.CUSTOM_INPUT, item.get("input").string(""));
                call(out, callNames, item, json.write(arguments));
            }
            case "function_call_output", "custom_tool_call_output" -> {
                String id = item.get("call_id").require(Type.STRING).node().textValue();
                if (!id.isBlank()) {
                    out.add(toolResult(id, callNames.get(id), item.get("output")));
                }
            }
            case "reasoning", "item_reference" -> {
                // reasoning is never replayed and there is no item store to resolve references (§9.5)
            }
            default -> {
                if ("message".equals(type) || !item.get("role").isAbsent() || node.has("content")) {
                    message(item, out, systemParts, callNames);
                }
            }
        }
    }

    private void message(Field item, List<ChatMessage> out, List<String> systemParts,
                         Map<String, String> callNames) {
        String role = item.get("role").string();
        role = role == null || role.isBlank() ? "user" : role.trim().toLowerCase(Locale.ROOT);
        Field content = item.get("content");
        switch (role) {
            case "system", "developer" -> {
                String text = extractor.extract(content).text();
                if (!text.isEmpty()) {
                    systemParts.add(text);
                }
            }
            case "assistant" -> {
                String text = extractor.extract(content).text();
                if (!text.isEmpty()) {
                    out.add(ChatMessage.assistant(text));
                }
            }
            case "tool" -> {
                String id = item.get("tool_call_id").string();
                if (id == null || id.isBlank()) {
                    id = item.get("call_id").string();
                }
                if (id != null && !id.isBlank()) {
                    out.add(toolResult(id, callNames.get(id), content));
                }
            }
            default -> {
                ExtractedContent extracted = extractor.extract(content);
                if (!extracted.text().isEmpty() || !extracted.images().isEmpty()) {
                    out.add(new ChatMessage(ChatRole.USER, extracted.text(), extracted.flatText(),
                            extracted.images(), null, null, false, List.of()));
                }
            }
        }
    }

    // consecutive calls, and an assistant message item right before them, form one assistant turn (§9.5)
    private static void call(List<ChatMessage> out, Map<String, String> callNames, Field item, String arguments) {
        String name = item.get("name").require(Type.STRING).node().textValue();
        if (name.isBlank()) {
            return;
        }
        String id = item.get("call_id").string();
        if (id == null || id.isBlank()) {
            id = item.get("id").string();
        }
        if (id == null || id.isBlank()) {
            id = name;
        }
        ToolCall call = new ToolCall(id, name.trim(), arguments);
        callNames.put(id, call.name());
        ChatMessage last = out.isEmpty() ? null : out.get(out.size() - 1);
        if (last != null && last.role() == ChatRole.ASSISTANT) {
            List<ToolCall> calls = new ArrayList<>(last.toolCalls());
            calls.add(call);
            out.set(out.size() - 1, new ChatMessage(ChatRole.ASSISTANT, last.text(), last.flatText(), List.of(),
                    null, null, false, calls));
        } else {
            out.add(new ChatMessage(ChatRole.ASSISTANT, "", "", List.of(), null, null, false, List.of(call)));
        }
    }

    private ChatMessage toolResult(String id, String name, Field outputField) {
        JsonNode output = outputField.node();
        String text;
        String flat;
        List<ImageInput> images = List.of();
        if (outputField.isAbsent()) {
            text = "";
            flat = "";
        } else if (output.isTextual()) {
            // a string output is the tool's own text: kept as sent (§9.5)
            text = output.textValue();
            flat = text;
        } else if (output.isArray()) {
            ExtractedContent content = extractor.extract(outputField);
            text = content.text();
            flat = content.flatText();
            images = content.images();
        } else {
            text = json.write(output);
            flat = text;
        }
        if (flat.isBlank()) {
            text = Turns.EMPTY_RESULT;
            flat = Turns.EMPTY_RESULT;
        }
        return new ChatMessage(ChatRole.TOOL, text, flat, images, id, name, false, List.of());
    }

    private static ToolChoice toolChoice(Field field, ResponsesTools declared) {
        JsonNode node = field.expect(Type.STRING, Type.OBJECT).node();
        if (node.isObject()) {
            String type = node.path("type").asText("").trim();
            if (!CHOICE_MODES.contains(type)) {
                // forcing a hosted tool (web_search_preview, file_search, mcp, …) cannot be honoured: it was dropped
                throw new GatewayException(ErrorKind.INVALID_REQUEST, "tool_choice forces the unsupported tool type '"
                        + type + "'; only function and custom tools are supported", "tool_choice", null, null);
            }
            if ("allowed_tools".equals(type) && node.path("mode").isTextual()) {
                // Responses puts the mode at the top level: {"type":"allowed_tools","mode":"required","tools":[…]}
                return "required".equals(node.path("mode").textValue())
                        ? new ToolChoice(ToolChoice.Mode.ANY, null) : ToolChoice.AUTO;
            }
        }
        ToolChoice choice = ToolChoices.parse(node);
        if (choice.mode() == ToolChoice.Mode.TOOL && declared.droppedTypes().contains(choice.name())) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST, "tool_choice forces the unsupported tool type '"
                    + choice.name() + "'; only function and custom tools are supported", "tool_choice", null, null);
        }
        return choice;
    }

    private static boolean jsonFormat(JsonNode format) {
        String type = format.path("type").asText("");
        return type.equals("json_object") || type.equals("json_schema");
    }

    private static Integer positive(Integer value) {
        return value != null && value > 0 ? value : null;
    }
}
