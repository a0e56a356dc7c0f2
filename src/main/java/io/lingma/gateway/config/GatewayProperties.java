package io.lingma.gateway.config;

import org.apache.camel.CamelContext;
import org.apache.camel.util.TimeUtils;

import java.time.Duration;
import java.util.Locale;
import java.util.Optional;

/**
 * Typed read access to the gateway's properties through Camel's properties component, so every key follows the
 * same layering (file → environment → command line). Durations accept {@code 500ms}, {@code 5s}, {@code 2m},
 * {@code 1h}; a bare number is milliseconds (Camel's {@link TimeUtils} format). Sizes accept {@code 64KB},
 * {@code 32MB}, {@code 1GB} or a bare number of bytes.
 */
public final class GatewayProperties {

    private final CamelContext context;

    /** @param context the Camel context whose properties component is read */
    public GatewayProperties(CamelContext context) {
        this.context = context;
    }

    /**
     * @param key property key
     * @param def value when the key is absent
     * @return the trimmed value, or {@code def}
     */
    public String string(String key, String def) {
        Optional<String> v = context.getPropertiesComponent().resolveProperty(key);
        return v.map(String::trim).orElse(def);
    }

    /**
     * @param key property key
     * @param def value when absent or blank
     * @return the integer value
     * @throws IllegalArgumentException when the value is not an integer
     */
    public int integer(String key, int def) {
        String v = string(key, "");
        return v.isEmpty() ? def : parse(key, v, Integer::parseInt);
    }

    /**
     * @param key property key
     * @param def value when absent or blank
     * @return {@code true} for true/yes/on/1, {@code false} for false/no/off/0
     * @throws IllegalArgumentException for any other value
     */
    public boolean bool(String key, boolean def) {
        String v = string(key, "").toLowerCase(Locale.ROOT);
        if (v.isEmpty()) {
            return def;
        }
        switch (v) {
            case "true", "yes", "on", "1":
                return true;
            case "false", "no", "off", "0":
                return false;
            default:
                throw new IllegalArgumentException("invalid boolean for " + key + ": " + v);
        }
    }

    /**
     * @param key property key
     * @param def value when absent or blank
     * @return the duration
     * @throws IllegalArgumentException when the value cannot be parsed
     */
    public Duration duration(String key, Duration def) {
        String v = string(key, "");
        return v.isEmpty() ? def : parse(key, v, s -> Duration.ofMillis(TimeUtils.toMilliSeconds(s)));
    }

    /**
     * @param key property key
     * @param def value when absent or blank
     * @return size in bytes
     * @throws IllegalArgumentException when the value cannot be parsed
     */
    public long bytes(String key, long def) {
        String v = string(key, "").toUpperCase(Locale.ROOT).replace(" ", "");
        if (v.isEmpty()) {
            return def;
        }
        long unit = 1;
        for (String[] u : new String[][]{{"GB", "1073741824"}, {"MB", "1048576"}, {"KB", "1024"}, {"B", "1"}}) {
            if (v.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                v = v.substring(0, v.length() - u[0].length());
                break;
            }
        }
        long n = parse(key, v, Long::parseLong);
        return n * unit;
    }

    /**
     * @param key      property key
     * @param type     enum class
     * @param def      value when absent or blank
     * @param <E>      enum type
     * @return the constant whose name matches the value (case-insensitive, {@code -} read as {@code _})
     * @throws IllegalArgumentException for an unknown value (invalid enum values are fatal at start, client-api.md §15)
     */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type, E def) {
        String v = string(key, "");
        if (v.isEmpty()) {
            return def;
        }
        try {
            return Enum.valueOf(type, v.toUpperCase(Locale.ROOT).replace('-', '_'));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("invalid value for " + key + ": " + v);
        }
    }

    /**
     * A group of settings named by their key's last part, e.g. {@code gateway.remote.headers.Cosy-Key}, from the
     * property files and the command line (environment variables cannot name a group member).
     *
     * @param prefix the group's prefix ending in {@code .}, e.g. {@code gateway.remote.headers.}
     * @return name after the prefix → trimmed value, sorted by name
     */
    public java.util.Map<String, String> group(String prefix) {
        java.util.Map<String, String> values = new java.util.TreeMap<>();
        context.getPropertiesComponent().loadProperties(name -> name.startsWith(prefix)).stringPropertyNames()
                .forEach(name -> values.put(name.substring(prefix.length()), string(name, "")));
        return values;
    }

    private static <T> T parse(String key, String value, java.util.function.Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid value for " + key + ": " + value, e);
        }
    }
}
