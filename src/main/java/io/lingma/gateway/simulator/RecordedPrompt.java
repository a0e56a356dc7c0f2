package io.lingma.gateway.simulator;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One accepted {@code session/prompt} as the simulator received it (lingma-ipc.md §5.4, §10.5 recorder).
 *
 * @param sessionId  the {@code params.sessionId}
 * @param requestId  {@code params._meta["ai-coding/request-id"]}
 * @param text       the {@code text} of every {@code type:"text"} prompt block, joined with {@code "\n"}
 * @param meta       the whole {@code params._meta} object as plain Java values (maps, lists, strings, numbers)
 * @param modelId    the model key last set on the session with {@code session/set_model}, or {@code null}
 * @param imageCount number of {@code type:"image"} prompt blocks
 * @param scenario   name (or {@code match}) of the scenario that scripted the turn, {@code null} for the default reply
 * @param turn       1-based number of this prompt within its session
 * @param cwd        the {@code cwd} the session was created with ({@code session/new}, §5.2), or {@code null}
 */
public record RecordedPrompt(String sessionId, String requestId, String text, Map<String, Object> meta,
                             String modelId, int imageCount, String scenario, int turn, String cwd) {

    /** Defensive copy of {@code meta}. */
    public RecordedPrompt {
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(meta));
    }
}
