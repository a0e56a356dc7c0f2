package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.chat.ChatEvent;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.TokenEstimator;
import io.lingma.gateway.chat.TurnEventQueue;
import io.lingma.gateway.chat.Usage;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * The event queue between one IPC turn's upstream callbacks and its consumer (client-api.md §12): bounded
 * ({@code gateway.ipc.turn-queue-size}; for streams also {@code gateway.stream.max-buffered-bytes} characters), and
 * on a clean finish it hands out the estimated usage just before the {@link ChatEvent.Finish}, computed on the
 * consumer's thread. After the terminal event {@link #next} keeps returning it. Producers call with the turn's
 * monitor held; the consumer calls {@link #next} without it.
 */
final class IpcTurnEvents {

    private final TurnEventQueue queue;
    private volatile ChatEvent returnedTerminal;
    /** Computes the estimated usage of a clean finish; set by {@link #finish}, run by the consumer in next(). */
    private volatile Supplier<ChatEvent> closingUsage;
    /** The finish, held back by next() while it hands out the usage computed for it. */
    private volatile ChatEvent heldFinish;

    /**
     * The content bound holds for streams only: a non-streamed answer is drained as it arrives, and its size is
     * bounded by {@code gateway.http.max-response-bytes} where it is collected.
     */
    IpcTurnEvents(IpcSettings settings, ChatTurn turn) {
        long maxChars = turn.stream() ? settings.maxBufferedBytes() : Long.MAX_VALUE;
        this.queue = new TurnEventQueue(settings.turnQueueSize(), maxChars);
    }

    /** @return the next event within {@code timeout}, or null; see the class comment */
    ChatEvent next(Duration timeout) throws InterruptedException {
        ChatEvent done = returnedTerminal;
        if (done != null) {
            return done;
        }
        ChatEvent held = heldFinish;
        if (held != null) {
            returnedTerminal = held;
            return held;
        }
        ChatEvent event = queue.poll(timeout);
        Supplier<ChatEvent> usage = closingUsage;
        if (event instanceof ChatEvent.Finish && usage != null) {
            heldFinish = event;
            return usage.get();
        }
        if (event != null && event.terminal()) {
            returnedTerminal = event;
        }
        return event;
    }

    /**
     * @return false when the queue is full (it is cleared then: the turn must fail, its client reads too slowly)
     */
    boolean offer(ChatEvent event) {
        if (queue.offer(event)) {
            return true;
        }
        queue.clear();
        return false;
    }

    /** @return a description of the bounds for logs ({@code N events / M characters}) */
    String bounds() {
        return queue.maxEvents() + " events / " + queue.maxChars() + " characters";
    }

    /** Ends with a clean finish; {@code usage} is computed by the consumer right before the finish is handed out. */
    void finish(ChatEvent.Finish finish, Supplier<ChatEvent> usage) {
        closingUsage = usage;
        queue.add(finish);
    }

    /** Ends with {@code failure}. */
    void fail(ChatEvent.Failure failure) {
        queue.add(failure);
    }

    /**
     * @return the estimated usage (client-api.md §12) of a turn that sent {@code prompt} and received {@code reply}
     * and {@code thought}: completion tokens cover both, reasoning tokens the thought
     */
    static ChatEvent.UsageReport estimatedUsage(TokenEstimator estimator, String prompt, String reply, String thought) {
        return new ChatEvent.UsageReport(new Usage(estimator.estimate(prompt), estimator.estimate(reply + thought),
                estimator.estimate(thought), 0, true));
    }
}
