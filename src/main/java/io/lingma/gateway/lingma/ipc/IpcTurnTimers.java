package io.lingma.gateway.lingma.ipc;

import io.vertx.core.Vertx;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

/**
 * The three timers of one IPC turn (lingma-ipc.md §5.7, §11): the turn deadline ({@code gateway.ipc.turn-timeout}),
 * the idle timer ({@code gateway.ipc.idle-timeout}, silence since the last frame) and the finish grace after a
 * {@code session/prompt} success ({@code gateway.ipc.finish-grace}). Guarded by the turn's monitor: every method
 * is called with it held, and the idle and grace callbacks run with it held.
 */
final class IpcTurnTimers {

    private final Vertx vertx;
    private final Object lock;
    private final BooleanSupplier terminal;
    private long lastActivityNanos = System.nanoTime();
    private long idleTimer = -1;
    private long deadlineTimer = -1;
    private long graceTimer = -1;

    /**
     * @param vertx    the timer source
     * @param lock     the turn's monitor
     * @param terminal true once the turn has ended: the idle and grace timers then do nothing
     */
    IpcTurnTimers(Vertx vertx, Object lock, BooleanSupplier terminal) {
        this.vertx = vertx;
        this.lock = lock;
        this.terminal = terminal;
    }

    /** Starts the turn deadline; {@code onDeadline} runs without the monitor (it takes it itself). */
    void startDeadline(long delayMs, Runnable onDeadline) {
        deadlineTimer = vertx.setTimer(delayMs, t -> onDeadline.run());
    }

    /** Records a frame of the turn (resets the silence the idle timer measures). */
    void activity() {
        lastActivityNanos = System.nanoTime();
    }

    /**
     * (Re)arms the idle timer: after {@code idleMs} of silence {@code onIdle} runs with a description.
     *
     * @param idleMs longest silence in milliseconds
     * @param onIdle called with the monitor held, e.g. "no frame for 180000 ms"
     */
    void armIdle(long idleMs, Consumer<String> onIdle) {
        armIdle(idleMs, idleMs, onIdle);
    }

    private void armIdle(long delayMs, long idleMs, Consumer<String> onIdle) {
        cancel(idleTimer);
        idleTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
            synchronized (lock) {
                if (terminal.getAsBoolean() || idleTimer != t) {
                    return;
                }
                long silentMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - lastActivityNanos);
                if (silentMs >= idleMs) {
                    onIdle.accept("no frame for " + silentMs + " ms");
                } else {
                    armIdle(idleMs - silentMs, idleMs, onIdle);
                }
            }
        });
    }

    /** Starts the finish grace unless it runs already; {@code onGrace} runs with the monitor held. */
    void startGrace(long delayMs, Runnable onGrace) {
        if (graceTimer >= 0) {
            return;
        }
        graceTimer = vertx.setTimer(Math.max(1, delayMs), t -> {
            synchronized (lock) {
                graceTimer = -1;
                onGrace.run();
            }
        });
    }

    /** Stops the idle timer (a prompt is sent again later). */
    void cancelIdle() {
        cancel(idleTimer);
        idleTimer = -1;
    }

    /** Stops the idle and grace timers, keeping the deadline (a replay of the same turn). */
    void cancelIdleAndGrace() {
        cancelIdle();
        cancel(graceTimer);
        graceTimer = -1;
    }

    /** Stops every timer (the end of the turn). */
    void cancelAll() {
        cancelIdleAndGrace();
        cancel(deadlineTimer);
        deadlineTimer = -1;
    }

    private void cancel(long id) {
        if (id >= 0) {
            vertx.cancelTimer(id);
        }
    }
}
