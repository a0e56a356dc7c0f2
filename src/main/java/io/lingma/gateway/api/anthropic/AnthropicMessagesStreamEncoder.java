package io.lingma.gateway.api.anthropic;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.AbstractStreamEncoder;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ErrorEnvelopes;
import io.lingma.gateway.api.SseFrame;
import io.lingma.gateway.api.ToolIds;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.Ids;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.error.GatewayException;

import java.util.ArrayList;
import java.util.List;

/**
 * The Messages event stream of one response (client-api.md §6.3): {@code message_start}, {@code ping}, an
 * optional thinking block (closed with a {@code signature_delta}), a text block opened on the first non-empty text,
 * then at the end the {@code tool_use} blocks ({@code input_json_delta}), {@code message_delta} (with the final
 * usage, input tokens included, as in the non-streaming body) and {@code message_stop}. Block indexes are
 * contiguous from 0 in order of opening. Every frame is {@code event: <type>} + {@code data: <json>} whose
 * {@code type} equals the event name. Not thread-safe.
 */
final class AnthropicMessagesStreamEncoder extends AbstractStreamEncoder {

    private enum Block { NONE, THINKING, TEXT }

    private final ErrorEnvelopes envelopes;
    private final ChatTurn turn;
    private final String model;
    private final String id = Ids.base62("msg_01", 22);
    private Block open = Block.NONE;
    private int nextIndex;
    private final StringBuilder thinking = new StringBuilder();

    AnthropicMessagesStreamEncoder(ApiJson json, ErrorEnvelopes envelopes, ApiSettings settings, ChatTurn turn,
                                   String model, java.util.function.LongSupplier promptTokenEstimate) {
        super(json, settings, promptTokenEstimate);
        this.envelopes = envelopes;
        this.turn = turn;
        this.model = model;
    }

    @Override
    protected List<SseFrame> opening() {
        ObjectNode message = json.mapper().createObjectNode();
        message.put("id", id);
        message.put("type", "message");
        message.put("role", "assistant");
        message.putArray("content");
        message.put("model", model);
        message.putNull("stop_reason");
        message.putNull("stop_sequence");
        ObjectNode usage = message.putObject("usage");
        usage.put("input_tokens", Math.max(0, promptTokenEstimate.getAsLong()));
        usage.put("output_tokens", 0);
        ObjectNode start = event("message_start");
        start.set("message", message);
        return List.of(frame(start), frame(event("ping")));
    }

    @Override
    protected void content(ChatEvent event, List<SseFrame> frames) {
        if (event instanceof ChatEvent.ThinkingDelta delta && !delta.text().isEmpty() && turn.reasoningRequested()) {
            if (open != Block.THINKING) {
                closeBlock(frames);
                ObjectNode block = json.mapper().createObjectNode();
                block.put("type", "thinking").put("thinking", "").put("signature", "");
                openBlock(frames, block, Block.THINKING);
            }
            thinking.append(delta.text());
            frames.add(delta(json.mapper().createObjectNode().put("type", "thinking_delta")
                    .put("thinking", delta.text())));
        } else if (event instanceof ChatEvent.TextDelta delta && !delta.text().isEmpty()) {
            if (open != Block.TEXT) {
                closeBlock(frames);
                openBlock(frames, json.mapper().createObjectNode().put("type", "text").put("text", ""), Block.TEXT);
            }
            frames.add(delta(json.mapper().createObjectNode().put("type", "text_delta").put("text", delta.text())));
        }
    }

    @Override
    protected void closing(ChatResult result, List<SseFrame> frames) {
        closeBlock(frames);
        ToolIds ids = new ToolIds(settings.toolIdGenerator());
        for (ToolCall call : result.toolCalls()) {
            ObjectNode block = json.mapper().createObjectNode();
            block.put("type", "tool_use");
            block.put("id", ids.anthropic(call.id()));
            block.put("name", call.name());
            block.putObject("input");
            openBlock(frames, block, Block.NONE);
            String input = json.write(json.argumentsObject(call.arguments()));
            for (String piece : split(input, settings.anthropicInputJsonChunkSize())) {
                frames.add(delta(json.mapper().createObjectNode().put("type", "input_json_delta")
                        .put("partial_json", piece)));
            }
            frames.add(stop());
        }
        ObjectNode messageDelta = event("message_delta");
        ObjectNode delta = messageDelta.putObject("delta");
        delta.put("stop_reason", AnthropicMessagesApi.stopReason(result.finishReason(), result.toolCalls()));
        delta.put("stop_sequence",
                AnthropicMessagesApi.stopSequence(turn, result.finishReason(), result.toolCalls()));
        AnthropicMessagesApi.putUsage(messageDelta.putObject("usage"), usage(result));
        frames.add(frame(messageDelta));
        frames.add(frame(event("message_stop")));
    }

    @Override
    protected void failure(GatewayException e, List<SseFrame> frames) {
        frames.add(frame(envelopes.anthropic(e)));
    }

    /** @return {@code event: ping} (client-api.md §2.9) */
    @Override
    public SseFrame keepAlive() {
        return frame(event("ping"));
    }

    private void openBlock(List<SseFrame> frames, ObjectNode contentBlock, Block kind) {
        ObjectNode start = event("content_block_start");
        start.put("index", nextIndex);
        start.set("content_block", contentBlock);
        frames.add(frame(start));
        open = kind;
    }

    private void closeBlock(List<SseFrame> frames) {
        if (open == Block.NONE) {
            return;
        }
        if (open == Block.THINKING) {
            frames.add(delta(json.mapper().createObjectNode().put("type", "signature_delta")
                    .put("signature", AnthropicMessagesApi.signature(thinking.toString()))));
            thinking.setLength(0);
        }
        frames.add(stop());
        open = Block.NONE;
    }

    private SseFrame delta(ObjectNode delta) {
        ObjectNode event = event("content_block_delta");
        event.put("index", nextIndex);
        event.set("delta", delta);
        return frame(event);
    }

    private SseFrame stop() {
        ObjectNode event = event("content_block_stop");
        event.put("index", nextIndex++);
        return frame(event);
    }

    private ObjectNode event(String type) {
        return json.mapper().createObjectNode().put("type", type);
    }

    private SseFrame frame(ObjectNode event) {
        return SseFrame.event(event.get("type").textValue(), json.write(event));
    }

    // splits on code-point boundaries so no delta carries half a surrogate pair
    static List<String> split(String text, int size) {
        if (size <= 0 || text.length() <= size) {
            return List.of(text);
        }
        List<String> pieces = new ArrayList<>();
        int start = 0;
        while (start < text.length()) {
            int end = Math.min(text.length(), start + size);
            if (end < text.length() && Character.isHighSurrogate(text.charAt(end - 1))) {
                end--;
            }
            if (end <= start) {
                end = Math.min(text.length(), start + 2);
            }
            pieces.add(text.substring(start, end));
            start = end;
        }
        return pieces;
    }
}
