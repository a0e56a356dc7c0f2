package io.lingma.gateway.simulator;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The scene-grouped model catalogue answered to {@code config/queryModels} and used to validate
 * {@code session/set_model} (lingma-ipc.md §5.9, §8, §10.4). Every model object carries {@code "simulator":true} so
 * a catalogue dump can never pass for a real account's.
 *
 * @param scenes scene key ({@code chat}, {@code assistant}, {@code developer}, {@code inline}, {@code quest}, …) to
 *               its models, in order
 */
public record SimulatorModelCatalog(Map<String, List<Model>> scenes) {

    /** Copies the scene map, keeping its order. */
    public SimulatorModelCatalog {
        Map<String, List<Model>> copy = new LinkedHashMap<>();
        scenes.forEach((scene, models) -> copy.put(scene, List.copyOf(models)));
        scenes = Collections.unmodifiableMap(copy);
    }

    /**
     * One catalogue entry (§5.9 reconstruction; {@code isReasoning}/{@code isVl} are [unverified] upstream).
     *
     * @param key         internal model key sent in {@code session/set_model.modelId}, e.g. {@code dashscope_qwen3_coder}
     * @param displayName display name, e.g. {@code Qwen3-Coder}; {@code null} emits an entry without a name
     * @param reasoning   emitted as {@code isReasoning}
     * @param vision      emitted as {@code isVl}
     */
    public record Model(String key, String displayName, boolean reasoning, boolean vision) {
    }

    /**
     * @return the realistic default: {@code chat} with Auto, Qwen3-Coder, Qwen3-Thinking (reasoning), Kimi-K2.6,
     *         MiniMax-M2.7, Qwen3-Max, Qwen3.6-Plus; smaller {@code assistant}, {@code developer}, {@code inline}
     *         (one unnamed {@code q35model}) and {@code quest} scenes
     */
    public static SimulatorModelCatalog defaults() {
        Model auto = new Model("org_auto", "Auto", false, true);
        Model coder = new Model("dashscope_qwen3_coder", "Qwen3-Coder", false, false);
        Model thinking = new Model("dashscope_qwen_plus_20250428_thinking", "Qwen3-Thinking", true, false);
        Model kimi = new Model("kmodel", "Kimi-K2.6", false, false);
        Model minimax = new Model("mmodel", "MiniMax-M2.7", false, false);
        Model max = new Model("dashscope_qwen_max_latest", "Qwen3-Max", false, false);
        Model plus = new Model("dashscope_qmodel", "Qwen3.6-Plus", false, true);
        Map<String, List<Model>> scenes = new LinkedHashMap<>();
        scenes.put("assistant", List.of(auto, coder));
        scenes.put("chat", List.of(auto, coder, thinking, kimi, minimax, max, plus));
        scenes.put("developer", List.of(auto, coder, kimi));
        scenes.put("inline", List.of(new Model("q35model", null, false, false)));
        scenes.put("quest", List.of(plus));
        return new SimulatorModelCatalog(scenes);
    }

    /** @return the five scenes, all empty (the client must fall back to its pseudo-model, §8) */
    public static SimulatorModelCatalog empty() {
        Map<String, List<Model>> scenes = new LinkedHashMap<>();
        for (String scene : List.of("assistant", "chat", "developer", "inline", "quest")) {
            scenes.put(scene, List.of());
        }
        return new SimulatorModelCatalog(scenes);
    }

    /**
     * @param key an internal model key
     * @return whether any scene lists it
     */
    public boolean contains(String key) {
        return scenes.values().stream().flatMap(List::stream).anyMatch(m -> m.key().equals(key));
    }

    /**
     * @param mapper used to create the nodes
     * @return the {@code config/queryModels} result object
     */
    public ObjectNode toJson(ObjectMapper mapper) {
        ObjectNode result = mapper.createObjectNode();
        scenes.forEach((scene, models) -> {
            ArrayNode list = result.putArray(scene);
            for (Model model : models) {
                ObjectNode entry = list.addObject().put("key", model.key());
                if (model.displayName() != null) {
                    entry.put("displayName", model.displayName());
                }
                entry.put("isReasoning", model.reasoning()).put("isVl", model.vision()).put("simulator", true);
            }
        });
        return result;
    }
}
