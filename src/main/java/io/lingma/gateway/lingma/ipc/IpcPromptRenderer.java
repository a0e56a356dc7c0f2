package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.error.GatewayException;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Renders the prompt text sent in {@code session/prompt} (client-api.md §9.8, §9.7, §9.6; lingma-ipc.md §6.2).
 *
 * <ul>
 *   <li>Template 1 — no system text and exactly one message: the raw user text.</li>
 *   <li>Template 2 — tools declared (also with {@code tool_choice} none): the transcript, then the system text
 *       (with the tool contract, when given) last, then {@code Assistant:}.</li>
 *   <li>Template 3 — otherwise: {@code System instructions:} + system text, {@code Conversation transcript:} +
 *       turns, then the closing instruction.</li>
 * </ul>
 * Turns are labelled {@code User:}/{@code Assistant:}; body lines that start with a label get one leading space;
 * earlier tool calls are shown as {@code ```json action} blocks; consecutive tool results form one user turn
 * followed by one continuation paragraph. Stateless and thread-safe.
 */
public final class IpcPromptRenderer {

    /** Marker every reasoning hint starts with: {@code [reasoning: <level>]}. */
    public static final String REASONING_MARKER = "[reasoning: ";
    /** Paragraph after grouped tool results (our own wording, client-api.md §9.8). */
    public static final String CONTINUATION = "Continue from these tool results. If they already answer the request, "
            + "reply directly. Call another tool only to obtain a specific fact that is still missing, and do not "
            + "repeat a call whose result is shown above.";
    /** Closing instruction of template 3 (client-api.md §9.8). */
    public static final String CLOSING = "Reply as the assistant to the latest user message only. Follow the system "
            + "instructions and prior transcript naturally.";
    /** Image-only fallback with a previous user text (client-api.md §9.6). */
    public static final String IMAGE_WITH_PREVIOUS = "请只根据图片内容回答用户这条问题，忽略更早的对话历史：";
    /** Image-only fallback with the system text (client-api.md §9.6). */
    public static final String IMAGE_WITH_SYSTEM = "请只根据图片内容回答这条要求：";
    /** Image-only fallback without any text (client-api.md §9.6). */
    public static final String IMAGE_DESCRIBE = "请描述这张图片的主要内容。";

    private static final String USER = "User:";
    private static final String ASSISTANT = "Assistant:";

    private final ObjectMapper mapper;

    /** @param mapper the shared JSON mapper (renders action blocks compactly, key order kept) */
    public IpcPromptRenderer(ObjectMapper mapper) {
        this.mapper = mapper;
    }

    /**
     * Renders the full prompt for a fresh session (client-api.md §9.8).
     *
     * @param turn         the request
     * @param toolContract the tool contract of client-api.md §10.4 to append to the system text, or null when tool
     *                     emulation does not apply
     * @return the prompt text
     * @throws GatewayException 400 when the turn has no user message
     */
    public String render(ChatTurn turn, String toolContract) {
        String system = systemText(turn, toolContract);
        List<ChatMessage> messages = turn.messages();
        if (system.isEmpty() && messages.size() == 1) {
            return lastUserText(turn);
        }
        List<String> turns = renderTurns(turn);
        List<String> parts = new ArrayList<>();
        if (!turn.tools().isEmpty()) {
            parts.addAll(turns);
            if (!system.isEmpty()) {
                parts.add(system);
            }
            parts.add(ASSISTANT);
        } else {
            if (!system.isEmpty()) {
                parts.add("System instructions:");
                parts.add(system);
            }
            parts.add("Conversation transcript:");
            parts.addAll(turns);
            parts.add(CLOSING);
        }
        return String.join("\n\n", parts);
    }

    /**
     * The newest user text, used as the whole prompt in {@code reuse} mode and on a session-cache hit
     * (client-api.md §9.8): the text of the newest user message; when it has none but has images, the image-only
     * fallback of §9.6; else its flat text.
     *
     * @param turn the request
     * @return the text
     * @throws GatewayException 400 when the turn has no user message
     */
    public String lastUserText(ChatTurn turn) {
        int index = lastUserIndex(turn);
        ChatMessage m = turn.messages().get(index);
        if (!m.text().isBlank()) {
            return m.text();
        }
        if (!m.images().isEmpty()) {
            return imageOnlyFallback(turn, index);
        }
        return m.flatText();
    }

    /**
     * System text = reasoning hint (§9.7) + blank line + client system text; the tool contract is appended after
     * {@code \n\n---\n\n} when client system text exists, else after a blank line.
     *
     * @param turn         the request
     * @param toolContract the tool contract, or null
     * @return the system text, empty when there is none
     */
    public String systemText(ChatTurn turn, String toolContract) {
        String hint = reasoningHint(turn.reasoningEffort());
        String client = turn.system().strip();
        StringBuilder sb = new StringBuilder();
        if (hint != null) {
            sb.append(hint);
        }
        if (!client.isEmpty()) {
            if (sb.length() > 0) {
                sb.append("\n\n");
            }
            sb.append(client);
        }
        if (toolContract != null && !toolContract.isBlank()) {
            if (sb.length() > 0) {
                sb.append(client.isEmpty() ? "\n\n" : "\n\n---\n\n");
            }
            sb.append(toolContract.strip());
        }
        return sb.toString();
    }

    /**
     * The reasoning hint of client-api.md §9.7, in our own wording.
     *
     * @param effort {@code low}, {@code medium}, {@code high}, another value, or null
     * @return the hint starting with {@code [reasoning: <level>]}, or null when reasoning was not requested
     */
    public static String reasoningHint(String effort) {
        if (effort == null || effort.isBlank()) {
            return null;
        }
        String privacy = " Keep your private chain of thought out of the answer; give only the result.";
        return switch (effort.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "low" -> REASONING_MARKER + "low] Think briefly but deliberately before you answer." + privacy;
            case "high" -> REASONING_MARKER + "high] Think with extra care: weigh alternatives and check each step "
                    + "before you answer." + privacy;
            default -> REASONING_MARKER + "medium] Think carefully before you answer." + privacy;
        };
    }

    /**
     * @param turn the request
     * @return index of the newest user message that carries images, or -1 (client-api.md §9.6 IPC delivery)
     */
    public static int newestImageTurn(ChatTurn turn) {
        List<ChatMessage> messages = turn.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatRole.USER && !messages.get(i).images().isEmpty()) {
                return i;
            }
        }
        return -1;
    }

    /**
     * @param turn the request
     * @return the images of the newest image-bearing user message (possibly older than the last user message);
     * empty when none
     */
    public static List<ImageInput> newestImages(ChatTurn turn) {
        int index = newestImageTurn(turn);
        return index < 0 ? List.of() : turn.messages().get(index).images();
    }

    /**
     * Prefixes every line that starts with {@code User:} or {@code Assistant:} with one space.
     *
     * @param body message body
     * @return the escaped body
     */
    static String escape(String body) {
        if (!body.contains(USER) && !body.contains(ASSISTANT)) {
            return body;
        }
        String[] lines = body.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].startsWith(USER) || lines[i].startsWith(ASSISTANT)) {
                lines[i] = " " + lines[i];
            }
        }
        return String.join("\n", lines);
    }

    private List<String> renderTurns(ChatTurn turn) {
        List<ChatMessage> messages = turn.messages();
        int lastUser = lastUserIndex(turn);
        Map<String, String> callNames = new HashMap<>();
        List<String> turns = new ArrayList<>();
        List<ChatMessage> toolGroup = new ArrayList<>();
        for (int i = 0; i < messages.size(); i++) {
            ChatMessage m = messages.get(i);
            if (m.role() == ChatRole.TOOL) {
                toolGroup.add(m);
                continue;
            }
            flushTools(toolGroup, callNames, turns);
            if (m.role() == ChatRole.USER) {
                String body = i == lastUser && m.text().isBlank() && !m.images().isEmpty()
                        ? imageOnlyFallback(turn, i) : m.flatText();
                turns.add(USER + " " + escape(body));
            } else {
                turns.add(renderAssistant(m, callNames));
            }
        }
        flushTools(toolGroup, callNames, turns);
        return turns;
    }

    private String renderAssistant(ChatMessage m, Map<String, String> callNames) {
        StringBuilder sb = new StringBuilder(ASSISTANT);
        if (!m.text().isEmpty()) {
            sb.append(' ').append(escape(m.text()));
        }
        for (ToolCall call : m.toolCalls()) {
            if (call.id() != null) {
                callNames.put(call.id(), call.name());
            }
            sb.append("\n```json action\n").append(actionJson(call)).append("\n```");
        }
        return sb.toString();
    }

    private String actionJson(ToolCall call) {
        ObjectNode action = mapper.createObjectNode();
        action.put("tool", call.name());
        String args = call.arguments() == null ? "" : call.arguments().strip();
        JsonNode parameters;
        if (args.isEmpty()) {
            parameters = mapper.createObjectNode();
        } else {
            try {
                parameters = mapper.readTree(args);
            } catch (JsonProcessingException e) {
                parameters = mapper.getNodeFactory().textNode(args);
            }
        }
        action.set("parameters", parameters == null ? mapper.createObjectNode() : parameters);
        try {
            return mapper.writeValueAsString(action);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot render a tool call", e);
        }
    }

    private void flushTools(List<ChatMessage> group, Map<String, String> callNames, List<String> turns) {
        if (group.isEmpty()) {
            return;
        }
        List<String> results = new ArrayList<>();
        for (ChatMessage t : group) {
            String name = t.toolName() != null && !t.toolName().isBlank() ? t.toolName()
                    : callNames.get(t.toolCallId());
            String body = t.flatText().isBlank() ? "(empty result)" : t.flatText();
            results.add(header(t.toolCallId(), name, t.error()) + "\n" + escape(body));
        }
        turns.add(USER + " " + String.join("\n\n", results) + "\n\n" + CONTINUATION);
        group.clear();
    }

    private static String header(String id, String name, boolean error) {
        StringBuilder sb = new StringBuilder("Tool result");
        if (id != null && !id.isBlank()) {
            sb.append(" for ").append(id);
        }
        List<String> details = new ArrayList<>();
        if (name != null && !name.isBlank()) {
            details.add(name);
        }
        if (error) {
            details.add("error");
        }
        if (!details.isEmpty()) {
            sb.append(" (").append(String.join(", ", details)).append(')');
        }
        return sb.append(':').toString();
    }

    private static String imageOnlyFallback(ChatTurn turn, int userIndex) {
        List<ChatMessage> messages = turn.messages();
        for (int i = userIndex - 1; i >= 0; i--) {
            ChatMessage m = messages.get(i);
            if (m.role() == ChatRole.USER && !m.text().isBlank()) {
                return IMAGE_WITH_PREVIOUS + m.text().strip();
            }
        }
        String system = turn.system().strip();
        if (!system.isEmpty() && system.codePointCount(0, system.length()) <= 1000) {
            return IMAGE_WITH_SYSTEM + system;
        }
        return IMAGE_DESCRIBE;
    }

    private static int lastUserIndex(ChatTurn turn) {
        List<ChatMessage> messages = turn.messages();
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatRole.USER) {
                return i;
            }
        }
        throw GatewayException.badRequest("no user message found in request");
    }
}
