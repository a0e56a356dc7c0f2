package io.lingma.gateway.config;

import org.apache.camel.CamelContext;
import org.apache.camel.util.TimeUtils;

import java.time.Duration;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Typed read access to the gateway's properties through Camel's properties component, so every key follows the
 * same layering (file → environment → command line). There are no fallback values in code: application.properties
 * (always loaded, packaged in the jar) holds every default, and a key no source defines is an error.
 *
 * <p>Durations accept {@code 500ms}, {@code 5s}, {@code 2m}, {@code 1h}; a bare number is milliseconds (Camel's
 * {@link TimeUtils} format). Sizes accept {@code 64KB}, {@code 32MB}, {@code 1GB} or a bare number of bytes. A value
 * that does not parse or is out of range throws {@link InvalidSettingException}, whose one-line message names the
 * key and the accepted values (fatal at start, client-api.md §15).
 *
 * <p>Every key asked for is recorded ({@link #keysRead()}), so a test can check that each documented setting is
 * read and each read setting is documented.
 */
public final class GatewayProperties {

    private static final String DURATION = "a duration such as 500ms, 5s, 2m, 1h (a bare number is milliseconds)";
    /** What TimeUtils reads correctly; it turns anything else (abc, -5s, 1500MS) into 0 without complaint. */
    private static final java.util.regex.Pattern DURATION_SYNTAX =
            java.util.regex.Pattern.compile("\\d+|(\\d+(ms|s|m|h|d))+");
    private static final String BOOLEAN = "true or false (also yes/no, on/off, 1/0)";

    private final Function<String, Optional<String>> lookup;
    private final Function<String, Set<String>> namesWithPrefix;
    private final Set<String> keysRead = ConcurrentHashMap.newKeySet();

    /** @param context the Camel context whose properties component is read */
    public GatewayProperties(CamelContext context) {
        this(key -> context.getPropertiesComponent().resolveProperty(key),
                prefix -> context.getPropertiesComponent().loadProperties(name -> name.startsWith(prefix))
                        .stringPropertyNames());
    }

    /**
     * Properties without a Camel context (tests, tools).
     *
     * @param properties the values by key; placeholders are not resolved
     */
    public GatewayProperties(Properties properties) {
        this(key -> Optional.ofNullable(properties.getProperty(key)),
                prefix -> properties.stringPropertyNames().stream().filter(n -> n.startsWith(prefix))
                        .collect(Collectors.toSet()));
    }

    private GatewayProperties(Function<String, Optional<String>> lookup,
                              Function<String, Set<String>> namesWithPrefix) {
        this.lookup = lookup;
        this.namesWithPrefix = namesWithPrefix;
    }

    /**
     * @return every key asked for so far, sorted; a group read by prefix appears as {@code prefix*}, e.g.
     * {@code gateway.remote.headers.*}
     */
    public Set<String> keysRead() {
        return new TreeSet<>(keysRead);
    }

    /**
     * @param key property key
     * @return the trimmed value (may be empty)
     * @throws InvalidSettingException when no property source defines the key
     */
    public String string(String key) {
        keysRead.add(key);
        return lookup.apply(key).map(String::trim).orElseThrow(() -> new InvalidSettingException(key));
    }

    /**
     * @param key property key
     * @param min smallest accepted value
     * @return the integer value
     * @throws InvalidSettingException when the value is not an integer or below {@code min}
     */
    public int integer(String key, int min) {
        return integer(key, min, Integer.MAX_VALUE);
    }

    /**
     * @param key property key
     * @param min smallest accepted value
     * @param max largest accepted value
     * @return the integer value
     * @throws InvalidSettingException when the value is not an integer or outside {@code min..max}
     */
    public int integer(String key, int min, int max) {
        String v = string(key);
        String accepted = max == Integer.MAX_VALUE ? "an integer >= " + min : "an integer from " + min + " to " + max;
        int n = parse(key, v, accepted, Integer::parseInt);
        if (n < min || n > max) {
            throw new InvalidSettingException(key, v, accepted);
        }
        return n;
    }

    /**
     * @param key property key
     * @return {@code true} for true/yes/on/1, {@code false} for false/no/off/0 (case-insensitive)
     * @throws InvalidSettingException for any other value
     */
    public boolean bool(String key) {
        String v = string(key);
        return switch (v.toLowerCase(Locale.ROOT)) {
            case "true", "yes", "on", "1" -> true;
            case "false", "no", "off", "0" -> false;
            default -> throw new InvalidSettingException(key, v, BOOLEAN);
        };
    }

    /**
     * @param key property key
     * @return the duration, zero or more
     * @throws InvalidSettingException when the value is not a duration
     */
    public Duration duration(String key) {
        String v = string(key);
        if (!DURATION_SYNTAX.matcher(v).matches()) {
            throw new InvalidSettingException(key, v, DURATION);
        }
        return parse(key, v, DURATION, s -> Duration.ofMillis(TimeUtils.toMilliSeconds(s)));
    }

    /**
     * @param key property key
     * @return the duration, more than zero
     * @throws InvalidSettingException when the value is not a duration or not positive
     */
    public Duration positiveDuration(String key) {
        Duration d = duration(key);
        if (d.isZero()) {
            throw new InvalidSettingException(key, string(key), "a duration above 0 such as 500ms, 5s, 2m, 1h");
        }
        return d;
    }

    /**
     * @param key property key
     * @param min smallest accepted size in bytes
     * @param max largest accepted size in bytes
     * @return size in bytes
     * @throws InvalidSettingException when the value is not a size or outside {@code min..max}
     */
    public long bytes(String key, long min, long max) {
        String raw = string(key);
        String accepted = (max == Long.MAX_VALUE ? "a size >= " + min : "a size from " + min + " to " + max)
                + " bytes such as 65536, 64KB, 32MB, 1GB";
        String v = raw.toUpperCase(Locale.ROOT).replace(" ", "");
        long unit = 1;
        for (String[] u : new String[][]{{"GB", "1073741824"}, {"MB", "1048576"}, {"KB", "1024"}, {"B", "1"}}) {
            if (v.endsWith(u[0])) {
                unit = Long.parseLong(u[1]);
                v = v.substring(0, v.length() - u[0].length());
                break;
            }
        }
        long n = parse(key, v, accepted, Long::parseLong);
        if (n < 0 || n > Long.MAX_VALUE / unit || n * unit < min || n * unit > max) {
            throw new InvalidSettingException(key, raw, accepted);
        }
        return n * unit;
    }

    /**
     * @param key  property key
     * @param type enum class
     * @param <E>  enum type
     * @return the constant whose name matches the value (case-insensitive, {@code -} read as {@code _})
     * @throws InvalidSettingException for an unknown value; the message lists the constants in lower case with
     *                                 {@code -}
     */
    public <E extends Enum<E>> E enumValue(String key, Class<E> type) {
        String v = string(key);
        String normalised = v.toUpperCase(Locale.ROOT).replace('-', '_');
        for (E constant : type.getEnumConstants()) {
            if (constant.name().equals(normalised)) {
                return constant;
            }
        }
        throw new InvalidSettingException(key, v, Arrays.stream(type.getEnumConstants())
                .map(c -> c.name().toLowerCase(Locale.ROOT).replace('_', '-')).collect(Collectors.joining(" | ")));
    }

    /**
     * @param key      property key
     * @param accepted the accepted values (compared case-insensitively); {@code ""} accepts an empty value
     * @return the accepted value matched, as spelled in {@code accepted}
     * @throws InvalidSettingException for any other value
     */
    public String oneOf(String key, String... accepted) {
        String v = string(key);
        for (String a : accepted) {
            if (a.equalsIgnoreCase(v)) {
                return a;
            }
        }
        throw new InvalidSettingException(key, v, Arrays.stream(accepted).map(a -> a.isEmpty() ? "(empty)" : a)
                .collect(Collectors.joining(" | ")));
    }

    /**
     * @param key      property key
     * @param parser   turns the trimmed value into a setting; a {@link RuntimeException} means invalid
     * @param accepted what the key accepts, for the error message
     * @param <T>      the setting's type
     * @return the parsed value
     * @throws InvalidSettingException when {@code parser} rejects the value
     */
    public <T> T parsed(String key, Function<String, T> parser, String accepted) {
        return parse(key, string(key), accepted, parser);
    }

    /**
     * A group of settings named by their key's last part, e.g. {@code gateway.remote.headers.Cosy-Key}.
     *
     * @param prefix the group's prefix ending in {@code .}, e.g. {@code gateway.remote.headers.}
     * @return name after the prefix → trimmed value, sorted by name
     */
    public Map<String, String> group(String prefix) {
        keysRead.add(prefix + "*");
        Map<String, String> values = new LinkedHashMap<>();
        new TreeSet<>(namesWithPrefix.apply(prefix)).forEach(name -> values.put(name.substring(prefix.length()),
                lookup.apply(name).map(String::trim).orElse("")));
        return values;
    }

    private static <T> T parse(String key, String value, String accepted, Function<String, T> parser) {
        try {
            return parser.apply(value);
        } catch (RuntimeException e) {
            throw new InvalidSettingException(key, value, accepted);
        }
    }
}
