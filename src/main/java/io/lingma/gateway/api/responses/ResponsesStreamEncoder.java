package io.lingma.gateway.api.responses;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.AbstractStreamEncoder;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.SseFrame;
import io.lingma.gateway.api.ToolIds;
import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.error.GatewayException;

import java.util.ArrayList;
import java.util.List;

/**
 * The Responses event stream of one response (client-api.md §5.4). Every frame is {@code event: <type>} +
 * {@code data: <json>}; every payload carries {@code type}, {@code sequence_number} (0, 1, 2, … without gaps) and
 * {@code response_id}. Order: {@code response.created}, {@code response.in_progress}; a reasoning item (only when
 * reasoning was requested and thought arrives) with its {@code reasoning_summary_*} events, closed by the first
 * visible text; a message item opened on the first visible text, its text streamed as
 * {@code response.output_text.delta}; at the end one {@code function_call} (or {@code custom_tool_call}) item per
 * call with its arguments in one delta; then {@code response.completed} ({@code response.incomplete} for a length
 * stop) carrying the full body, and {@code data: [DONE]} when {@code gateway.responses.done-sentinel=true}.
 * {@code output_index} values are contiguous from 0 and the final body lists the items in that order.
 *
 * <p>A failure after the commit closes the open items with {@code response.output_item.done}
 * ({@code status:"incomplete"}) and sends {@code response.failed} with {@code response.error}; with
 * {@code gateway.responses.always-complete=true} the open items are closed normally and
 * {@code response.completed} is sent instead. Not thread-safe.
 */
final class ResponsesStreamEncoder extends AbstractStreamEncoder {

    private enum Kind { REASONING, MESSAGE, CALL }

    /** One output item in output-index order; {@code text} is the summary or message text so far. */
    private static final class Item {
        final Kind kind;
        final String id;
        final int index;
        final StringBuilder text = new StringBuilder();
        ObjectNode done;

        Item(Kind kind, String id, int index) {
            this.kind = kind;
            this.id = id;
            this.index = index;
        }
    }

    private final ResponsesOutput output;
    private final ChatTurn turn;
    private final ResponsesTools tools;
    private final String model;
    private final long createdAt;
    private final ResponsesOutput.ResponseIds ids;
    private final String responseId;
    private final boolean holdText;
    private final List<Item> items = new ArrayList<>();
    private final StringBuilder heldText = new StringBuilder();
    private final StringBuilder lateThought = new StringBuilder();
    private Item reasoning;
    private Item message;
    private long sequence;

    ResponsesStreamEncoder(ApiJson json, ApiSettings settings, ResponsesOutput output, ChatTurn turn,
                           ResponsesTools tools, String model, long createdAt, java.util.function.LongSupplier promptTokenEstimate) {
        super(json, settings, promptTokenEstimate);
        this.output = output;
        this.turn = turn;
        this.tools = tools;
        this.model = model;
        this.createdAt = createdAt;
        this.ids = new ResponsesOutput.ResponseIds(settings);
        this.responseId = ids.response();
        // with drop-text-with-tool-calls the text can only be judged once the calls are known (§5.2)
        this.holdText = settings.responses().dropTextWithToolCalls() && !turn.tools().isEmpty()
                && turn.toolChoice().mode() != ToolChoice.Mode.NONE;
    }

    @Override
    protected List<SseFrame> opening() {
        List<SseFrame> frames = new ArrayList<>();
        ObjectNode created = event("response.created");
        created.set("response", response("in_progress"));
        frames.add(frame(created));
        ObjectNode progress = event("response.in_progress");
        progress.set("response", response("in_progress"));
        frames.add(frame(progress));
        return frames;
    }

    @Override
    protected void content(ChatEvent event, List<SseFrame> frames) {
        if (event instanceof ChatEvent.ThinkingDelta thought && !thought.text().isEmpty()
                && turn.reasoningRequested()) {
            thinking(thought.text(), frames);
        } else if (event instanceof ChatEvent.TextDelta text && !text.text().isEmpty()) {
            closeReasoning(frames, "completed");
            if (holdText) {
                heldText.append(text.text());
                return;
            }
            openMessage(frames);
            message.text.append(text.text());
            ObjectNode delta = itemEvent("response.output_text.delta", message);
            delta.put("content_index", 0);
            delta.put("delta", text.text());
            delta.putArray("logprobs");
            frames.add(frame(delta));
        }
    }

