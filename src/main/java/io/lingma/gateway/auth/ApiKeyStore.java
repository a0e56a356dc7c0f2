package io.lingma.gateway.auth;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The gateway's API keys (issue 9 §1): those of {@code gateway.auth.api-keys} plus those of
 * {@code gateway.auth.keys-file}, which is read again whenever its content changes, so a key is added or revoked
 * without a restart. Only SHA-256 digests are kept; lookups compare the presented key's digest with every key's
 * in constant time. Thread-safe.
 *
 * <p>{@code gateway.auth.api-keys}: entries separated by commas or newlines, each {@code key} (named
 * {@code key-<first 8 hex of its SHA-256>}) or {@code name:key} (split at the first colon).
 *
 * <p>The keys file, JSON ({@code .json}) or YAML (any other name): {@code {"keys":[…]}} or the list alone, each
 * entry {@code name} plus exactly one of {@code key} or {@code sha256} (64 hex digits), optionally {@code models}
 * (names or globs the key may use) and {@code requests-per-minute}. Unknown fields are errors, so a misspelt
 * {@code models} never grants every model. Errors name the file, the entry and the field, never a key.
 */
public final class ApiKeyStore implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ApiKeyStore.class);
    /** Names end up in log lines and metric labels: one token, no spaces or control characters. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9._@-]{1,64}");
    private static final Pattern SHA256_HEX = Pattern.compile("[0-9a-fA-F]{64}");
    private static final Set<String> FIELDS = Set.of("name", "key", "sha256", "models", "requests-per-minute");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final ObjectMapper YAML = new YAMLMapper();

    private final List<ApiKey> listed;
    private final Path file;
    private final int defaultRequestsPerMinute;
    private volatile List<ApiKey> keys;
    private volatile byte[] fileDigest;
    private ScheduledFuture<?> watch;

    /**
     * Reads the listed keys and the keys file.
     *
     * @param apiKeys                  {@code gateway.auth.api-keys}; empty = none
     * @param keysFile                 {@code gateway.auth.keys-file}; null = none
     * @param defaultRequestsPerMinute {@code gateway.auth.requests-per-minute}: the rate of keys that set none
     *                                 (0 = no limit)
     * @throws IllegalArgumentException for an invalid entry, a duplicate name, or a keys file that cannot be read
     *                                  (fatal at start)
     */
    public ApiKeyStore(String apiKeys, Path keysFile, int defaultRequestsPerMinute) {
        if (defaultRequestsPerMinute < 0) {
            throw new IllegalArgumentException("invalid value for gateway.auth.requests-per-minute: "
                    + defaultRequestsPerMinute + " (0 = no limit)");
        }
        this.defaultRequestsPerMinute = defaultRequestsPerMinute;
        this.listed = parseList(apiKeys, defaultRequestsPerMinute);
        this.file = keysFile;
        this.keys = listed;
        if (file != null) {
            byte[] content = readFile();
            this.keys = merge(listed, parseFile(file, content, defaultRequestsPerMinute));
            this.fileDigest = sha256(content);
        }
    }

    /**
     * @return whether any API key source is configured: a keys file counts even while it lists no key, so emptying
     * it locks every client out instead of opening the gateway
     */
    public boolean configured() {
        return file != null || !listed.isEmpty();
    }

    /**
     * Looks a presented key up. Every key's digest is compared, whatever matched, so the time taken says nothing
     * about which key (or which part of one) was right.
     *
     * @param presented the key a client sent; null or blank for none
     * @return the matching key, or null
     */
    public ApiKey find(String presented) {
        boolean given = presented != null && !presented.isBlank();
        byte[] digest = sha256((given ? presented : "").getBytes(StandardCharsets.UTF_8));
        ApiKey hit = null;
        for (ApiKey key : keys) {
            // no early exit: the loop runs over every key
            if (key.matches(digest) & hit == null) {
                hit = key;
            }
        }
        return given ? hit : null;
    }

    /** @return the names of the keys in force, in order */
    public List<String> names() {
        return keys.stream().map(ApiKey::name).toList();
    }

    /**
     * Checks the keys file for changes every {@code interval}; a file that became unreadable or invalid leaves the
     * keys in force as they are (and says why in the log).
     *
     * @param timer    the scheduler to run the check on
     * @param interval how often the file is read
     */
    public synchronized void watch(ScheduledExecutorService timer, Duration interval) {
        if (file != null && watch == null) {
            long ms = Math.max(10, interval.toMillis());
            watch = timer.scheduleWithFixedDelay(this::reloadQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /**
     * Reads the keys file again and takes its keys when its content changed.
     *
     * @return whether the keys changed
     * @throws IllegalArgumentException when the file cannot be read or is invalid (the keys stay as they were)
     */
    boolean reload() {
        if (file == null) {
            return false;
        }
        byte[] content = readFile();
        byte[] digest = sha256(content);
        if (Arrays.equals(digest, fileDigest)) {
            return false;
        }
        List<ApiKey> fresh = merge(listed, parseFile(file, content, defaultRequestsPerMinute));
        keys = fresh;
        fileDigest = digest;
        LOG.info("API keys reloaded from {}: {}", file, String.join(", ", names()));
        return true;
    }

    private void reloadQuietly() {
        try {
            reload();
        } catch (RuntimeException e) {
            LOG.warn("keeping the API keys in force: {}", e.getMessage());
        }
    }

    @Override
    public synchronized void close() {
        if (watch != null) {
            watch.cancel(false);
            watch = null;
        }
    }

    /**
     * @param bytes any bytes
     * @return their SHA-256
     */
    static byte[] sha256(byte[] bytes) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(bytes);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }

    /**
     * @param key a plain key
     * @return its SHA-256, as the keys file's {@code sha256} field takes it (64 lower-case hex digits)
     */
    public static String sha256Hex(String key) {
        return HexFormat.of().formatHex(sha256(key.getBytes(StandardCharsets.UTF_8)));
    }

    private byte[] readFile() {
        try {
            return Files.readAllBytes(file);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new IllegalArgumentException("gateway.auth.keys-file " + file + " does not exist");
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read gateway.auth.keys-file " + file);
        }
    }

    private static List<ApiKey> parseList(String spec, int defaultRpm) {
        List<ApiKey> out = new ArrayList<>();
        if (spec == null) {
            return out;
        }
        int index = 0;
        for (String raw : spec.split("[,\\n]")) {
            String entry = raw.trim();
            if (entry.isEmpty()) {
                continue;
            }
            index++;
            int colon = entry.indexOf(':');
            String name = colon > 0 ? entry.substring(0, colon).trim() : null;
            String key = colon > 0 ? entry.substring(colon + 1).trim() : entry;
            if (key.isEmpty()) {
                throw new IllegalArgumentException("gateway.auth.api-keys entry " + index + " (" + name
                        + ") has no key");
            }
            byte[] digest = sha256(key.getBytes(StandardCharsets.UTF_8));
            if (name == null) {
                name = "key-" + HexFormat.of().formatHex(digest, 0, 4);
            } else if (!NAME.matcher(name).matches()) {
                throw new IllegalArgumentException("gateway.auth.api-keys entry " + index
                        + ": the name must be 1-64 of A-Z a-z 0-9 . _ @ - (a key containing ':' needs a name: "
                        + "name:key)");
            }
            out.add(new ApiKey(name, digest, List.of(), defaultRpm));
        }
        return merge(out, List.of());
    }

    private static List<ApiKey> parseFile(Path file, byte[] content, int defaultRpm) {
        String where = "gateway.auth.keys-file " + file;
        boolean json = file.getFileName().toString().toLowerCase(Locale.ROOT).endsWith(".json");
        JsonNode root;
        try {
            root = content.length == 0 ? null : (json ? JSON : YAML).readTree(content);
        } catch (JsonProcessingException e) {
            // Jackson's message quotes the text around the error, which may be a key: only the position is said
            JsonLocation at = e.getLocation();
            throw new IllegalArgumentException(where + " is not valid " + (json ? "JSON" : "YAML")
                    + (at == null ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")"));
        } catch (IOException e) {
            throw new IllegalArgumentException("cannot read " + where);
        }
        if (root == null || root.isMissingNode() || root.isNull()) {
            return List.of();
        }
        JsonNode list = root.isObject() ? root.path("keys") : root;
        if (root.isObject() && (root.size() != 1 || !list.isArray())) {
            throw new IllegalArgumentException(where + ": expected {\"keys\": [...]} or a list of keys");
        }
        if (!list.isArray()) {
            throw new IllegalArgumentException(where + ": expected {\"keys\": [...]} or a list of keys");
        }
        List<ApiKey> out = new ArrayList<>();
        int index = 0;
        for (JsonNode entry : list) {
            index++;
            out.add(parseEntry(where + " entry " + index, entry, defaultRpm));
        }
        return out;
    }

    private static ApiKey parseEntry(String where, JsonNode entry, int defaultRpm) {
        if (!entry.isObject()) {
            throw new IllegalArgumentException(where + ": expected an object with name and key or sha256");
        }
        for (Iterator<String> it = entry.fieldNames(); it.hasNext(); ) {
            String field = it.next();
            if (!FIELDS.contains(field)) {
                throw new IllegalArgumentException(where + ": unknown field '" + field + "' (known: name, key, "
                        + "sha256, models, requests-per-minute)");
            }
        }
        String name = entry.path("name").asText("");
        if (!entry.path("name").isTextual() || !NAME.matcher(name).matches()) {
            throw new IllegalArgumentException(where + ": name must be 1-64 of A-Z a-z 0-9 . _ @ -");
        }
        where += " (" + name + ")";
        JsonNode key = entry.get("key");
        JsonNode hash = entry.get("sha256");
        if ((key == null) == (hash == null)) {
            throw new IllegalArgumentException(where + ": set exactly one of key and sha256");
        }
        byte[] digest;
        if (key != null) {
            if (!key.isTextual() || key.asText().isBlank()) {
                throw new IllegalArgumentException(where + ": key must be a non-empty string");
            }
            digest = sha256(key.asText().trim().getBytes(StandardCharsets.UTF_8));
        } else {
            if (!hash.isTextual() || !SHA256_HEX.matcher(hash.asText().trim()).matches()) {
                throw new IllegalArgumentException(where + ": sha256 must be 64 hex digits");
            }
            digest = HexFormat.of().parseHex(hash.asText().trim().toLowerCase(Locale.ROOT));
        }
        return new ApiKey(name, digest, models(where, entry.get("models")), rate(where, entry, defaultRpm));
    }

    private static List<String> models(String where, JsonNode models) {
        if (models == null || models.isNull()) {
            return List.of();
        }
        List<String> out = new ArrayList<>();
        if (models.isTextual()) {
            Arrays.stream(models.asText().split(",")).map(String::trim).filter(s -> !s.isEmpty()).forEach(out::add);
        } else if (models.isArray()) {
            for (JsonNode m : models) {
                if (!m.isTextual() || m.asText().isBlank()) {
                    throw new IllegalArgumentException(where + ": models must be a list of model names");
                }
                out.add(m.asText().trim());
            }
        } else {
            throw new IllegalArgumentException(where + ": models must be a list of model names");
        }
        if (out.isEmpty()) {
            // an empty list would read as "every model": say so instead of guessing
            throw new IllegalArgumentException(where + ": models is empty (leave it out to allow every model)");
        }
        return out;
    }

    private static int rate(String where, JsonNode entry, int defaultRpm) {
        JsonNode rpm = entry.get("requests-per-minute");
        if (rpm == null || rpm.isNull()) {
            return defaultRpm;
        }
        if (!rpm.canConvertToInt() || !rpm.isIntegralNumber() || rpm.asInt() < 0) {
            throw new IllegalArgumentException(where + ": requests-per-minute must be a whole number >= 0");
        }
        return rpm.asInt();
    }

    private static List<ApiKey> merge(List<ApiKey> first, List<ApiKey> second) {
        List<ApiKey> all = new ArrayList<>(first);
        all.addAll(second);
        Set<String> names = new HashSet<>();
        for (ApiKey k : all) {
            if (!names.add(k.name())) {
                throw new IllegalArgumentException("API key name '" + k.name() + "' is used twice "
                        + "(gateway.auth.api-keys, gateway.auth.keys-file)");
            }
        }
        return List.copyOf(all);
    }
}
