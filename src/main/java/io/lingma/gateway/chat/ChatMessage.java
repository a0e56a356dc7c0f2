package io.lingma.gateway.chat;

import java.util.List;

/**
 * One message of the internal turn (client-api.md §9.1).
 *
 * @param role       user, assistant or tool
 * @param text       extracted text without placeholders (may be empty, never null)
 * @param flatText   text with {@code [image]}/{@code [audio]}/{@code [file]} placeholders; used for transcripts,
 *                   cache keys and token estimates (never null)
 * @param images     images of this message (never null)
 * @param toolCallId for tool messages: the call this result answers; else null
 * @param toolName   for tool messages: the tool's name when known; else null
 * @param error      for tool messages: true when the tool reported an error
 * @param toolCalls  for assistant messages: the calls it made (never null)
 */
public record ChatMessage(ChatRole role, String text, String flatText, List<ImageInput> images,
                          String toolCallId, String toolName, boolean error, List<ToolCall> toolCalls) {

    public ChatMessage {
        text = text == null ? "" : text;
        flatText = flatText == null ? text : flatText;
        images = images == null ? List.of() : List.copyOf(images);
        toolCalls = toolCalls == null ? List.of() : List.copyOf(toolCalls);
    }

    /** @return a plain user message with the given text */
    public static ChatMessage user(String text) {
        return new ChatMessage(ChatRole.USER, text, text, List.of(), null, null, false, List.of());
    }

    /** @return a plain assistant message with the given text */
    public static ChatMessage assistant(String text) {
        return new ChatMessage(ChatRole.ASSISTANT, text, text, List.of(), null, null, false, List.of());
    }
}
