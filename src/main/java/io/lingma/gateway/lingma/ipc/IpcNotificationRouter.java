package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Routes the notifications of a Lingma IPC connection to its running turns (lingma-ipc.md §5.5, §5.6):
 * {@code session/update} by {@code params._meta["ai-coding/request-id"]} with one map lookup on the event loop;
 * updates of unknown or absent request ids, legacy notifications ({@code chat/process_step_callback},
 * {@code snapshot/syncAll}, {@code session/title/update}) and native tool/plan updates are counted and otherwise
 * ignored. Thread-safe.
 */
final class IpcNotificationRouter {

    private static final Logger LOG = LoggerFactory.getLogger(LingmaIpcClient.class);
    private static final Set<String> LEGACY_NOTIFICATIONS =
            Set.of("chat/process_step_callback", "snapshot/syncAll", "session/title/update");
    private static final Set<String> NATIVE_TOOL_UPDATES =
            Set.of("tool_call", "tool_call_update", "plan", "user_message_chunk");

    private final Map<String, LongAdder> counters = new ConcurrentHashMap<>();

    /**
     * Hands one notification to the turn it names, on the calling (event-loop) thread.
     *
     * @param turns  the connection's turns by request id
     * @param method the notification's method
     * @param params its params
     */
    void route(Map<String, LingmaIpcClient.TurnSink> turns, String method, JsonNode params) {
        if (!"session/update".equals(method)) {
            count(LEGACY_NOTIFICATIONS.contains(method) ? "legacy_notifications" : "other_notifications");
            return;
        }
        String kind = params.path("update").path("sessionUpdate").asText("");
        if (NATIVE_TOOL_UPDATES.contains(kind)) {
            count("native_tool_updates");
            if (LOG.isDebugEnabled()) {
                JsonNode update = params.path("update");
                LOG.debug("Lingma native {} ignored: tool {} status {} error {}", kind,
                        update.path("_meta").path("ai-coding/tool-name").asText(""), update.path("status").asText(""),
                        update.path("_meta").path("ai-coding/tool-call-error-code").asText(""));
            }
        }
        JsonNode requestId = params.path("_meta").get("ai-coding/request-id");
        if (requestId == null || !requestId.isTextual()) {
            count("missing_request_id");
            return;
        }
        LingmaIpcClient.TurnSink sink = turns.get(requestId.asText());
        if (sink == null) {
            count("unknown_request_id");
            return;
        }
        count("routed_updates");
        sink.onUpdate(params);
    }

    /**
     * @return a snapshot of the counters, sorted by name: {@code routed_updates}, {@code unknown_request_id},
     * {@code missing_request_id}, {@code legacy_notifications}, {@code native_tool_updates},
     * {@code other_notifications} (only those seen so far)
     */
    Map<String, Long> counters() {
        Map<String, Long> copy = new TreeMap<>();
        counters.forEach((k, v) -> copy.put(k, v.sum()));
        return copy;
    }

    private void count(String name) {
        counters.computeIfAbsent(name, k -> new LongAdder()).increment();
    }
}
