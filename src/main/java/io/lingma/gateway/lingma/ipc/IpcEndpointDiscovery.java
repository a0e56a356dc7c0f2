package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.function.LongPredicate;

/**
 * Finds the Lingma / QoderCN local WebSocket endpoint (lingma-ipc.md §3.1, §3.2, §3.5, §3.6).
 *
 * <p>Precedence: {@code gateway.ipc.ws-url} → env {@code LINGMA_PROXY_WS_URL} → {@code gateway.ipc.discovery-file}
 * → env {@code LINGMA_SHARED_CLIENT_INFO} → the default candidate list (bases × subdirs × file names,
 * de-duplicated case-insensitively on Windows and macOS — on case-sensitive Linux {@code SharedClientCache} and
 * {@code sharedClientCache} are different directories and both are kept — with the preferred family first). The gateway's own keys win over the LP
 * environment names because they are the explicit configuration of this gateway.
 *
 * <p>Only the WebSocket transport is in scope: a discovery file that names only a Windows named pipe or a Unix
 * socket ({@code ipcServerPath} without {@code websocketPort}) is rejected with that reason (§3.3, §3.4 are not
 * implemented).
 *
 * <p>Blocking (reads files): call it off the Vert.x event loop. Thread-safe; holds no state between calls.
 */
public final class IpcEndpointDiscovery {

    /** Env var with one explicit discovery-file path (LP compatibility). */
    public static final String ENV_SHARED_CLIENT_INFO = "LINGMA_SHARED_CLIENT_INFO";
    /** Env var with one explicit WebSocket URL (LP compatibility). */
    public static final String ENV_WS_URL = "LINGMA_PROXY_WS_URL";

    private static final List<String> SUBDIRS = List.of("QoderCN/SharedClientCache", "QoderCN/sharedClientCache",
            "Qoder/SharedClientCache", "Qoder/sharedClientCache", "Lingma/SharedClientCache",
            "Lingma/sharedClientCache", "SharedClientCache", "sharedClientCache");
    private static final List<String> FILE_NAMES = List.of(".info.json", ".info");
    private static final long MAX_INFO_BYTES = 64 * 1024;

    /**
     * One usable endpoint.
     *
     * @param url      WebSocket URL, e.g. {@code ws://127.0.0.1:36510/}
     * @param source   where it came from: a file path, {@code env LINGMA_PROXY_WS_URL} or
     *                 {@code config gateway.ipc.ws-url}
     * @param qoderCn  true when it came from a QoderCN location (image URIs then use the {@code qodercn} scheme)
     * @param infoFile the discovery file, or null for explicit URLs
     */
    public record Endpoint(String url, String source, boolean qoderCn, Path infoFile) {
    }

    /**
     * A candidate that was not used.
     *
     * @param candidate file path or URL source
     * @param reason    why, e.g. {@code not found}, {@code process 123 is not running}
     */
    public record Rejected(String candidate, String reason) {
    }

    /**
     * Outcome of a discovery run.
     *
     * @param endpoints usable endpoints in preference order (at least one)
     * @param rejected  candidates that were skipped, in discovery order
     */
    public record Result(List<Endpoint> endpoints, List<Rejected> rejected) {
        public Result {
            endpoints = List.copyOf(endpoints);
            rejected = List.copyOf(rejected);
        }

        /** @return the preferred endpoint */
        public Endpoint chosen() {
            return endpoints.get(0);
        }
    }

    /**
     * Parsed content of a discovery file (§3.1).
     *
     * @param websocketPort TCP port on 127.0.0.1, 0 when absent
     * @param pid           backend process id, 0 when absent
     * @param ipcServerPath named pipe / Unix socket path, empty when absent
     */
    public record SharedClientInfo(int websocketPort, long pid, String ipcServerPath) {
    }

    private final IpcSettings settings;
    private final ObjectMapper mapper;
    private final Path home;
    private final Map<String, String> env;
    private final String osName;
    private final LongPredicate pidAlive;

