package io.lingma.gateway.api;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.Usage;
import io.lingma.gateway.error.GatewayException;

import java.util.ArrayList;
import java.util.List;

/**
 * The life cycle every client stream shares (client-api.md §2.9): {@link #start()} emits the opening frames once,
 * {@link #onEvent} and {@link #finish} start the stream implicitly, {@code UsageReport}s are remembered for the
 * closing frames, and after {@link #finish} or {@link #error} every call returns nothing. Subclasses supply the
 * wire format through {@link #opening()}, {@link #content}, {@link #closing} and {@link #failure}. Not
 * thread-safe: one instance per response.
 */
public abstract class AbstractStreamEncoder implements StreamEncoder {

    /** JSON writing. */
    protected final ApiJson json;
    /** Settings in force for this response. */
    protected final ApiSettings settings;
    /** The gateway's input-token estimate (client-api.md §12), computed on first use; the last usage fallback. */
    protected final java.util.function.LongSupplier promptTokenEstimate;
    private boolean started;
    private boolean closed;
    private Usage reported;

    /**
     * @param json                JSON helper
     * @param settings            settings in force
     * @param promptTokenEstimate supplies the estimated input tokens
     */
    protected AbstractStreamEncoder(ApiJson json, ApiSettings settings,
                                    java.util.function.LongSupplier promptTokenEstimate) {
        this.json = json;
        this.settings = settings;
        this.promptTokenEstimate = promptTokenEstimate;
    }

    /** @return the opening frames the first time; nothing afterwards or once the stream is closed */
    @Override
    public final List<SseFrame> start() {
        if (started || closed) {
            return List.of();
        }
        started = true;
        return opening();
    }

    /** @return the opening frames (if not sent yet) followed by the frames of {@code event} */
    @Override
    public final List<SseFrame> onEvent(ChatEvent event) {
        if (closed) {
            return List.of();
        }
        List<SseFrame> frames = new ArrayList<>(start());
        if (event instanceof ChatEvent.UsageReport report) {
            if (report.usage() != null) {
                reported = report.usage();
            }
        } else if (event != null && !event.terminal()) {
            content(event, frames);
        }
        return frames;
    }

    /** @return the opening frames (if not sent yet) followed by the closing frames */
    @Override
    public final List<SseFrame> finish(ChatResult result) {
        if (closed) {
            return List.of();
        }
        List<SseFrame> frames = new ArrayList<>(start());
        closed = true;
        closing(result, frames);
        return frames;
    }

    /** @return the in-band failure frames (after the opening frames when {@link #startBeforeFailure()}) */
    @Override
    public final List<SseFrame> error(GatewayException e) {
        if (closed) {
            return List.of();
        }
        List<SseFrame> frames = new ArrayList<>(startBeforeFailure() ? start() : List.of());
        closed = true;
        failure(e, frames);
        return frames;
    }

    /** @return the SSE comment {@code : keep-alive} (OpenAI chat and Responses, client-api.md §2.9) */
    @Override
    public SseFrame keepAlive() {
        return SseFrame.comment("keep-alive");
    }

    /** @return true once {@link #start()} produced the opening frames */
    protected final boolean started() {
        return started;
    }

    /**
     * The usage to report at the end: the backend's last {@code UsageReport} wins; the result's usage and then
     * the input estimate with 0 output tokens are fallbacks.
     *
     * @param result the aggregated result
     * @return token usage (never null)
     */
    protected final Usage usage(ChatResult result) {
        if (reported != null) {
            return reported;
        }
        if (result != null && result.usage() != null) {
            return result.usage();
        }
        return new Usage(promptTokenEstimate.getAsLong(), 0, 0, 0, true);
    }

    /** @return whether {@link #error} emits the opening frames first when the stream was not started */
    protected boolean startBeforeFailure() {
        return false;
    }

    /** @return the frames sent at the commit point */
    protected abstract List<SseFrame> opening();

    /**
     * Encodes one content event ({@code TextDelta}, {@code ThinkingDelta}, {@code ToolCallDelta},
     * {@code ContextUsage}); usage reports and terminal events never reach it.
     *
     * @param event  the event
     * @param frames where to add frames
     */
    protected abstract void content(ChatEvent event, List<SseFrame> frames);

    /**
     * Adds the closing frames: open blocks/items closed, tool calls, finish and usage, terminator.
     *
     * @param result the aggregated result
     * @param frames where to add frames
     */
    protected abstract void closing(ChatResult result, List<SseFrame> frames);

    /**
     * Adds the in-band failure frames.
     *
     * @param e      the failure
     * @param frames where to add frames
     */
    protected abstract void failure(GatewayException e, List<SseFrame> frames);
}
