package io.lingma.gateway.api.anthropic;

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

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Normalises a {@code POST /v1/messages} body into a {@link ChatTurn} (client-api.md §6.1, §9.4, §10.2, §10.3).
 * Thread-safe.
 */
final class AnthropicMessagesNormalizer {

    private static final String BASH_SCHEMA = """
            {"type":"object","properties":{"command":{"type":"string","description":"The bash command to run."},\
            "restart":{"type":"boolean","description":"Restart the bash session."}},"required":["command"]}""";
    private static final String TEXT_EDITOR_SCHEMA = """
            {"type":"object","properties":{"command":{"type":"string",\
            "enum":["view","create","str_replace","insert","undo_edit"]},\
            "path":{"type":"string","description":"Absolute path of the file or directory."},\
            "file_text":{"type":"string"},"old_str":{"type":"string"},"new_str":{"type":"string"},\
            "insert_line":{"type":"integer"},"view_range":{"type":"array","items":{"type":"integer"}}},\
            "required":["command","path"]}""";

    private final ApiJson json;
    private final ContentExtractor extractor;

    AnthropicMessagesNormalizer(ApiJson json, ContentExtractor extractor) {
        this.json = json;
        this.extractor = extractor;
    }

    ChatTurn normalize(ObjectNode body, RequestContext ctx) {
        ApiSettings settings = ctx.settings();
        Field root = Fields.root(body, Fields.Style.ANTHROPIC);
        List<String> midSystem = new ArrayList<>();
        List<ChatMessage> messages = messages(root.get("messages"), midSystem);
        Turns.requireUsable(messages);
        String system = extractor.extract(root.get("system")).text();
        // role "system" messages (Claude Code's mid-conversation system beta) are hoisted, not lost
        system = Turns.join(system, String.join("\n\n", midSystem), "\n\n");

        Set<String> hosted = new HashSet<>();
        List<ToolDefinition> tools = ToolChoices.allowed(tools(root.get("tools"), hosted), settings.toolsAllowlist());
        Field choiceField = root.get("tool_choice").expect(Type.STRING, Type.OBJECT);
        ToolChoice choice = ToolChoices.parse(choiceField.node());
        if (choice.mode() == ToolChoice.Mode.TOOL && hosted.contains(choice.name())) {
            // a hosted web-search tool is never passed to the model (§6.4), so forcing it cannot be honoured
            choice = ToolChoice.AUTO;
        }
        choice = ToolChoices.resolve(choice, tools, settings.toolsAllowlist());
        boolean parallel = !choiceField.get("disable_parallel_tool_use").flag(false);

        // not required (§6.1); 0 means "not set"
        Integer maxTokens = root.get("max_tokens").integer(0);
        String user = root.get("metadata").expect(Type.OBJECT).get("user_id").string();
        Field thinking = root.get("thinking").expect(Type.OBJECT);
        Field outputConfig = root.get("output_config").expect(Type.OBJECT);
        return new ChatTurn(ctx.requestId(), ApiProtocol.ANTHROPIC_MESSAGES, root.get("model").string(), system,
                messages, tools, choice, parallel,
                ReasoningEfforts.fromAnthropic(thinking.node(), outputConfig.node()),
                root.get("stream").flag(false), false, root.get("temperature").number(),
                maxTokens != null && maxTokens > 0 ? maxTokens : null, root.get("stop_sequences").strings(),
                user == null || user.isBlank() ? null : user, ctx.apiKeyScope());
    }

    private List<ChatMessage> messages(Field node, List<String> midSystem) {
        List<ChatMessage> out = new ArrayList<>();
        if (node.expect(Type.ARRAY).isAbsent()) {
            return out;
        }
        Map<String, String> callNames = new HashMap<>();
        for (Field message : node.items()) {
            if (message.is(Type.STRING)) {
                // a bare string is no message: dropped like an unknown role (§9.4)
                continue;
            }
            message.require(Type.OBJECT);
            String role = message.get("role").require(Type.STRING).node().textValue().trim().toLowerCase(Locale.ROOT);
            Field content = message.get("content");
            switch (role) {
                case "user" -> user(content, callNames, out);
                case "assistant" -> assistant(content, callNames, out);
                case "system" -> {
                    String text = extractor.extract(content).text();
                    if (!text.isEmpty()) {
                        midSystem.add(text);
                    }
                }
                default -> {
                    // other roles are dropped (§9.4)
                }
            }
        }
        return out;
    }

