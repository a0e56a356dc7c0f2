package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Loads the remote credential (lingma-remote.md §3): the four values given directly → the explicit auth file
 * ({@code gateway.remote.auth-file} or env {@code LINGMA_REMOTE_AUTH_FILE}, both formats of §3.6) → discovery in
 * the plugin cache directories ({@code gateway.remote.cache-dir} or env {@code LINGMA_CACHE_DIR} alone, else the
 * §3.2 list) with {@code cache/id} + AES-128-CBC {@code cache/user} and the §3.5 machine-id fallback from logs.
 *
 * <p>The result is cached keyed by the modification times of the files it came from, so a login refreshed by
 * the plugin is picked up on the next call without a restart (§3.7); failures are not cached. Never writes to the
 * plugin directories, never logs credential values. Thread-safe.
 */
public final class RemoteCredentialLoader {

    private static final Logger LOG = LoggerFactory.getLogger(RemoteCredentialLoader.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final List<String> MACHINE_ID_MARKERS =
            List.of("using machine id from file:", "machine id:", "machine_id:", "machineid:", "machine-id:");
    private static final Pattern MACHINE_ID_REGEX =
            Pattern.compile("(?i)(?:machine[_-]?id)\"?\\s*[:=]\\s*\"?([A-Za-z0-9._:-]{16,})");
    private static final List<String> PRIMARY_LOGS =
            List.of("lingma.log", "Lingma.log", "main.log", "renderer.log", "sharedprocess.log");
    private static final long SECONDS_THRESHOLD = 100_000_000_000L;

    private final RemoteSettings settings;
    private final PluginLocations locations;
    private final Clock clock;
    private volatile Cached cached;

    /**
     * @param settings the remote settings (direct values, auth file, cache dir, cache preference)
     * @param home     the user's home directory
     * @param env      environment variables ({@code LINGMA_CACHE_DIR}, {@code LINGMA_REMOTE_AUTH_FILE},
     *                 {@code APPDATA}, {@code LOCALAPPDATA}, {@code ProgramData}, {@code XDG_*})
     * @param clock    clock for expiry reports
     */
    public RemoteCredentialLoader(RemoteSettings settings, Path home, Map<String, String> env, Clock clock) {
        this.settings = settings;
        this.locations = new PluginLocations(home, env);
        this.clock = clock;
    }

    /** @param settings the remote settings; uses {@code user.home}, the process environment and the system clock */
    public RemoteCredentialLoader(RemoteSettings settings) {
        this(settings, Path.of(System.getProperty("user.home")), System.getenv(), Clock.systemUTC());
    }

    /**
     * Returns the current credential, re-reading only when a source file changed since the last load.
     *
     * @return a valid credential (all four values present; expiry is reported in logs, not enforced)
     * @throws RemoteCredentialException listing every source tried and why it failed, or naming the missing field
     *                                   ({@code remote credential missing cosy_key|encrypt_user_info|user_id|
     *                                   machine_id}, §3.7)
     */
    public RemoteCredential load() {
        Cached current = cached;
        if (current != null && current.unchanged()) {
            return current.credential;
        }
        Cached fresh = loadFresh();
        cached = fresh;
        RemoteCredential credential = fresh.credential;
        if (current == null || !current.credential.equals(credential)) {
            LOG.info("Lingma remote credential loaded from {} (user {}, machine {})", credential.source(),
                    credential.maskedUserId(), credential.maskedMachineId());
            if (credential.expired(clock.instant(), settings.expiryMargin())) {
                LOG.warn("Lingma remote credential from {} is past its expire_time; requests are still attempted — "
                        + "sign in again in the Lingma/QoderCN IDE plugin if they are rejected", credential.source());
            }
        }
        return credential;
    }

    /** Forgets the cached credential so the next {@link #load()} reads everything again. */
    public void invalidate() {
        cached = null;
    }

    private Cached loadFresh() {
        if (settings.hasAnyDirectCredentialValue()) {
            RemoteCredential direct = new RemoteCredential(settings.cosyKey(), settings.encryptUserInfo(),
                    settings.userId(), settings.machineId(), 0, null, false, "explicit config").validate();
            return new Cached(direct, Map.of());
        }
        Path authFile = settings.authFile();
        if (authFile == null && locations.env("LINGMA_REMOTE_AUTH_FILE") != null) {
            authFile = locations.expand(locations.env("LINGMA_REMOTE_AUTH_FILE"));
        }
        if (authFile != null) {
            String mtime = PluginLocations.stamp(authFile);
            return new Cached(readAuthFile(authFile), Map.of(authFile, mtime));
        }
        List<Path> dirs;
        if (settings.cacheDir() != null) {
            dirs = List.of(settings.cacheDir());
        } else if (locations.env("LINGMA_CACHE_DIR") != null) {
            dirs = List.of(locations.expand(locations.env("LINGMA_CACHE_DIR")));
        } else {
            dirs = locations.cacheDirs(settings.cachePrefer());
        }
        List<String> attempts = new ArrayList<>();
        for (Path dir : dirs) {
            try {
                return fromCacheDir(dir);
            } catch (DirFailure e) {
                attempts.add(dir + ": " + e.getMessage());
            }
        }
        throw new RemoteCredentialException("no Lingma login found — sign in to the Lingma/QoderCN IDE plugin, or "
                + "set gateway.remote.auth-file / gateway.remote.cache-dir", attempts, null);
    }

    private RemoteCredential readAuthFile(Path file) {
        String label = file.toString();
        JsonNode root;
        try {
            root = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new RemoteCredentialException("cannot read the remote auth file",
                    List.of(label + ": " + (Files.exists(file) ? "not valid JSON or unreadable" : "file not found")),
                    null);
        }
        if (root == null || !root.isObject()) {
            throw new RemoteCredentialException("cannot read the remote auth file",
                    List.of(label + ": not a JSON object"), null);
        }
        JsonNode auth = root.path("auth").isObject() ? root.path("auth") : root;
        String source = text(root, "source");
        long expire = parseExpire(root.has("token_expire_time") ? root.get("token_expire_time")
                : auth.path("expire_time"));
        return new RemoteCredential(text(auth, "cosy_key", "key"), text(auth, "encrypt_user_info"),
                text(auth, "user_id", "uid"), text(auth, "machine_id"), expire,
                text(auth, "organization_id"), auth.path("is_quota_exceeded").asBoolean(false),
                source.isEmpty() ? label : source + " (" + label + ")").validate();
    }

    private Cached fromCacheDir(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new DirFailure("directory not found");
        }
        Path userFile = dir.resolve("cache/user");
        Path idFile = dir.resolve("cache/id");
        if (!Files.isRegularFile(userFile)) {
            throw new DirFailure("cache/user not found");
        }
        Map<Path, String> fingerprint = new LinkedHashMap<>();
        fingerprint.put(userFile, PluginLocations.stamp(userFile));
        fingerprint.put(idFile, PluginLocations.stamp(idFile));
        String machineId = "";
        if (Files.isRegularFile(idFile)) {
            machineId = readSmall(idFile).trim();
        }
        if (machineId.isEmpty()) {
            Optional<MachineIdHit> hit = machineIdFromLogs(dir);
            if (hit.isEmpty()) {
                throw new DirFailure("cache/id missing or empty and no machine id found in logs");
            }
            machineId = hit.get().machineId();
            fingerprint.put(hit.get().file(), PluginLocations.stamp(hit.get().file()));
        }
        String plain;
        try {
            plain = CacheUserCipher.decrypt(readSmall(userFile), machineId);
        } catch (IllegalArgumentException e) {
            throw new DirFailure("cannot decrypt cache/user: " + e.getMessage());
        }
        JsonNode user;
        try {
            user = MAPPER.readTree(plain);
        } catch (IOException e) {
            throw new DirFailure("decrypted cache/user is not JSON (wrong machine id?)");
        }
        if (user == null || !user.isObject()) {
            throw new DirFailure("decrypted cache/user is not a JSON object");
        }
        RemoteCredential credential = new RemoteCredential(text(user, "key", "cosy_key"),
                text(user, "encrypt_user_info"), text(user, "uid", "user_id"), machineId,
                parseExpire(user.path("expire_time")), text(user, "organization_id"),
                user.path("is_quota_exceeded").asBoolean(false), dir.toString());
        List<String> missing = credential.missingFields();
        if (!missing.isEmpty()) {
            throw new DirFailure("remote credential missing " + String.join(", ", missing));
        }
        return new Cached(credential, fingerprint);
    }

