package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ModelInfo;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parses {@code GET /algo/api/v2/model/list} answers (lingma-remote.md §6.1): an object keyed by scene
 * ({@code chat}, {@code inline}, {@code developer}, {@code assistant}, …) or the wrapped form
 * {@code {"statusCodeValue":200,"body":"<json>"}}. Models are the union of all scenes ({@code chat} first, then
 * {@code inline}, then the others in document order), deduplicated by {@code key} (scenes merged);
 * {@code enable:false} models are hidden unless {@code gateway.remote.show-disabled-models}. Unknown fields are
 * ignored. Thread-safe.
 */
public final class RemoteModelListParser {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private final boolean showDisabled;

    /** @param showDisabled {@code gateway.remote.show-disabled-models} */
    public RemoteModelListParser(boolean showDisabled) {
        this.showDisabled = showDisabled;
    }

    /**
     * The parsed catalogue.
     *
     * @param models       visible models in order
     * @param disabledKeys keys of {@code enable:false} models (hidden or not)
     * @param simulator    true when any entry carries {@code "simulator":true} (the built-in simulator, §11.3)
     */
    public record RemoteModelList(List<ModelInfo> models, List<String> disabledKeys, boolean simulator) {
        /** Copies the lists. */
        public RemoteModelList {
            models = List.copyOf(models);
            disabledKeys = List.copyOf(disabledKeys);
        }

        /** @return the visible model keys, in order */
        public List<String> keys() {
            return models.stream().map(ModelInfo::key).toList();
        }
    }

    /**
     * @param json the response body
     * @return the visible models
     * @throws RemoteFailure kind {@link RemoteFailure.Kind#PROTOCOL} when the body is not a JSON object (or a
     *                       wrapped one), or the wrapped {@code statusCodeValue} is an error (classified as §8.2)
     */
    public List<ModelInfo> parse(String json) {
        return parseDetailed(json).models();
    }

    /**
     * @param json the response body
     * @return the catalogue with disabled keys and the simulator marker
     * @throws RemoteFailure as {@link #parse}
     */
    public RemoteModelList parseDetailed(String json) {
        JsonNode root = readObject(json);
        if (root.has("statusCodeValue") || (root.has("body") && !root.has("chat"))) {
            int status = root.path("statusCodeValue").asInt(200);
            JsonNode body = root.path("body");
            if (status >= 400) {
                throw RemoteFailure.fromEnvelope(status, body.isTextual() ? body.asText() : body.toString());
            }
            root = body.isTextual() ? readObject(body.asText()) : body;
            if (!root.isObject()) {
                throw new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "remote model list: wrapped body is not an "
                        + "object");
            }
        }
        List<String> scenes = new ArrayList<>();
        for (String first : List.of("chat", "inline")) {
            if (root.path(first).isArray()) {
                scenes.add(first);
            }
        }
        Iterator<String> names = root.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            if (!scenes.contains(name) && root.path(name).isArray()) {
                scenes.add(name);
            }
        }
        Map<String, Entry> byKey = new LinkedHashMap<>();
        List<String> disabled = new ArrayList<>();
        boolean simulator = false;
        for (String scene : scenes) {
            for (JsonNode model : root.path(scene)) {
                String key = model.path("key").asText("").trim();
                if (key.isEmpty()) {
                    continue;
                }
                simulator |= model.path("simulator").asBoolean(false);
                Entry entry = byKey.computeIfAbsent(key, k -> new Entry(model));
                if (!entry.scenes.contains(scene)) {
                    entry.scenes.add(scene);
                }
            }
        }
        List<ModelInfo> models = new ArrayList<>();
        for (Map.Entry<String, Entry> e : byKey.entrySet()) {
            JsonNode model = e.getValue().first;
            boolean enabled = !model.has("enable") || model.path("enable").asBoolean(true);
            if (!enabled) {
                disabled.add(e.getKey());
                if (!showDisabled) {
                    continue;
                }
            }
            String display = model.path("display_name").asText("");
            models.add(new ModelInfo(e.getKey(), display.isBlank() ? e.getKey() : display, e.getValue().scenes,
                    bool(model, "is_reasoning"), bool(model, "is_vl")));
        }
        return new RemoteModelList(models, disabled, simulator);
    }

    private static Boolean bool(JsonNode model, String field) {
        JsonNode value = model.path(field);
        return value.isBoolean() ? value.asBoolean() : null;
    }

    private static JsonNode readObject(String json) {
        try {
            JsonNode node = MAPPER.readTree(json == null ? "" : json);
            if (node != null && node.isObject()) {
                return node;
            }
        } catch (IOException e) {
            // reported below
        }
        throw new RemoteFailure(RemoteFailure.Kind.PROTOCOL, "remote model list: body is not a JSON object");
    }

    private static final class Entry {
        final JsonNode first;
        final List<String> scenes = new ArrayList<>();

        Entry(JsonNode first) {
            this.first = first;
        }
    }
}
