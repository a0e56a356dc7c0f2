package io.lingma.gateway.admin;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Generation counters since start for {@code /internal/stats} (client-api.md §8.5, §12): requests, outcomes,
 * streamed or not, estimated or reported tokens, in total, per model actually used and per API key name (never the
 * key). Model and key labels are bounded: the catalogue's keys and the configured key names.
 */
public final class GatewayStats {

    private final Counters total = new Counters();
    private final LongAdder stream = new LongAdder();
    private final LongAdder nonStream = new LongAdder();
    private final Map<String, Counters> byModel = new ConcurrentHashMap<>();
    private final Map<String, Counters> byKey = new ConcurrentHashMap<>();

    /**
     * Counts one finished generation request.
     *
     * @param model            the Lingma model key that answered (or was chosen); null or empty = {@code unknown}
     * @param keyName          the caller's key name ({@code -} when anonymous)
     * @param streamed         whether the client asked for SSE
     * @param success          whether the client got a complete answer
     * @param promptTokens     input tokens (0 when the turn never finished)
     * @param completionTokens output tokens
     */
    public void record(String model, String keyName, boolean streamed, boolean success, long promptTokens,
                       long completionTokens) {
        long in = Math.max(0, promptTokens);
        long out = Math.max(0, completionTokens);
        (streamed ? stream : nonStream).increment();
        total.add(success, in, out);
        byModel.computeIfAbsent(model == null || model.isEmpty() ? "unknown" : model, m -> new Counters())
                .add(success, in, out);
        byKey.computeIfAbsent(keyName == null ? "-" : keyName, k -> new Counters()).add(success, in, out);
    }

    /**
     * @return {@code {chat_requests_total, chat_requests_success, chat_requests_error, chat_stream_requests,
     * chat_non_stream_requests, prompt_tokens_estimated_total, completion_tokens_estimated_total,
     * total_tokens_estimated, by_model:{<key>:{requests, success, error, prompt_tokens, completion_tokens}},
     * by_key:{<name>:{…}}}}
     */
    public Map<String, Object> document() {
        Map<String, Object> doc = new java.util.LinkedHashMap<>();
        doc.put("chat_requests_total", total.requests.sum());
        doc.put("chat_requests_success", total.success.sum());
        doc.put("chat_requests_error", total.error.sum());
        doc.put("chat_stream_requests", stream.sum());
        doc.put("chat_non_stream_requests", nonStream.sum());
        doc.put("prompt_tokens_estimated_total", total.prompt.sum());
        doc.put("completion_tokens_estimated_total", total.completion.sum());
        doc.put("total_tokens_estimated", total.prompt.sum() + total.completion.sum());
        doc.put("by_model", table(byModel));
        doc.put("by_key", table(byKey));
        return doc;
    }

    private static Map<String, Object> table(Map<String, Counters> counters) {
        Map<String, Object> out = new TreeMap<>();
        counters.forEach((name, c) -> out.put(name, c.document()));
        return out;
    }

    private static final class Counters {
        final LongAdder requests = new LongAdder();
        final LongAdder success = new LongAdder();
        final LongAdder error = new LongAdder();
        final LongAdder prompt = new LongAdder();
        final LongAdder completion = new LongAdder();

        void add(boolean ok, long in, long out) {
            requests.increment();
            (ok ? success : error).increment();
            prompt.add(in);
            completion.add(out);
        }

        Map<String, Object> document() {
            Map<String, Object> doc = new java.util.LinkedHashMap<>();
            doc.put("requests", requests.sum());
            doc.put("success", success.sum());
            doc.put("error", error.sum());
            doc.put("prompt_tokens", prompt.sum());
            doc.put("completion_tokens", completion.sum());
            return doc;
        }
    }
}
