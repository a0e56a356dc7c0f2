package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ModelInfo;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Generic parser of the {@code config/queryModels} result (lingma-ipc.md §5.9): walks the JSON tree; any object
 * with an id ({@code id}/{@code modelId}/{@code key}) and a name ({@code name}/{@code label}/{@code displayName}/
 * {@code title}), or an id that looks like a model key ({@code qwen}, {@code model}, {@code auto}, {@code coder}),
 * is a model; the enclosing top-level key is its scene. Entries with the same key merge their scenes; entries with
 * the same display name collapse to one, preferring the one listed in the {@code chat} scene. Models of the
 * {@code chat} scene come first, otherwise first-seen order is kept.
 */
public final class IpcModelCatalog {

    private static final List<String> ID_FIELDS = List.of("id", "modelId", "key");
    private static final List<String> NAME_FIELDS = List.of("name", "label", "displayName", "title");
    private static final List<String> ID_HINTS = List.of("qwen", "model", "auto", "coder");

    private IpcModelCatalog() {
    }

    /**
     * @param result the {@code config/queryModels} result (any shape; null or non-container gives an empty list)
     * @return the models, {@code chat}-scene models first, else in first-seen order
     */
    public static List<ModelInfo> parse(JsonNode result) {
        Map<String, Builder> byKey = new LinkedHashMap<>();
        if (result != null && result.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = result.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> e = fields.next();
                walk(e.getValue(), e.getKey(), byKey);
            }
        } else if (result != null && result.isArray()) {
            walk(result, null, byKey);
        }
        Map<String, Builder> byName = new LinkedHashMap<>();
        for (Builder b : byKey.values()) {
            String nameKey = b.displayName.toLowerCase(Locale.ROOT);
            Builder existing = byName.get(nameKey);
            if (existing == null) {
                byName.put(nameKey, b);
            } else {
                Builder keep = !existing.scenes.contains("chat") && b.scenes.contains("chat") ? b : existing;
                Builder drop = keep == b ? existing : b;
                keep.scenes.addAll(drop.scenes);
                byName.put(nameKey, keep);
            }
        }
        List<Builder> ordered = new ArrayList<>(byName.values());
        // chat-scene models first (stable): the default model is the first chat model Lingma lists
        ordered.sort(java.util.Comparator.comparingInt(b -> b.scenes.contains("chat") ? 0 : 1));
        List<ModelInfo> models = new ArrayList<>();
        for (Builder b : ordered) {
            models.add(new ModelInfo(b.key, b.displayName, List.copyOf(b.scenes), b.reasoning, b.vision));
        }
        return models;
    }

    private static void walk(JsonNode node, String scene, Map<String, Builder> byKey) {
        if (node == null) {
            return;
        }
        if (node.isArray()) {
            for (JsonNode child : node) {
                walk(child, scene, byKey);
            }
            return;
        }
        if (!node.isObject()) {
            return;
        }
        String id = firstText(node, ID_FIELDS);
        String name = firstText(node, NAME_FIELDS);
        if (id != null && (name != null || looksLikeModelId(id))) {
            Builder b = byKey.computeIfAbsent(id, k -> new Builder(k));
            if (b.displayName.equals(b.key) && name != null) {
                b.displayName = name;
            }
            if (scene != null) {
                b.scenes.add(scene);
            }
            if (b.reasoning == null && node.path("isReasoning").isBoolean()) {
                b.reasoning = node.get("isReasoning").asBoolean();
            }
            if (b.vision == null && node.path("isVl").isBoolean()) {
                b.vision = node.get("isVl").asBoolean();
            }
            return;
        }
        Iterator<JsonNode> children = node.elements();
        while (children.hasNext()) {
            walk(children.next(), scene, byKey);
        }
    }

    private static boolean looksLikeModelId(String id) {
        String lower = id.toLowerCase(Locale.ROOT);
        return ID_HINTS.stream().anyMatch(lower::contains);
    }

    private static String firstText(JsonNode node, List<String> fields) {
        for (String f : fields) {
            JsonNode v = node.get(f);
            if (v != null && v.isValueNode() && !v.isNull() && !v.asText().isBlank()) {
                return v.asText().trim();
            }
        }
        return null;
    }

    private static final class Builder {
        final String key;
        String displayName;
        final Set<String> scenes = new LinkedHashSet<>();
        Boolean reasoning;
        Boolean vision;

        Builder(String key) {
            this.key = key;
            this.displayName = key;
        }
    }
}
