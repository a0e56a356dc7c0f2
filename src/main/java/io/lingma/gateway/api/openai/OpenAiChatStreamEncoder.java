package io.lingma.gateway.api.openai;

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

import java.util.List;

/**
 * {@code chat.completion.chunk} stream of one response (client-api.md §4.3, §4.4): role chunk, {@code
 * reasoning_content} and {@code content} deltas, one chunk per tool call after the end, the finish chunk, the
 * {@code include_usage} chunk ({@code "choices":[]}), then {@code data: [DONE]}. Frames carry no {@code event:}
 * line. Not thread-safe.
 */
final class OpenAiChatStreamEncoder extends AbstractStreamEncoder {

    private static final String DONE = "[DONE]";

    private final ErrorEnvelopes envelopes;
    private final String id = Ids.base62("chatcmpl-", 24);
    private final String model;
    private final long created;
    private final boolean includeUsage;

    OpenAiChatStreamEncoder(ApiJson json, ErrorEnvelopes envelopes, ApiSettings settings, ChatTurn turn,
                            String model, long created, java.util.function.LongSupplier promptTokenEstimate) {
        super(json, settings, promptTokenEstimate);
        this.envelopes = envelopes;
        this.model = model;
        this.created = created;
        this.includeUsage = turn.includeUsage();
    }

    @Override
    protected List<SseFrame> opening() {
        ObjectNode delta = json.mapper().createObjectNode();
        delta.put("role", "assistant");
        delta.put("content", "");
        return List.of(chunk(delta, null));
    }

    @Override
    protected void content(ChatEvent event, List<SseFrame> frames) {
        if (event instanceof ChatEvent.TextDelta text && !text.text().isEmpty()) {
            frames.add(chunk(json.mapper().createObjectNode().put("content", text.text()), null));
        } else if (event instanceof ChatEvent.ThinkingDelta thinking && !thinking.text().isEmpty()
                && settings.openAiExposeReasoning()) {
            frames.add(chunk(json.mapper().createObjectNode().put("reasoning_content", thinking.text()), null));
        }
    }

    @Override
    protected void closing(ChatResult result, List<SseFrame> frames) {
        ToolIds ids = new ToolIds(settings.toolIdGenerator());
        List<ToolCall> calls = result.toolCalls();
        for (int i = 0; i < calls.size(); i++) {
            ObjectNode call = OpenAiChatApi.toolCall(json, calls.get(i), ids.openAi(calls.get(i).id()));
            ObjectNode indexed = json.mapper().createObjectNode().put("index", i);
            indexed.setAll(call);
            ObjectNode delta = json.mapper().createObjectNode();
            delta.putArray("tool_calls").add(indexed);
            frames.add(chunk(delta, null));
        }
        frames.add(chunk(json.mapper().createObjectNode(),
                OpenAiChatApi.finishReason(result.finishReason(), calls)));
        if (includeUsage) {
            ObjectNode last = header();
            last.putArray("choices");
            last.set("usage", OpenAiChatApi.usage(json, usage(result)));
            frames.add(SseFrame.data(json.write(last)));
        }
        frames.add(SseFrame.data(DONE));
    }

    @Override
    protected void failure(GatewayException e, List<SseFrame> frames) {
        frames.add(SseFrame.data(json.write(envelopes.openAi(e))));
        frames.add(SseFrame.data(DONE));
    }

    private SseFrame chunk(ObjectNode delta, String finishReason) {
        ObjectNode chunk = header();
        ObjectNode choice = chunk.putArray("choices").addObject();
        choice.put("index", 0);
        choice.set("delta", delta);
        choice.put("finish_reason", finishReason);
        if (includeUsage) {
            chunk.putNull("usage");
        }
        return SseFrame.data(json.write(chunk));
    }

    private ObjectNode header() {
        ObjectNode chunk = json.mapper().createObjectNode();
        chunk.put("id", id);
        chunk.put("object", "chat.completion.chunk");
        chunk.put("created", created);
        chunk.put("model", model);
        return chunk;
    }
}
