package io.lingma.gateway.admin;

import io.lingma.gateway.api.SseFrame;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one request's debug-ring entry collects while it runs (client-api.md §14): the SSE frames written (the
 * first and the last {@value #KEPT_FRAMES}, redacted), whether a terminal error frame went out, and the upstream
 * calls with their timings. Kept as an exchange property ({@link #PROPERTY}); absent when the ring is off, and
 * every method is safe to call on {@link #NONE}.
 */
public final class RequestTrace {

    /** The exchange property holding the request's trace. */
    public static final String PROPERTY = "gatewayRequestTrace";
    /** A trace that records nothing, for requests outside the ring. */
    public static final RequestTrace NONE = new RequestTrace(false);
    /** Frames kept at each end of a stream. */
    static final int KEPT_FRAMES = 3;

    private final boolean recording;
    private final long start = System.nanoTime();
    private final List<String> first = new ArrayList<>();
    private final Deque<String> last = new ArrayDeque<>();
    private final List<Map<String, Object>> upstream = new ArrayList<>();
    private int frames;
    private long firstFrameMs = -1;
    private boolean failed;

    RequestTrace(boolean recording) {
        this.recording = recording;
    }

    /**
     * Records frames about to be written to the client (the SSE streamer's tap).
     *
     * @param written the frames
     * @return the same frames
     */
    public List<SseFrame> frames(List<SseFrame> written) {
        if (!recording || written == null) {
            return written;
        }
        synchronized (this) {
            for (SseFrame f : written) {
                if (f.comment() != null) {
                    continue; // keep-alives say nothing about the answer
                }
                if (firstFrameMs < 0) {
                    firstFrameMs = elapsedMs();
                }
                frames++;
                String text = Redaction.frame(f.render().strip());
                if (first.size() < KEPT_FRAMES) {
                    first.add(text);
                } else {
                    last.addLast(text);
                    if (last.size() > KEPT_FRAMES) {
                        last.removeFirst();
                    }
                }
            }
        }
        return written;
    }

    /**
     * Records the terminal error frames of a stream that failed after its commit.
     *
     * @param written the error frames
     * @return the same frames
     */
    public List<SseFrame> failure(List<SseFrame> written) {
        if (recording) {
            synchronized (this) {
                failed = true;
            }
        }
        return frames(written);
    }

    /**
     * Records one call towards Lingma made for this request.
     *
     * @param endpoint what was called (a route endpoint URI)
     * @param ms       how long it took
     * @param failed   whether it ended with an exception
     */
    synchronized void upstreamCall(String endpoint, long ms, boolean failed) {
        if (!recording) {
            return;
        }
        Map<String, Object> call = new LinkedHashMap<>();
        call.put("endpoint", endpoint);
        call.put("started_ms", elapsedMs() - ms);
        call.put("duration_ms", ms);
        call.put("failed", failed);
        upstream.add(call);
    }

    synchronized boolean failed() {
        return failed;
    }

    synchronized boolean streamed() {
        return frames > 0;
    }

    /** @return {@code {count, first_frame_ms, first:[…], last:[…]}}, or null when no frame was written */
    synchronized Map<String, Object> framesDocument() {
        if (frames == 0) {
            return null;
        }
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("count", frames);
        doc.put("first_frame_ms", firstFrameMs);
        doc.put("first", List.copyOf(first));
        doc.put("last", List.copyOf(last));
        return doc;
    }

    synchronized List<Map<String, Object>> upstreamCalls() {
        return List.copyOf(upstream);
    }

    long elapsedMs() {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