    @Override
    protected void closing(ChatResult result, List<SseFrame> frames) {
        closeReasoning(frames, "completed");
        List<ToolCall> calls = result.toolCalls();
        if (holdText && !output.dropText(calls)) {
            emitWholeMessage(heldText.isEmpty() ? result.text() : heldText.toString(), frames);
        } else if (message == null && !holdText && !result.text().isEmpty()) {
            // text that reached the result without a delta (e.g. released by a filter at the end)
            emitWholeMessage(result.text(), frames);
        }
        closeMessage(frames, "completed");
        if (reasoning == null && !lateThought.isEmpty()) {
            // thought that only arrived after the text: a complete reasoning item at the next index
            summaryDelta(lateThought.toString(), frames);
            lateThought.setLength(0);
            closeReasoning(frames, "completed");
        }
        ToolIds callIds = new ToolIds(settings.toolIdGenerator());
        for (ToolCall call : calls) {
            emitCall(call, callIds.openAi(call.id()), frames);
        }
        boolean length = result.finishReason() == FinishReason.LENGTH && calls.isEmpty();
        terminal(length ? "response.incomplete" : "response.completed", length ? "incomplete" : "completed",
                result, null, frames);
    }

    @Override
    protected boolean startBeforeFailure() {
        return true;
    }

    @Override
    protected void failure(GatewayException e, List<SseFrame> frames) {
        if (settings.responses().alwaysComplete()) {
            closeReasoning(frames, "completed");
            if (holdText && !heldText.isEmpty()) {
                emitWholeMessage(heldText.toString(), frames);
            }
            closeMessage(frames, "completed");
            terminal("response.completed", "completed", null, null, frames);
            return;
        }
        for (Item item : new Item[]{reasoning, message}) {
            if (item != null && item.done == null) {
                item.done = item.kind == Kind.REASONING
                        ? output.reasoning(item.id, "incomplete", item.text.toString())
                        : output.message(item.id, "incomplete", item.text.toString());
                frames.add(itemDone(item));
            }
        }
        terminal("response.failed", "failed", null, output.error(e), frames);
    }

    private void thinking(String text, List<SseFrame> frames) {
        if (reasoning != null && reasoning.done != null || message != null) {
            // the reasoning item is closed (or text already started): kept for the final body only
            if (reasoning != null) {
                reasoning.text.append(text);
                reasoning.done = output.reasoning(reasoning.id, "completed", reasoning.text.toString());
            } else {
                lateThought.append(text);
            }
            return;
        }
        summaryDelta(text, frames);
    }

    // opens the reasoning item on its first piece, then streams the piece as a summary delta
    private void summaryDelta(String text, List<SseFrame> frames) {
        if (reasoning == null) {
            reasoning = add(Kind.REASONING, ids.next("rs"));
            ObjectNode added = event("response.output_item.added");
            added.put("output_index", reasoning.index);
            added.set("item", output.reasoning(reasoning.id, "in_progress", null));
            frames.add(frame(added));
            ObjectNode part = itemEvent("response.reasoning_summary_part.added", reasoning);
            part.put("summary_index", 0);
            part.set("part", output.summaryPart(""));
            frames.add(frame(part));
        }
        reasoning.text.append(text);
        ObjectNode delta = itemEvent("response.reasoning_summary_text.delta", reasoning);
        delta.put("summary_index", 0);
        delta.put("delta", text);
        frames.add(frame(delta));
    }

    private void closeReasoning(List<SseFrame> frames, String status) {
        if (reasoning == null || reasoning.done != null) {
            return;
        }
        String text = reasoning.text.toString();
        ObjectNode textDone = itemEvent("response.reasoning_summary_text.done", reasoning);
        textDone.put("summary_index", 0);
        textDone.put("text", text);
        frames.add(frame(textDone));
        ObjectNode partDone = itemEvent("response.reasoning_summary_part.done", reasoning);
        partDone.put("summary_index", 0);
        partDone.set("part", output.summaryPart(text));
        frames.add(frame(partDone));
        reasoning.done = output.reasoning(reasoning.id, status, text);
        frames.add(itemDone(reasoning));
    }

