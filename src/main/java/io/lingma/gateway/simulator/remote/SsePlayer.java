package io.lingma.gateway.simulator.remote;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * Writes a {@link SseFrames.Playback} as a {@code 200 text/event-stream} response, one write per frame
 * (lingma-remote.md §11.4 "flushed individually"), spaced by Vert.x timers so the event loop never blocks, and
 * records a client that closes first as an abort. Stateless apart from the shared counters.
 */
final class SsePlayer {

    private final RemoteSimulatorState state;

    SsePlayer(RemoteSimulatorState state) {
        this.state = state;
    }

    /**
     * @param request  the chat request
     * @param rec      its record (marked aborted when the client closes before the end)
     * @param playback the frames and the ending
     */
    void play(HttpServerRequest request, RecordedRemoteRequest rec, SseFrames.Playback playback) {
        HttpServerResponse response = request.response();
        AtomicBoolean finished = new AtomicBoolean();
        response.setStatusCode(200).setChunked(true).putHeader("Content-Type", "text/event-stream")
                .putHeader("Cache-Control", "no-cache").putHeader("X-Lingma-Simulator", "remote");
        response.closeHandler(v -> {
            if (finished.compareAndSet(false, true)) {
                rec.markAborted();
                state.clientAborts.incrementAndGet();
            }
        });
        response.writeHead();
        writeFrom(request, playback, 0, finished);
    }

    private void writeFrom(HttpServerRequest request, SseFrames.Playback playback, int index, AtomicBoolean finished) {
        if (finished.get()) {
            return;
        }
        HttpServerResponse response = request.response();
        List<String> frames = playback.frames();
        if (index < frames.size()) {
            response.write(frames.get(index));
            state.framesWritten.incrementAndGet();
            if (playback.delayMs() > 0) {
                state.vertx.setTimer(playback.delayMs(), id -> writeFrom(request, playback, index + 1, finished));
            } else {
                state.vertx.runOnContext(v -> writeFrom(request, playback, index + 1, finished));
            }
            return;
        }
        switch (playback.ending()) {
            case CLOSE_CLEANLY -> {
                finished.set(true);
                response.end();
            }
            case RESET -> {
                finished.set(true);
                request.connection().close();
            }
            case KEEP_OPEN -> {
                // held open until the client gives up (end style D); that close is recorded as a client abort
            }
        }
    }
}
