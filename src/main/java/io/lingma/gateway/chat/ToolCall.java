package io.lingma.gateway.chat;

/**
 * A tool call made by the assistant (client-api.md §10.6).
 *
 * @param id        the call id as the client sees it ({@code call_…}, {@code toolu_…})
 * @param name      the declared tool name, spelled as the client declared it
 * @param arguments the arguments as a JSON text (an object, key order preserved); a raw string when the model sent
 *                  invalid JSON
 */
public record ToolCall(String id, String name, String arguments) {
}