    private void user(Field content, Map<String, String> callNames, List<ChatMessage> out) {
        Blocks blocks = blocks(content, callNames, true);
        if (!blocks.calls.isEmpty()) {
            // a tool_use inside a user turn (mixed history) still belongs to the assistant side, before its results
            out.add(new ChatMessage(ChatRole.ASSISTANT, "", "", List.of(), null, null, false, blocks.calls));
        }
        // tool results answer the previous assistant turn, so they go before the user's own text (§9.4)
        out.addAll(blocks.results);
        ExtractedContent text = blocks.pieces.result();
        if (!text.isEmpty()) {
            out.add(new ChatMessage(ChatRole.USER, text.text(), text.flatText(), text.images(), null, null, false,
                    List.of()));
        }
    }

    private void assistant(Field content, Map<String, String> callNames, List<ChatMessage> out) {
        Blocks blocks = blocks(content, callNames, false);
        String text = blocks.pieces.result().text();
        if (!text.isEmpty() || !blocks.calls.isEmpty()) {
            out.add(new ChatMessage(ChatRole.ASSISTANT, text, text, List.of(), null, null, false, blocks.calls));
        }
        out.addAll(blocks.results);
    }

    /** The blocks of one message sorted by kind, each kind in block order. */
    private record Blocks(ContentExtractor.Pieces pieces, List<ToolCall> calls, List<ChatMessage> results) {
    }

    private Blocks blocks(Field content, Map<String, String> callNames, boolean user) {
        Blocks blocks = new Blocks(new ContentExtractor.Pieces(), new ArrayList<>(), new ArrayList<>());
        if (!content.is(Type.ARRAY)) {
            extractor.collect(content, blocks.pieces);
            return blocks;
        }
        for (Field block : content.items()) {
            String type = block.require(Type.STRING, Type.OBJECT).node().path("type").asText("");
            switch (type) {
                case "tool_use" -> {
                    String name = block.get("name").requiredText();
                    String id = block.get("id").string();
                    ToolCall call = new ToolCall(id == null || id.isBlank() ? name : id, name,
                            json.arguments(block.get("input").node()));
                    callNames.put(call.id(), name);
                    blocks.calls.add(call);
                }
                case "tool_result" -> {
                    ChatMessage result = toolResult(block, callNames);
                    if (result != null) {
                        blocks.results.add(result);
                    }
                }
                default -> {
                    // assistant turns contribute their text only (images, thinking, server tools are skipped)
                    if (user || "text".equals(type) || block.is(Type.STRING)) {
                        extractor.collect(block, blocks.pieces);
                    }
                }
            }
        }
        return blocks;
    }

    private ChatMessage toolResult(Field block, Map<String, String> callNames) {
        String id = block.get("tool_use_id").string();
        if (id == null || id.isBlank()) {
            return null;
        }
        ExtractedContent content = extractor.extract(block.get("content"));
        String text = content.text();
        String flat = content.flatText();
        if (flat.isEmpty()) {
            text = Turns.EMPTY_RESULT;
            flat = Turns.EMPTY_RESULT;
        }
        boolean error = block.get("is_error").flag(false);
        if (error) {
            text = "Error: " + text;
            flat = "Error: " + flat;
        }
        return new ChatMessage(ChatRole.TOOL, text, flat, content.images(), id, callNames.get(id), error, List.of());
    }

    private List<ToolDefinition> tools(Field node, Set<String> hosted) {
        List<ToolDefinition> out = new ArrayList<>();
        for (Field item : node.expect(Type.ARRAY).items()) {
            String name = item.require(Type.OBJECT).get("name").requiredText();
            String type = item.get("type").string("");
            if (type.startsWith("web_search_")) {
                hosted.add(name);
                continue;
            }
            Field schemaField = item.get("input_schema").expect(Type.OBJECT);
            JsonNode schema = schemaField.isAbsent() ? null : schemaField.node();
            if (schema == null) {
                // hosted client tools (bash_*, text_editor_*) arrive without a schema; give the model one (§10.2)
                schema = type.startsWith("bash_") ? json.tryParse(BASH_SCHEMA)
                        : type.startsWith("text_editor_") ? json.tryParse(TEXT_EDITOR_SCHEMA) : null;
            }
            String description = item.get("description").string("");
            out.add(new ToolDefinition(name, description, schema));
        }
        return out;
    }
}
