package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Reads the model keys out of an account's model-list answer (lingma-remote.md §6.1, §11.3) so the chat endpoint can
 * tell a known {@code model_config.key} from an unknown one. The simulator's own reading, independent of the
 * gateway's parser: every array-valued scene counts, disabled entries included, and the wrapped form
 * {@code {"statusCodeValue":200,"body":"<json>"}} is unwrapped. Stateless and thread-safe.
 */
final class CatalogueKeys {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private CatalogueKeys() {
    }

    /**
     * @param modelListJson the model-list answer (scene object or wrapped form)
     * @return the trimmed, non-empty keys of every scene; empty when the answer is no readable catalogue (not
     *         JSON, a wrapped error status, a wrapped body that is no object), which lets every key through
     */
    static Optional<Set<String>> of(String modelListJson) {
        JsonNode root = object(modelListJson);
        boolean wrapped = root != null && (root.has("statusCodeValue") || (root.has("body") && !root.has("chat")));
        if (wrapped) {
            if (root.path("statusCodeValue").asInt(200) >= 400) {
                return Optional.empty();
            }
            JsonNode body = root.path("body");
            root = body.isTextual() ? object(body.asText()) : body.isObject() ? body : null;
        }
        if (root == null) {
            return Optional.empty();
        }
        Set<String> keys = new HashSet<>();
        for (Iterator<Map.Entry<String, JsonNode>> scenes = root.fields(); scenes.hasNext(); ) {
            JsonNode scene = scenes.next().getValue();
            if (scene.isArray()) {
                scene.forEach(model -> keys.add(model.path("key").asText("").trim()));
            }
        }
        keys.remove("");
        return Optional.of(keys);
    }

    private static JsonNode object(String json) {
        try {
            JsonNode node = MAPPER.readTree(json == null ? "" : json);
            return node != null && node.isObject() ? node : null;
        } catch (IOException e) {
            return null;
        }
    }
}