    private Optional<MachineIdHit> machineIdFromLogs(Path dir) {
        List<Path> files = new ArrayList<>();
        Path logs = dir.resolve("logs");
        for (String name : PRIMARY_LOGS) {
            files.add(logs.resolve(name));
        }
        files.addAll(PluginLocations.recentFiles(logs, 24, PluginLocations::isLogLike));
        for (Path root : locations.logRoots()) {
            files.addAll(locations.recentAppLogs(root));
            files.addAll(PluginLocations.recentFiles(root, 24, PluginLocations::isLogLike));
        }
        for (Path file : files.stream().distinct().toList()) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            String text = PluginLocations.readTail(file);
            Optional<String> id = text == null ? Optional.empty() : extractMachineId(text);
            if (id.isPresent()) {
                return Optional.of(new MachineIdHit(id.get(), file));
            }
        }
        return Optional.empty();
    }

    /**
     * Finds a machine id in log text (lingma-remote.md §3.5): the last occurrence (case-insensitive) of one of the
     * markers {@code using machine id from file:}, {@code machine id:}, {@code machine_id:}, {@code machineId:},
     * {@code machine-id:}, rest of the line trimmed of quotes/brackets and cut at the first space, tab, comma or
     * semicolon, accepted when ≥ 16 characters; else the last regex match of {@code machine[_-]?id|machineId}
     * followed by {@code :}/{@code =} and a token of ≥ 16 characters from {@code [A-Za-z0-9._:-]}.
     *
     * @param text log content
     * @return the machine id, or empty
     */
    public static Optional<String> extractMachineId(String text) {
        String lower = text.toLowerCase(Locale.ROOT);
        int bestAt = -1;
        String bestMarker = null;
        for (String marker : MACHINE_ID_MARKERS) {
            int at = lower.lastIndexOf(marker);
            if (at > bestAt) {
                bestAt = at;
                bestMarker = marker;
            }
        }
        if (bestAt >= 0) {
            int start = bestAt + bestMarker.length();
            int end = text.indexOf('\n', start);
            String rest = text.substring(start, end < 0 ? text.length() : end).trim();
            rest = rest.replaceAll("^[\"'\\[\\]{}()<>\\s]+", "");
            String token = rest.split("[\\s,;]", 2)[0].replaceAll("[\"'\\[\\]{}()<>]+$", "");
            if (token.length() >= 16) {
                return Optional.of(token);
            }
        }
        Matcher matcher = MACHINE_ID_REGEX.matcher(text);
        String last = null;
        while (matcher.find()) {
            last = matcher.group(1);
        }
        return Optional.ofNullable(last);
    }

    /**
     * Parses an {@code expire_time} / {@code token_expire_time} value (lingma-remote.md §3.4, §3.6, §3.7): a JSON
     * number, a numeric string, or an RFC 3339 string. Numbers below 10^11 are seconds and are converted.
     *
     * @param value the JSON value (may be missing/null)
     * @return Unix milliseconds, 0 when absent or unparsable
     */
    public static long parseExpire(JsonNode value) {
        if (value == null || value.isMissingNode() || value.isNull()) {
            return 0;
        }
        long number;
        if (value.isNumber()) {
            number = value.asLong();
        } else {
            String text = value.asText("").trim();
            if (text.isEmpty()) {
                return 0;
            }
            try {
                number = Long.parseLong(text);
            } catch (NumberFormatException notNumeric) {
                try {
                    return OffsetDateTime.parse(text).toInstant().toEpochMilli();
                } catch (DateTimeParseException notRfc3339) {
                    try {
                        return Instant.parse(text).toEpochMilli();
                    } catch (DateTimeParseException e) {
                        return 0;
                    }
                }
            }
        }
        if (number <= 0) {
            return 0;
        }
        return number < SECONDS_THRESHOLD ? number * 1000 : number;
    }

    private static String text(JsonNode node, String... names) {
        for (String name : names) {
            JsonNode value = node.path(name);
            if (value.isValueNode() && !value.isNull() && !value.asText().isBlank()) {
                return value.asText().trim();
            }
        }
        return "";
    }

    private static String readSmall(Path file) {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new DirFailure("cannot read " + file.getFileName() + ": " + e.getClass().getSimpleName());
        }
    }

    private record MachineIdHit(String machineId, Path file) {
    }

    /** A cached credential plus the modification times of the files it was read from. */
    private record Cached(RemoteCredential credential, Map<Path, String> fingerprint) {
        boolean unchanged() {
            for (Map.Entry<Path, String> entry : fingerprint.entrySet()) {
                if (!PluginLocations.stamp(entry.getKey()).equals(entry.getValue())) {
                    return false;
                }
            }
            return true;
        }
    }

    /** Why one cache directory did not yield a credential (message: reason only, no values). */
    private static final class DirFailure extends RuntimeException {
        DirFailure(String reason) {
            super(reason, null, false, false);
        }
    }
}
