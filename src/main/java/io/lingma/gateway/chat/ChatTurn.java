package io.lingma.gateway.chat;

import java.util.List;

/**
 * The one canonical internal request every client API is normalised into and every backend consumes
 * (client-api.md §9.1). No client API type crosses into a backend.
 *
 * @param requestId         the gateway request id ({@code x-request-id}), used in logs and upstream correlation
 * @param protocol          the client API the request came from
 * @param requestedModel    the model name the client asked for (trimmed; may be empty)
 * @param system            system/developer text joined as the spec says; empty when none
 * @param messages          user/assistant/tool messages in order (at least one user message)
 * @param tools             declared function tools (empty when none)
 * @param toolChoice        normalised tool choice (never null)
 * @param parallelToolCalls false when the client asked for at most one call per reply
 * @param reasoningEffort   {@code low}, {@code medium}, {@code high}, or null when reasoning was not requested
 * @param stream            true for SSE
 * @param includeUsage      OpenAI {@code stream_options.include_usage}
 * @param temperature       sampling temperature or null
 * @param maxTokens         maximum output tokens or null
 * @param stop              stop sequences (never null)
 * @param user              affinity / logging key, or null
 * @param apiKeyScope       tenant scope for caches: the name of the caller's API key, or {@code -}
 */
public record ChatTurn(String requestId, ApiProtocol protocol, String requestedModel, String system,
                       List<ChatMessage> messages, List<ToolDefinition> tools, ToolChoice toolChoice,
                       boolean parallelToolCalls, String reasoningEffort, boolean stream, boolean includeUsage,
                       Double temperature, Integer maxTokens, List<String> stop, String user, String apiKeyScope) {

    public ChatTurn {
        requestedModel = requestedModel == null ? "" : requestedModel.trim();
        system = system == null ? "" : system;
        messages = List.copyOf(messages);
        tools = tools == null ? List.of() : List.copyOf(tools);
        toolChoice = toolChoice == null ? ToolChoice.AUTO : toolChoice;
        stop = stop == null ? List.of() : List.copyOf(stop);
        apiKeyScope = apiKeyScope == null ? "-" : apiKeyScope;
    }

    /**
     * @param newSystem replacement system text
     * @return a copy with that system text
     */
    public ChatTurn withSystem(String newSystem) {
        return new ChatTurn(requestId, protocol, requestedModel, newSystem, messages, tools, toolChoice,
                parallelToolCalls, reasoningEffort, stream, includeUsage, temperature, maxTokens, stop, user,
                apiKeyScope);
    }

    /**
     * @param newMessages replacement messages
     * @param newTools    replacement tools
     * @param newChoice   replacement tool choice
     * @return a copy with those messages and tools
     */
    public ChatTurn withConversation(List<ChatMessage> newMessages, List<ToolDefinition> newTools,
                                     ToolChoice newChoice) {
        return new ChatTurn(requestId, protocol, requestedModel, system, newMessages, newTools, newChoice,
                parallelToolCalls, reasoningEffort, stream, includeUsage, temperature, maxTokens, stop, user,
                apiKeyScope);
    }

    /** @return true when the client asked for reasoning output (thinking blocks, reasoning items) */
    public boolean reasoningRequested() {
        return reasoningEffort != null;
    }

    /** @return true when any message carries tool calls or tool results */
    public boolean hasToolHistory() {
        return messages.stream().anyMatch(m -> m.role() == ChatRole.TOOL || !m.toolCalls().isEmpty());
    }

    /** @return the newest user message, or null when there is none */
    public ChatMessage lastUserMessage() {
        for (int i = messages.size() - 1; i >= 0; i--) {
            if (messages.get(i).role() == ChatRole.USER) {
                return messages.get(i);
            }
        }
        return null;
    }
}