    /**
     * @param settings settings ({@code ws-url}, {@code ws-path}, {@code discovery-file}, {@code discovery-prefer})
     * @param mapper   shared JSON mapper
     * @param home     the user's home directory (injectable for tests)
     * @param env      environment variables (injectable for tests)
     * @param osName   value like {@code System.getProperty("os.name")}; decides the user-config directory
     * @param pidAlive liveness check of a process id
     */
    public IpcEndpointDiscovery(IpcSettings settings, ObjectMapper mapper, Path home, Map<String, String> env,
                                String osName, LongPredicate pidAlive) {
        this.settings = settings;
        this.mapper = mapper;
        this.home = home;
        this.env = Map.copyOf(env);
        this.osName = osName == null ? "" : osName.toLowerCase(Locale.ROOT);
        this.pidAlive = pidAlive;
    }

    /**
     * @param settings the IPC settings
     * @param mapper   shared JSON mapper
     * @return a discovery over the real home directory, environment and process table
     */
    public static IpcEndpointDiscovery forSystem(IpcSettings settings, ObjectMapper mapper) {
        return new IpcEndpointDiscovery(settings, mapper, Path.of(System.getProperty("user.home")), System.getenv(),
                System.getProperty("os.name"), IpcEndpointDiscovery::processAlive);
    }

