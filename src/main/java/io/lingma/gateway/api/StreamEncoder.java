package io.lingma.gateway.api;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.error.GatewayException;

import java.util.List;

/**
 * Turns the events of one upstream turn into the SSE frames of one client response (client-api.md §2.9, §4.3,
 * §6.3). Stateful: one instance per response, not thread-safe. After {@link #finish} or {@link #error} every
 * further call returns no frames.
 */
public interface StreamEncoder {

    /**
     * @return the frames sent at the commit point: OpenAI the role chunk; Anthropic {@code message_start} and one
     * {@code ping}. Calling it twice returns nothing the second time; {@link #onEvent} and {@link #finish} call it
     * implicitly when it was not called.
     */
    List<SseFrame> start();

    /**
     * Encodes one content event ({@code TextDelta}, {@code ThinkingDelta}, {@code ToolCallDelta},
     * {@code UsageReport}, {@code ContextUsage}). Tool calls are not streamed here: they are emitted complete by
     * {@link #finish} from the result (client-api.md §10.7). Terminal events are ignored; use {@link #finish} or
     * {@link #error}.
     *
     * @param event the upstream event
     * @return frames to write now (may be empty)
     */
    List<SseFrame> onEvent(ChatEvent event);

    /**
     * Ends the response after the last content event: closes open blocks, emits the tool calls of
     * {@code result}, the finish chunk / {@code message_delta}, usage, and the terminator ({@code [DONE]} or
     * {@code message_stop}).
     *
     * @param result the aggregated result (its tool calls, finish reason and usage are used)
     * @return the closing frames
     */
    List<SseFrame> finish(ChatResult result);

    /**
     * Reports a failure after the commit point in-band; the HTTP status stays 200 (client-api.md §2.9).
     *
     * @param e the failure
     * @return OpenAI: an error chunk then {@code [DONE]}; Anthropic: one {@code event: error} frame
     */
    List<SseFrame> error(GatewayException e);

    /** @return the keep-alive frame: OpenAI the comment {@code : keep-alive}; Anthropic {@code event: ping} */
    SseFrame keepAlive();
}
