package io.lingma.gateway.chat;

import java.util.List;

/**
 * One model of the upstream catalogue (lingma-ipc.md §5.9, client-api.md §3.1).
 *
 * @param key         internal Lingma model key, e.g. {@code dashscope_qwen3_coder}
 * @param displayName display name, e.g. {@code Qwen3-Coder}; the key when no name is known
 * @param scenes      catalogue scenes the model appeared in ({@code chat}, {@code inline}, …)
 * @param reasoning   true when the catalogue marks it as a reasoning model (null when unknown)
 * @param vision      true when the catalogue marks it as accepting images (null when unknown)
 */
public record ModelInfo(String key, String displayName, List<String> scenes, Boolean reasoning, Boolean vision) {

    public ModelInfo {
        displayName = displayName == null || displayName.isBlank() ? key : displayName;
        scenes = scenes == null ? List.of() : List.copyOf(scenes);
    }
}