    /**
     * @param pid a process id
     * @return true when {@code ProcessHandle.of(pid)} finds a live process
     */
    public static boolean processAlive(long pid) {
        return ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false);
    }

    /**
     * Runs discovery once (lingma-ipc.md §3). Blocking file reads.
     *
     * @return usable endpoints (best first) and the rejected candidates
     * @throws IpcDiscoveryException when nothing usable is found; its message lists every cause
     */
    public Result discover() {
        List<Rejected> rejected = new ArrayList<>();
        if (!settings.wsUrl().isEmpty()) {
            return explicitUrl(settings.wsUrl(), "config gateway.ipc.ws-url", rejected);
        }
        String envUrl = env.get(ENV_WS_URL);
        if (envUrl != null && !envUrl.isBlank()) {
            return explicitUrl(envUrl.trim(), "env " + ENV_WS_URL, rejected);
        }
        List<Endpoint> endpoints = new ArrayList<>();
        for (Path candidate : candidatePaths()) {
            Endpoint endpoint = evaluate(candidate, rejected);
            if (endpoint != null) {
                endpoints.add(endpoint);
            }
        }
        if (endpoints.isEmpty()) {
            throw new IpcDiscoveryException(nothingFoundMessage(rejected), rejected);
        }
        return new Result(endpoints, rejected);
    }

    /**
     * @return the discovery files that will be looked at, in order: the explicit file when configured (setting
     * or env), else the default list of §3.2 with the preferred family first
     */
    public List<Path> candidatePaths() {
        if (settings.discoveryFile() != null) {
            return List.of(settings.discoveryFile());
        }
        String envFile = env.get(ENV_SHARED_CLIENT_INFO);
        if (envFile != null && !envFile.isBlank()) {
            return List.of(Path.of(envFile.trim()));
        }
        List<Path> bases = new ArrayList<>();
        bases.add(userConfigDir());
        bases.add(home.resolve(".qodercn").resolve("vscode"));
        bases.add(home.resolve(".qodercn"));
        bases.add(home.resolve(".lingma").resolve("vscode"));
        bases.add(home.resolve(".lingma"));
        for (String var : List.of("APPDATA", "LOCALAPPDATA", "ProgramData")) {
            String value = env.get(var);
            if (value != null && !value.isBlank()) {
                bases.add(Path.of(value.trim()));
            }
        }
        // case-insensitive file systems (Windows, macOS) would see the same file twice
        boolean caseInsensitive = osName.startsWith("windows") || osName.startsWith("mac") || osName.contains("darwin");
        List<Path> paths = new ArrayList<>();
        Map<Path, Integer> ranks = new HashMap<>();
        Set<String> seen = new LinkedHashSet<>();
        for (Path base : bases) {
            for (String subdir : SUBDIRS) {
                int rank = familyRank(family(subdir, base.toString()));
                for (String fileName : FILE_NAMES) {
                    Path p = base.resolve(subdir).resolve(fileName);
                    String key = p.toString().replace('\\', '/');
                    if (seen.add(caseInsensitive ? key.toLowerCase(Locale.ROOT) : key)) {
                        paths.add(p);
                        ranks.put(p, rank);
                    }
                }
            }
        }
        // stable sort: preferred family, then locations of neither family, then the other family
        paths.sort(Comparator.comparingInt(ranks::get));
        return paths;
    }

    /**
     * Parses discovery-file content: JSON when the first non-blank character is {@code {}, else the legacy
     * line format (lingma-ipc.md §3.1). Unknown JSON keys are ignored.
     *
     * @param mapper  JSON mapper
     * @param content file content
     * @return the parsed values
     * @throws IllegalArgumentException when the content cannot be parsed or names no endpoint
     */
    public static SharedClientInfo parse(ObjectMapper mapper, String content) {
        String trimmed = content == null ? "" : content.strip();
        if (trimmed.startsWith("\uFEFF")) {
            trimmed = trimmed.substring(1).strip();
        }
        if (trimmed.isEmpty()) {
            throw new IllegalArgumentException("empty file");
        }
        SharedClientInfo info;
        if (trimmed.startsWith("{")) {
            JsonNode node;
            try {
                node = mapper.readTree(trimmed);
            } catch (IOException e) {
                throw new IllegalArgumentException("invalid JSON: " + (e instanceof com.fasterxml.jackson.core.JsonProcessingException j ? j.getOriginalMessage() : e.getMessage()));
            }
            info = new SharedClientInfo((int) number(node.get("websocketPort"), "websocketPort"),
                    number(node.get("pid"), "pid"),
                    node.hasNonNull("ipcServerPath") ? node.get("ipcServerPath").asText("").trim() : "");
        } else {
            List<String> lines = trimmed.lines().map(String::trim).filter(l -> !l.isEmpty()).toList();
            int port;
            long pid = 0;
            try {
                port = Integer.parseInt(lines.get(0));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("legacy format: line 1 is not a port number");
            }
            if (lines.size() > 1) {
                try {
                    pid = Long.parseLong(lines.get(1));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("legacy format: line 2 is not a process id");
                }
            }
            info = new SharedClientInfo(port, pid, lines.size() > 2 ? lines.get(2) : "");
        }
        if (info.websocketPort() <= 0 && info.ipcServerPath().isEmpty()) {
            throw new IllegalArgumentException("neither websocketPort nor ipcServerPath is set");
        }
        return info;
    }

    private Endpoint evaluate(Path candidate, List<Rejected> rejected) {
        String name = candidate.toString();
        if (!Files.isRegularFile(candidate)) {
            rejected.add(new Rejected(name, "not found"));
            return null;
        }
        SharedClientInfo info;
        try {
            if (Files.size(candidate) > MAX_INFO_BYTES) {
                rejected.add(new Rejected(name, "file larger than " + MAX_INFO_BYTES + " bytes"));
                return null;
            }
            info = parse(mapper, Files.readString(candidate, StandardCharsets.UTF_8));
        } catch (IOException e) {
            rejected.add(new Rejected(name, "unreadable: " + e.getClass().getSimpleName()));
            return null;
        } catch (IllegalArgumentException e) {
            rejected.add(new Rejected(name, "unparseable: " + e.getMessage()));
            return null;
        }
        if (info.websocketPort() <= 0 || info.websocketPort() > 65535) {
            rejected.add(new Rejected(name, "no usable websocketPort (only ipcServerPath '" + info.ipcServerPath()
                    + "'; named pipes and Unix sockets are not supported, use the WebSocket endpoint)"));
            return null;
        }
        if (info.pid() > 0 && !pidAlive.test(info.pid())) {
            rejected.add(new Rejected(name, "stale: process " + info.pid() + " is not running"));
            return null;
        }
        String url = "ws://127.0.0.1:" + info.websocketPort() + settings.wsPath();
        Path dir = candidate.getParent();
        boolean qoder = dir != null && dir.getParent() != null
                ? family(dir.getParent().getFileName() == null ? "" : dir.getParent().getFileName().toString(),
                dir.getParent().toString()) == 'q' : isQoder(name);
        return new Endpoint(url, name, qoder, candidate);
    }

    private Result explicitUrl(String url, String source, List<Rejected> rejected) {
        String normalised;
        try {
            normalised = normaliseUrl(url);
        } catch (IllegalArgumentException e) {
            rejected.add(new Rejected(source, e.getMessage()));
            throw new IpcDiscoveryException("Lingma IPC endpoint from " + source + " is invalid: " + e.getMessage(),
                    rejected);
        }
        return new Result(List.of(new Endpoint(normalised, source, isQoder(normalised), null)), rejected);
    }

    /**
     * @param url an explicit endpoint URL
     * @return the URL with a missing path normalised to {@code /}
     * @throws IllegalArgumentException when it is not a {@code ws://} or {@code wss://} URL with a host
     */
    static String normaliseUrl(String url) {
        URI uri;
        try {
            uri = new URI(url.trim());
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("ws") && !scheme.equals("wss")) {
            throw new IllegalArgumentException("scheme must be ws or wss");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("URL has no host");
        }
        String path = uri.getRawPath() == null || uri.getRawPath().isEmpty() ? "/" : uri.getRawPath();
        String query = uri.getRawQuery() == null ? "" : "?" + uri.getRawQuery();
        String port = uri.getPort() < 0 ? "" : ":" + uri.getPort();
        return scheme + "://" + uri.getHost() + port + path + query;
    }

    private Path userConfigDir() {
        if (osName.startsWith("windows")) {
            String appData = env.get("APPDATA");
            return appData != null && !appData.isBlank() ? Path.of(appData.trim())
                    : home.resolve("AppData").resolve("Roaming");
        }
        if (osName.startsWith("mac") || osName.contains("darwin")) {
            return home.resolve("Library").resolve("Application Support");
        }
        String xdg = env.get("XDG_CONFIG_HOME");
        return xdg != null && !xdg.isBlank() ? Path.of(xdg.trim()) : home.resolve(".config");
    }

    /** @return {@code q} (QoderCN/Qoder), {@code l} (Lingma) or {@code n} (neither); the subdir decides first */
    private static char family(String subdir, String base) {
        String sub = subdir.toLowerCase(Locale.ROOT);
        if (sub.startsWith("qoder")) {
            return 'q';
        }
        if (sub.startsWith("lingma")) {
            return 'l';
        }
        String b = base.toLowerCase(Locale.ROOT);
        return b.contains("qoder") ? 'q' : b.contains("lingma") ? 'l' : 'n';
    }

    private int familyRank(char family) {
        boolean preferQoder = settings.discoveryPrefer() == IpcSettings.DiscoveryPrefer.QODERCN;
        return switch (family) {
            case 'q' -> preferQoder ? 0 : 2;
            case 'l' -> preferQoder ? 2 : 0;
            default -> 1;
        };
    }

    private static boolean isQoder(String text) {
        return text.toLowerCase(Locale.ROOT).contains("qoder");
    }

    private static long number(JsonNode node, String field) {
        if (node == null || node.isNull()) {
            return 0;
        }
        if (node.isIntegralNumber()) {
            return node.asLong();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.asText().trim());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(field + " is not a number");
            }
        }
        throw new IllegalArgumentException(field + " is not a number");
    }

    private static String nothingFoundMessage(List<Rejected> rejected) {
        StringBuilder sb = new StringBuilder("No Lingma IPC endpoint found; open the Lingma or QoderCN desktop app, "
                + "or set gateway.ipc.ws-url or gateway.ipc.discovery-file.");
        List<Rejected> missing = rejected.stream().filter(r -> r.reason().equals("not found")).toList();
        for (Rejected r : rejected) {
            if (!r.reason().equals("not found") || missing.size() == 1) {
                sb.append(" ").append(r.candidate()).append(": ").append(r.reason()).append(";");
            }
        }
        if (missing.size() > 1) {
            sb.append(" no discovery file in ").append(missing.size()).append(" locations (first: ")
                    .append(missing.get(0).candidate()).append(").");
        }
        return sb.toString();
    }
}
