package io.lingma.gateway.chat;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * The events of one upstream turn between the thread that reads them from Lingma and the request thread that hands
 * them to the client, bounded twice: by event count and by the characters of content waiting (text, reasoning and
 * tool-call arguments; {@code gateway.stream.max-buffered-bytes}), so a client that reads slowly cannot make the
 * gateway hold its whole answer. A producer that cannot be paused (Lingma IPC) uses {@link #offer} and fails the turn
 * when it returns false; one that can (the remote HTTP stream) uses {@link #put}, which waits, so the gateway stops
 * reading and TCP slows the upstream down. Terminal events are never refused. Thread-safe.
 */
public final class TurnEventQueue {

    private final int maxEvents;
    private final long maxChars;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition notEmpty = lock.newCondition();
    private final Condition notFull = lock.newCondition();
    private final ArrayDeque<ChatEvent> events = new ArrayDeque<>();
    private long chars;
    private boolean closed;

    /**
     * @param maxEvents events held at most, ≥ 1
     * @param maxChars  characters of content held at most, ≥ 1; one event larger than that is still accepted into
     *                  an empty queue (the client is caught up, so it is handed on at once)
     * @throws IllegalArgumentException for a bound below 1
     */
    public TurnEventQueue(int maxEvents, long maxChars) {
        if (maxEvents < 1 || maxChars < 1) {
            throw new IllegalArgumentException("turn event queue bounds must be positive");
        }
        this.maxEvents = maxEvents;
        this.maxChars = maxChars;
    }

    /**
     * @param event an event
     * @return the characters of content it carries (text, reasoning, tool name and arguments), else 0
     */
    public static long size(ChatEvent event) {
        if (event instanceof ChatEvent.TextDelta t) {
            return t.text().length();
        }
        if (event instanceof ChatEvent.ThinkingDelta t) {
            return t.text().length();
        }
        if (event instanceof ChatEvent.ToolCallDelta t) {
            return t.call().name().length() + t.call().arguments().length();
        }
        return 0;
    }

    /**
     * Adds an event unless the queue is full; terminal events are always added.
     *
     * @param event the event
     * @return false when a non-terminal event did not fit (the queue is unchanged)
     */
    public boolean offer(ChatEvent event) {
        lock.lock();
        try {
            if (!event.terminal() && full(event)) {
                return false;
            }
            enqueue(event);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an event regardless of the bounds: for the few closing events (usage, finish) of a turn.
     *
     * @param event the event
     */
    public void add(ChatEvent event) {
        lock.lock();
        try {
            enqueue(event);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Adds an event, waiting while the queue is full (terminal events never wait).
     *
     * @param event the event
     * @return false when the queue was {@link #close() closed} first (the event is dropped)
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public boolean put(ChatEvent event) throws InterruptedException {
        lock.lockInterruptibly();
        try {
            while (!closed && !event.terminal() && full(event)) {
                notFull.await();
            }
            if (closed && !event.terminal()) {
                return false;
            }
            enqueue(event);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * @param timeout how long to wait; zero or negative polls
     * @return the oldest event, or null when none arrived in time
     * @throws InterruptedException when the waiting thread is interrupted
     */
    public ChatEvent poll(Duration timeout) throws InterruptedException {
        long nanos = timeout == null ? 0 : timeout.toNanos();
        lock.lockInterruptibly();
        try {
            while (events.isEmpty()) {
                if (nanos <= 0) {
                    return null;
                }
                nanos = notEmpty.awaitNanos(nanos);
            }
            ChatEvent e = events.poll();
            chars -= size(e);
            notFull.signalAll();
            return e;
        } finally {
            lock.unlock();
        }
    }

    /** Drops every queued event (e.g. before a failure that replaces them). */
    public void clear() {
        lock.lock();
        try {
            events.clear();
            chars = 0;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Ends {@link #put} waits for good: the turn was abandoned. Polling and terminal events still work. */
    public void close() {
        lock.lock();
        try {
            closed = true;
            notFull.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** @return the event bound */
    public int maxEvents() {
        return maxEvents;
    }

    /** @return the content bound in characters */
    public long maxChars() {
        return maxChars;
    }

    private boolean full(ChatEvent event) {
        return !events.isEmpty() && (events.size() >= maxEvents || chars + size(event) > maxChars);
    }

    private void enqueue(ChatEvent event) {
        events.add(event);
        chars += size(event);
        notEmpty.signal();
    }
}
