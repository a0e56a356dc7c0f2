package io.lingma.gateway.config;

/**
 * A setting whose value cannot be used (bad duration, unknown enum value, size out of range) or that is missing.
 * Fatal at start: {@link io.lingma.gateway.GatewayMain} prints {@link #getMessage()} — one line naming the key,
 * the value and the accepted values — and exits with status 1 (client-api.md §15).
 */
public final class InvalidSettingException extends IllegalArgumentException {

    private static final long serialVersionUID = 1L;

    private final String key;

    /**
     * @param key      the property key, e.g. {@code gateway.ipc.idle-timeout}
     * @param value    the value found (trimmed)
     * @param accepted what the key accepts, e.g. {@code a duration such as 500ms, 5s, 2m, 1h}
     */
    InvalidSettingException(String key, String value, String accepted) {
        super("invalid value for " + key + ": '" + value + "' (accepted: " + accepted + ")");
        this.key = key;
    }

    /**
     * @param key the property key that no property source defines
     */
    InvalidSettingException(String key) {
        super(key + " is not set (application.properties lists every setting with its default)");
        this.key = key;
    }

    /** @return the property key at fault */
    public String key() {
        return key;
    }
}
