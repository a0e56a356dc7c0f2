package io.lingma.gateway.lingma.remote;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Resolves the remote API base URL (lingma-remote.md §2.2): explicit {@code gateway.remote.base-url} → env
 * {@code LINGMA_REMOTE_BASE_URL} → a remembered, recently probed URL → hints scanned from the plugin configs and
 * logs of §2.3 (allow-listed, ranked as §2.4 recommends) → the default {@value #DEFAULT_BASE_URL}. The scan is
 * memoised for 5 minutes. Also provides the wrong-host diagnosis of §2.5. Thread-safe; reads plugin files only.
 */
public final class BaseUrlResolver {

    /** The international default (lingma-remote.md §2.1). */
    public static final String DEFAULT_BASE_URL = "https://lingma.alibabacloud.com";

    private static final Logger LOG = LoggerFactory.getLogger(BaseUrlResolver.class);
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final Duration SCAN_TTL = Duration.ofMinutes(5);
    private static final Duration REMEMBER_TTL = Duration.ofDays(30);
    private static final Pattern URL_TOKEN = Pattern.compile("h?ttps?://[^\\s\"'<>)\\]}]+");
    private static final List<String> MARKERS = List.of("endpoint config:", "using service url:",
            "download asset from:", "endpoint:", "configgeneraldedicatedurl", "dedicatedurl",
            "lingma endpoint configured", "lingma endpoint from --api-endpoint flag");

    private final RemoteSettings settings;
    private final PluginLocations locations;
    private final Clock clock;
    private volatile Scan scan;

    /**
     * @param settings {@code base-url} and {@code base-url-state-file}
     * @param home     the user's home directory
     * @param env      environment ({@code LINGMA_REMOTE_BASE_URL}, {@code APPDATA}, {@code XDG_*}, …)
     * @param clock    clock for memoisation and the remembered URL's age
     */
    public BaseUrlResolver(RemoteSettings settings, Path home, Map<String, String> env, Clock clock) {
        this.settings = settings;
        this.locations = new PluginLocations(home, env);
        this.clock = clock;
    }

    /** @param settings the remote settings; uses {@code user.home}, the process environment, the system clock */
    public BaseUrlResolver(RemoteSettings settings) {
        this(settings, Path.of(System.getProperty("user.home")), System.getenv(), Clock.systemUTC());
    }

    /** @return the best candidate: the first of {@link #candidates()} */
    public ResolvedBaseUrl resolve() {
        return candidates().get(0);
    }

    /**
     * All candidates, best first (§2.2, §2.4). An explicit or env URL is the only candidate (no allow-list, may be
     * {@code http}). Otherwise: the remembered URL (if younger than 30 days), then scanned hints ranked
     * {@code *.rdc.aliyuncs.com} 100 > other lingma/qoder hosts 90 > {@code lingma.alibabacloud.com} 50 >
     * {@code lingma-api.tongyi.aliyun.com} 10 (stable within a rank: scan order), then the default. Duplicates
     * removed.
     *
     * @return a non-empty list
     */
    public List<ResolvedBaseUrl> candidates() {
        if (!settings.baseUrl().isEmpty()) {
            return List.of(new ResolvedBaseUrl(trimSlash(settings.baseUrl()), "explicit config"));
        }
        String env = locations.env("LINGMA_REMOTE_BASE_URL");
        if (env != null) {
            return List.of(new ResolvedBaseUrl(trimSlash(env), "env LINGMA_REMOTE_BASE_URL"));
        }
        Map<String, ResolvedBaseUrl> unique = new LinkedHashMap<>();
        remembered().ifPresent(r -> unique.put(r.url(), r));
        for (ResolvedBaseUrl hint : scanned()) {
            unique.putIfAbsent(hint.url(), hint);
        }
        unique.putIfAbsent(DEFAULT_BASE_URL, new ResolvedBaseUrl(DEFAULT_BASE_URL, "default"));
        return List.copyOf(unique.values());
    }

    /** Drops the memoised scan so the next call re-reads the plugin files (after a wrong-host diagnosis). */
    public void rescan() {
        scan = null;
    }

    /**
     * Remembers a URL that answered the model-list probe (§2.4, [TCF]): writes {@code {"url","updated_at"}} to
     * {@code gateway.remote.base-url-state-file} (default {@code ~/.lingma-gateway/remote-base-url.json}). Failures
     * are logged, not thrown.
     *
     * @param url the working base URL
     */
    public void remember(String url) {
        Path file = stateFile();
        try {
            Files.createDirectories(file.getParent());
            ObjectNode node = MAPPER.createObjectNode().put("url", trimSlash(url))
                    .put("updated_at", clock.instant().toString());
            Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
            Files.writeString(tmp, MAPPER.writeValueAsString(node), StandardCharsets.UTF_8);
            Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            LOG.warn("could not remember the Lingma remote base URL in {}: {}", file, e.toString());
        }
    }

    /**
     * The §2.5 diagnosis for a model-list answer that shows the host is not a Lingma API host.
     *
     * @param base   the base URL that was used
     * @param status HTTP status seen
     * @return a message naming the host and its source and telling the user how to set it (no secrets)
     */
    public static String wrongHostDiagnosis(ResolvedBaseUrl base, int status) {
        return "the Lingma remote base URL " + base.url() + " (from " + base.source() + ") is not a Lingma API host "
                + "(model list answered " + status + (status == 404 ? " / NoSuchKey" : "") + "); set "
                + "gateway.remote.base-url (or LINGMA_REMOTE_BASE_URL) to your Lingma domain, e.g. "
                + DEFAULT_BASE_URL + " or https://<tenant>.rdc.aliyuncs.com";
    }

    /**
     * @param status HTTP status of a model-list call
     * @param body   its body (may be null)
     * @return true for a 404 or an OSS {@code NoSuchKey} body (§2.5)
     */
    public static boolean isWrongHostResponse(int status, String body) {
        return status == 404 || (body != null && body.contains("NoSuchKey"));
    }

    /**
     * Normalises a hint (§2.4): repairs {@code ttps://}, requires http(s), rejects OSS-looking hosts, allows only
     * {@code lingma.alibabacloud.com}, {@code lingma-api.tongyi.aliyun.com} and {@code *.rdc.aliyuncs.com}, and
     * reduces to {@code scheme://host}.
     *
     * @param hint a URL-like token
     * @return {@code scheme://host}, or empty when not acceptable
     */
    public static Optional<String> normalize(String hint) {
        if (hint == null) {
            return Optional.empty();
        }
        String value = hint.trim();
        if (value.startsWith("ttp://") || value.startsWith("ttps://")) {
            value = "h" + value;
        }
        URI uri;
        try {
            uri = URI.create(value);
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        String host = uri.getHost() == null ? "" : uri.getHost().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return Optional.empty();
        }
        if (host.contains(".oss-") || host.contains("oss-rg-") || host.contains(".oss.")) {
            return Optional.empty();
        }
        boolean allowed = host.equals("lingma.alibabacloud.com") || host.equals("lingma-api.tongyi.aliyun.com")
                || host.endsWith(".rdc.aliyuncs.com");
        return allowed ? Optional.of(scheme + "://" + host) : Optional.empty();
    }

    /**
     * @param url a normalised URL
     * @return the [TCF] rank: {@code *.rdc.aliyuncs.com} 100, other hosts containing lingma/qoder 90,
     * {@code lingma.alibabacloud.com} 50, {@code lingma-api.tongyi.aliyun.com} 10, else 0
     */
    public static int rank(String url) {
        String host;
        try {
            host = String.valueOf(URI.create(url).getHost()).toLowerCase(Locale.ROOT);
        } catch (IllegalArgumentException e) {
            return 0;
        }
        if (host.endsWith(".rdc.aliyuncs.com")) {
            return 100;
        }
        if (host.equals("lingma.alibabacloud.com")) {
            return 50;
        }
        if (host.equals("lingma-api.tongyi.aliyun.com")) {
            return 10;
        }
        return host.contains("lingma") || host.contains("qoder") ? 90 : 0;
    }

    /**
     * Extracts a base-URL hint from one file's content (§2.4): JSON members in document order whose key contains
     * {@code base}/{@code domain}/{@code url} with an {@code http…} value containing lingma/qoder; otherwise (or
     * when that finds nothing) every URL token from last to first, then the last occurrence of a known marker
     * ({@code endpoint config:}, {@code Using service url:}, {@code Download asset from:}, [TCF] extras). Every
     * match goes through {@link #normalize}.
     *
     * @param content file content
     * @return the normalised hint, or empty
     */
    public static Optional<String> extractHint(String content) {
        String trimmed = content.trim();
        if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
            try {
                Optional<String> fromJson = walkJson(MAPPER.readTree(trimmed));
                if (fromJson.isPresent()) {
                    return fromJson;
                }
            } catch (IOException e) {
                // not JSON: text mode below
            }
        }
        List<String> tokens = new ArrayList<>();
        Matcher matcher = URL_TOKEN.matcher(content);
        while (matcher.find()) {
            tokens.add(matcher.group());
        }
        for (int i = tokens.size() - 1; i >= 0; i--) {
            Optional<String> normalised = normalize(tokens.get(i));
            if (normalised.isPresent()) {
                return normalised;
            }
        }
        String lower = content.toLowerCase(Locale.ROOT);
        int bestAt = -1;
        String bestMarker = null;
        for (String marker : MARKERS) {
            int at = lower.lastIndexOf(marker);
            if (at > bestAt) {
                bestAt = at;
                bestMarker = marker;
            }
        }
        if (bestAt >= 0) {
            for (String token : content.substring(bestAt + bestMarker.length()).trim().split("\\s+")) {
                Optional<String> normalised = normalize(token.replaceAll("^[:=\"']+|[\"',;]+$", ""));
                if (normalised.isPresent()) {
                    return normalised;
                }
            }
        }
        return Optional.empty();
    }

    private static Optional<String> walkJson(JsonNode node) {
        if (node.isObject()) {
            Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
            while (fields.hasNext()) {
                Map.Entry<String, JsonNode> field = fields.next();
                String key = field.getKey().toLowerCase(Locale.ROOT);
                JsonNode value = field.getValue();
                if (value.isTextual() && (key.contains("base") || key.contains("domain") || key.contains("url"))) {
                    String text = value.asText();
                    String lowerText = text.toLowerCase(Locale.ROOT);
                    if (text.startsWith("http") && (lowerText.contains("lingma") || lowerText.contains("qoder"))) {
                        Optional<String> normalised = normalize(text);
                        if (normalised.isPresent()) {
                            return normalised;
                        }
                    }
                } else if (value.isContainerNode()) {
                    Optional<String> nested = walkJson(value);
                    if (nested.isPresent()) {
                        return nested;
                    }
                }
            }
        } else if (node.isArray()) {
            for (JsonNode element : node) {
                Optional<String> nested = walkJson(element);
                if (nested.isPresent()) {
                    return nested;
                }
            }
        }
        return Optional.empty();
    }

    private List<ResolvedBaseUrl> scanned() {
        Scan current = scan;
        Instant now = clock.instant();
        if (current != null && current.at.plus(SCAN_TTL).isAfter(now)) {
            return current.hints;
        }
        List<Path> files = new ArrayList<>(locations.baseUrlConfigFiles());
        for (Path root : locations.logRoots()) {
            files.addAll(locations.recentAppLogs(root));
        }
        List<ResolvedBaseUrl> hints = new ArrayList<>();
        for (Path file : files.stream().distinct().toList()) {
            if (!Files.isRegularFile(file)) {
                continue;
            }
            String content = PluginLocations.readTail(file);
            if (content != null) {
                extractHint(content).ifPresent(url -> hints.add(new ResolvedBaseUrl(url, file.toString())));
            }
        }
        hints.sort(Comparator.comparingInt((ResolvedBaseUrl r) -> rank(r.url())).reversed());
        List<ResolvedBaseUrl> result = List.copyOf(hints);
        scan = new Scan(now, result);
        return result;
    }

    private Optional<ResolvedBaseUrl> remembered() {
        Path file = stateFile();
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            JsonNode node = MAPPER.readTree(Files.readString(file, StandardCharsets.UTF_8));
            String url = node.path("url").asText("");
            Instant updated = Instant.parse(node.path("updated_at").asText(""));
            if (!url.isBlank() && updated.plus(REMEMBER_TTL).isAfter(clock.instant())) {
                return Optional.of(new ResolvedBaseUrl(trimSlash(url), "remembered (" + file + ")"));
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("ignoring unreadable {}: {}", file, e.toString());
        }
        return Optional.empty();
    }

    private Path stateFile() {
        return settings.baseUrlStateFile() != null ? settings.baseUrlStateFile()
                : locations.home().resolve(".lingma-gateway/remote-base-url.json");
    }

    private static String trimSlash(String url) {
        String value = url.trim();
        while (value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        return value;
    }

    private record Scan(Instant at, List<ResolvedBaseUrl> hints) {
    }
}
