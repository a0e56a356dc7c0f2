package io.lingma.gateway.lingma.remote;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Predicate;
import java.util.stream.Stream;

/**
 * Where the Lingma / QoderCN plugins keep caches, configs and logs (lingma-remote.md §2.3, §3.2, §3.5), relative
 * to an injectable home directory and environment. Read-only: nothing here ever writes.
 */
final class PluginLocations {

    /** Largest tail of a log file that is read, in bytes (the newest lines matter). */
    static final int MAX_LOG_TAIL_BYTES = 4 * 1024 * 1024;

    private final Path home;
    private final Map<String, String> env;

    PluginLocations(Path home, Map<String, String> env) {
        this.home = home;
        this.env = env;
    }

    Path home() {
        return home;
    }

    /** @return the value of an environment variable, or null when unset or blank */
    String env(String name) {
        String value = env.get(name);
        return value == null || value.isBlank() ? null : value.trim();
    }

    /** @return {@code ~/}-expanded path */
    Path expand(String path) {
        if (path.equals("~")) {
            return home;
        }
        if (path.startsWith("~/") || path.startsWith("~\\")) {
            return home.resolve(path.substring(2));
        }
        return Path.of(path);
    }

    /** The §3.2 cache directory list (steps 2–5), QoderCN or Lingma family first, duplicates removed. */
    List<Path> cacheDirs(RemoteSettings.CachePrefer prefer) {
        List<Path> qoder = List.of(home.resolve(".qodercn"), home.resolve(".qodercn/vscode/sharedClientCache"),
                home.resolve("Library/Application Support/QoderCN/SharedClientCache"),
                home.resolve("Library/Application Support/Qoder/SharedClientCache"), home.resolve(".config/QoderCN"),
                home.resolve(".local/share/QoderCN"));
        List<Path> lingma = List.of(home.resolve(".lingma"), home.resolve(".lingma/vscode/sharedClientCache"),
                home.resolve("Library/Application Support/Lingma/SharedClientCache"), home.resolve(".config/Lingma"),
                home.resolve(".local/share/Lingma"));
        boolean qoderFirst = prefer == RemoteSettings.CachePrefer.QODERCN;
        List<Path> dirs = new ArrayList<>(qoderFirst ? qoder : lingma);
        dirs.addAll(qoderFirst ? lingma : qoder);
        List<String> windowsQoder = List.of("QoderCN", "qodercn", "QoderCN/SharedClientCache", "Qoder",
                "Qoder/SharedClientCache");
        List<String> windowsLingma = List.of("Lingma", "lingma", "Lingma/SharedClientCache");
        for (String var : List.of("APPDATA", "LOCALAPPDATA", "ProgramData")) {
            String base = env(var);
            if (base != null) {
                for (String sub : qoderFirst ? windowsQoder : windowsLingma) {
                    dirs.add(Path.of(base, sub));
                }
                for (String sub : qoderFirst ? windowsLingma : windowsQoder) {
                    dirs.add(Path.of(base, sub));
                }
            }
        }
        String xdg = env("XDG_CONFIG_HOME");
        if (xdg != null) {
            dirs.add(Path.of(xdg, qoderFirst ? "QoderCN" : "Lingma"));
            dirs.add(Path.of(xdg, qoderFirst ? "Lingma" : "QoderCN"));
        }
        return dedupe(dirs);
    }

    /** The §2.3 log roots. */
    List<Path> logRoots() {
        List<Path> roots = new ArrayList<>(List.of(home.resolve(".lingma/logs"),
                home.resolve(".lingma/vscode/sharedClientCache/logs"), home.resolve(".qodercn/logs"),
                home.resolve(".qodercn/vscode/sharedClientCache/logs")));
        for (String app : List.of("Lingma", "QoderCN", "Qoder")) {
            roots.add(home.resolve("Library/Application Support/" + app + "/logs"));
            roots.add(home.resolve("Library/Application Support/" + app + "/SharedClientCache/logs"));
        }
        for (String var : List.of("APPDATA", "LOCALAPPDATA", "ProgramData")) {
            String base = env(var);
            if (base != null) {
                for (String app : List.of("Lingma", "QoderCN", "Qoder")) {
                    roots.add(Path.of(base, app, "logs"));
                    roots.add(Path.of(base, app, "SharedClientCache", "logs"));
                }
                roots.add(Path.of(base, "Code/User/globalStorage/alibaba-cloud.tongyi-lingma/logs"));
            }
        }
        for (String var : List.of("XDG_CONFIG_HOME", "XDG_STATE_HOME")) {
            String base = env(var);
            if (base != null) {
                roots.add(Path.of(base, "Lingma", "logs"));
                roots.add(Path.of(base, "QoderCN", "logs"));
            }
        }
        for (String app : List.of("Lingma", "QoderCN")) {
            roots.add(home.resolve(".config/" + app + "/logs"));
            roots.add(home.resolve(".local/state/" + app + "/logs"));
        }
        return dedupe(roots);
    }

