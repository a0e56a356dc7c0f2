package io.lingma.gateway.api;

/**
 * API settings.
 *
 * @param defaultModel default model
 */
public record ApiSettings(String defaultModel) {

    /** @return defaults */
    public static ApiSettings defaults() {
        return new ApiSettings("kmodel");
    }
}