    private void openMessage(List<SseFrame> frames) {
        if (message != null) {
            return;
        }
        message = add(Kind.MESSAGE, ids.next("msg"));
        ObjectNode added = event("response.output_item.added");
        added.put("output_index", message.index);
        added.set("item", output.message(message.id, "in_progress", null));
        frames.add(frame(added));
        ObjectNode part = itemEvent("response.content_part.added", message);
        part.put("content_index", 0);
        part.set("part", output.textPart(""));
        frames.add(frame(part));
    }

    private void emitWholeMessage(String text, List<SseFrame> frames) {
        if (text == null || text.isEmpty() || message != null) {
            return;
        }
        openMessage(frames);
        message.text.append(text);
        ObjectNode delta = itemEvent("response.output_text.delta", message);
        delta.put("content_index", 0);
        delta.put("delta", text);
        delta.putArray("logprobs");
        frames.add(frame(delta));
    }

    private void closeMessage(List<SseFrame> frames, String status) {
        if (message == null || message.done != null) {
            return;
        }
        String text = message.text.toString();
        ObjectNode textDone = itemEvent("response.output_text.done", message);
        textDone.put("content_index", 0);
        textDone.put("text", text);
        textDone.putArray("logprobs");
        frames.add(frame(textDone));
        ObjectNode partDone = itemEvent("response.content_part.done", message);
        partDone.put("content_index", 0);
        partDone.set("part", output.textPart(text));
        frames.add(frame(partDone));
        message.done = output.message(message.id, status, text);
        frames.add(itemDone(message));
    }

    private void emitCall(ToolCall call, String callId, List<SseFrame> frames) {
        boolean custom = tools.isCustom(call.name());
        Item item = add(Kind.CALL, ResponsesOutput.itemId(callId, custom));
        ObjectNode added = event("response.output_item.added");
        added.put("output_index", item.index);
        added.set("item", output.call(call, callId, tools, false));
        frames.add(frame(added));
        String value = custom ? output.customInput(call.arguments()) : ResponsesOutput.arguments(call);
        String prefix = custom ? "response.custom_tool_call_input" : "response.function_call_arguments";
        ObjectNode delta = itemEvent(prefix + ".delta", item);
        delta.put("delta", value);
        frames.add(frame(delta));
        ObjectNode done = itemEvent(prefix + ".done", item);
        if (custom) {
            done.put("input", value);
        } else {
            done.put("name", call.name());
            done.put("arguments", value);
        }
        frames.add(frame(done));
        item.done = output.call(call, callId, tools, true);
        frames.add(itemDone(item));
    }

    private void terminal(String type, String status, ChatResult result, ObjectNode error, List<SseFrame> frames) {
        ObjectNode body = response(status);
        if (error != null) {
            body.set("error", error);
        }
        body.set("usage", output.usage(usage(result)));
        ObjectNode event = event(type);
        event.set("response", body);
        frames.add(frame(event));
        if (settings.responses().doneSentinel()) {
            frames.add(SseFrame.data("[DONE]"));
        }
    }

    private ObjectNode response(String status) {
        ArrayNode out = json.mapper().createArrayNode();
        for (Item item : items) {
            if (item.done != null) {
                out.add(item.done);
            }
        }
        return output.response(responseId, createdAt, model, turn, tools, status, out);
    }

    private Item add(Kind kind, String id) {
        Item item = new Item(kind, id, items.size());
        items.add(item);
        return item;
    }

    private SseFrame itemDone(Item item) {
        ObjectNode done = event("response.output_item.done");
        done.put("output_index", item.index);
        done.set("item", item.done);
        return frame(done);
    }

    private ObjectNode itemEvent(String type, Item item) {
        ObjectNode event = event(type);
        event.put("item_id", item.id);
        event.put("output_index", item.index);
        return event;
    }

    // sequence numbers are taken when the payload is built, which is the order frames are returned in
    private ObjectNode event(String type) {
        ObjectNode event = json.mapper().createObjectNode();
        event.put("type", type);
        event.put("sequence_number", sequence++);
        event.put("response_id", responseId);
        return event;
    }

    private SseFrame frame(ObjectNode event) {
        return SseFrame.event(event.get("type").textValue(), json.write(event));
    }
}