    /** The files of §2.3 items 1–6 in scan order (existing or not). */
    List<Path> baseUrlConfigFiles() {
        List<Path> files = new ArrayList<>();
        for (String sub : List.of("extension/server/config.json", "extension/local/config.json", "bin/config.json")) {
            files.add(home.resolve(".qodercn/" + sub));
        }
        files.add(home.resolve("Library/Application Support/QoderCN/SharedClientCache/cache/app-config.json"));
        files.add(home.resolve("Library/Application Support/Qoder/SharedClientCache/cache/app-config.json"));
        for (String sub : List.of("extension/server/config.json", "extension/local/config.json", "bin/config.json")) {
            files.add(home.resolve(".lingma/" + sub));
        }
        files.add(home.resolve("Library/Application Support/Lingma/SharedClientCache/cache/app-config.json"));
        files.add(home.resolve(".config/lingma-proxy/config.json"));
        files.add(home.resolve(".config/lingma-ipc-proxy/config.json"));
        for (String name : List.of("qodercn.log", "qodercn-extension.log")) {
            files.add(home.resolve(".qodercn/logs/" + name));
            files.add(home.resolve(".qodercn/vscode/sharedClientCache/logs/" + name));
        }
        for (String name : List.of("lingma.log", "lingma-extension.log")) {
            files.add(home.resolve(".lingma/logs/" + name));
            files.add(home.resolve(".lingma/vscode/sharedClientCache/logs/" + name));
        }
        return files;
    }

    /**
     * §2.3 item 7: for every log root, files named {@code renderer.log}, {@code sharedprocess.log},
     * {@code main.log}, {@code *Lingma.log} or any {@code *.log} containing {@code lingma} in the 5 most recently
     * modified sub-directories (walked recursively).
     */
    List<Path> recentAppLogs(Path root) {
        List<Path> files = new ArrayList<>();
        for (Path dir : recentSubdirs(root, 5)) {
            files.addAll(recentFiles(dir, Integer.MAX_VALUE, PluginLocations::isAppLog));
        }
        return files;
    }

    static boolean isAppLog(Path file) {
        String name = file.getFileName().toString();
        String lower = name.toLowerCase(Locale.ROOT);
        return name.equals("renderer.log") || name.equals("sharedprocess.log") || name.equals("main.log")
                || name.endsWith("Lingma.log") || (lower.endsWith(".log") && lower.contains("lingma"));
    }

    /** @return true for {@code *.log} files and files whose name contains {@code lingma} */
    static boolean isLogLike(Path file) {
        String lower = file.getFileName().toString().toLowerCase(Locale.ROOT);
        return lower.endsWith(".log") || lower.contains("lingma");
    }

    /** @return the {@code limit} most recently modified direct sub-directories of {@code root} (newest first) */
    static List<Path> recentSubdirs(Path root, int limit) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            return children.filter(Files::isDirectory).sorted(newestFirst()).limit(limit).toList();
        } catch (IOException e) {
            return List.of();
        }
    }

    /** @return the {@code limit} most recently modified regular files under {@code root} matching {@code filter} */
    static List<Path> recentFiles(Path root, int limit, Predicate<Path> filter) {
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> walk = Files.walk(root, 6)) {
            return walk.filter(Files::isRegularFile).filter(filter).sorted(newestFirst()).limit(limit).toList();
        } catch (IOException | RuntimeException e) {
            return List.of();
        }
    }

    /** @return the last {@link #MAX_LOG_TAIL_BYTES} bytes of a file as UTF-8, or null when unreadable */
    static String readTail(Path file) {
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
            long length = raf.length();
            long start = Math.max(0, length - MAX_LOG_TAIL_BYTES);
            byte[] bytes = new byte[(int) (length - start)];
            raf.seek(start);
            raf.readFully(bytes);
            return new String(bytes, StandardCharsets.UTF_8);
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }

    /** @return {@code <mtime ms>:<size>} of a file, {@code missing} when absent (change detection) */
    static String stamp(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis() + ":" + Files.size(file);
        } catch (IOException e) {
            return "missing";
        }
    }

    /** @return the modification time in ms, or -1 when the file is missing */
    static long mtime(Path file) {
        try {
            return Files.getLastModifiedTime(file).toMillis();
        } catch (IOException e) {
            return -1;
        }
    }

    private static Comparator<Path> newestFirst() {
        return Comparator.comparing((Path p) -> {
            try {
                return Files.getLastModifiedTime(p);
            } catch (IOException e) {
                return FileTime.fromMillis(0);
            }
        }).reversed();
    }

    private static List<Path> dedupe(List<Path> paths) {
        Map<String, Path> unique = new LinkedHashMap<>();
        for (Path path : paths) {
            unique.putIfAbsent(path.normalize().toString().toLowerCase(Locale.ROOT), path.normalize());
        }
        return List.copyOf(unique.values());
    }
}
