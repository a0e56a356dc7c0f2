package io.lingma.gateway.service;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatResult;
import io.lingma.gateway.chat.FinishReason;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.Usage;

import java.util.ArrayList;
import java.util.List;

/**
 * Folds a turn's {@link ChatEvent}s into a {@link ChatResult}: text and reasoning in arrival order, tool calls,
 * the last usage report (or an estimate per client-api.md §12 when the upstream reported none).
 */
public final class ResultAggregator {

    private final StringBuilder text = new StringBuilder();
    private final StringBuilder thinking = new StringBuilder();
    private final List<ToolCall> toolCalls = new ArrayList<>();
    private final java.util.function.LongSupplier promptTokenEstimate;
    private final TokenEstimator estimator;
    private Usage usage;
    private ChatEvent.ContextUsage contextUsage;
    private boolean content;

    /**
     * @param promptTokenEstimate supplies the estimated input tokens; asked only when no usage is reported
     * @param estimator           the token estimator
     */
    public ResultAggregator(java.util.function.LongSupplier promptTokenEstimate, TokenEstimator estimator) {
        this.promptTokenEstimate = promptTokenEstimate;
        this.estimator = estimator;
    }

    /** @param event a non-terminal event */
    public void add(ChatEvent event) {
        if (event instanceof ChatEvent.TextDelta t) {
            text.append(t.text());
        } else if (event instanceof ChatEvent.ThinkingDelta t) {
            thinking.append(t.text());
        } else if (event instanceof ChatEvent.ToolCallDelta t) {
            toolCalls.add(t.call());
        } else if (event instanceof ChatEvent.UsageReport u) {
            usage = u.usage();
        } else if (event instanceof ChatEvent.ContextUsage c) {
            contextUsage = c;
        }
        content |= event.content();
    }

    /** @return true once any text, reasoning or tool call arrived */
    public boolean hasContent() {
        return content;
    }

    /** @return text received so far */
    public String text() {
        return text.toString();
    }

    /** @return the Lingma context usage, or null */
    public ChatEvent.ContextUsage contextUsage() {
        return contextUsage;
    }

    /**
     * @param reason the finish reason reported upstream
     * @param model  the model that answered
     * @return the completed result
     */
    public ChatResult result(FinishReason reason, ResolvedModel model) {
        FinishReason finish = !toolCalls.isEmpty() && reason == FinishReason.STOP ? FinishReason.TOOL_CALLS : reason;
        Usage u = usage;
        if (u == null) {
            StringBuilder out = new StringBuilder(text).append(thinking);
            toolCalls.forEach(c -> out.append(c.arguments()));
            u = new Usage(promptTokenEstimate.getAsLong(), estimator.estimate(out.toString()), 0, 0, true);
        }
        return new ChatResult(text.toString(), thinking.toString(), toolCalls, finish, u, contextUsage, model);
    }
}
