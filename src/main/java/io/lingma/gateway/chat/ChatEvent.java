package io.lingma.gateway.chat;

import io.lingma.gateway.error.GatewayException;

/**
 * One event of an upstream turn, independent of backend and client API (architecture.md §4: {@code ChatEvent}s
 * out). A turn yields content events and ends with exactly one {@link Finish} or {@link Failure}.
 */
public sealed interface ChatEvent {

    /** @return true for {@link Finish} and {@link Failure} */
    default boolean terminal() {
        return false;
    }

    /** @return true for events that carry visible or reasoning output (they commit a stream) */
    default boolean content() {
        return false;
    }

    /** Assistant text delta. */
    record TextDelta(String text) implements ChatEvent {
        @Override
        public boolean content() {
            return true;
        }
    }

    /** Reasoning ("thought") text delta. */
    record ThinkingDelta(String text) implements ChatEvent {
        @Override
        public boolean content() {
            return true;
        }
    }

    /** A complete tool call reported natively by the upstream (remote backend). */
    record ToolCallDelta(ToolCall call) implements ChatEvent {
        @Override
        public boolean content() {
            return true;
        }
    }

    /** Token usage reported by the upstream. */
    record UsageReport(Usage usage) implements ChatEvent {
    }

    /** Lingma IPC {@code context_usage}: tokens used in the session context and its limit. */
    record ContextUsage(long usedTokens, long limitTokens) implements ChatEvent {
    }

    /** Clean end of the turn. */
    record Finish(FinishReason reason) implements ChatEvent {
        @Override
        public boolean terminal() {
            return true;
        }
    }

    /** The turn failed; {@code error} carries the client-facing status and kind. */
    record Failure(GatewayException error) implements ChatEvent {
        @Override
        public boolean terminal() {
            return true;
        }
    }
}
