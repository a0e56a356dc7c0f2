package io.lingma.gateway.tools;

import io.lingma.gateway.chat.ToolDefinition;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Maps a tool name written by the model to one of the client's declared tools (client-api.md §10.6 "Name
 * normalisation", steps 1–5). The result is always a declared tool, so output names are spelled exactly as the
 * client declared them. Stateless and thread-safe.
 */
public final class ToolNames {

    /** Canonical tool → model-side aliases, applied only when the canonical tool is declared (§10.6 step 3). */
    static final Map<String, Set<String>> ALIASES = Map.of(
            "terminal", Set.of("bash", "shell", "run_command", "execute_command", "exec", "command", "powershell",
                    "cmd"),
            "read_file", Set.of("read", "readfile", "open_file", "view_file", "cat", "load_file"),
            "search_files", Set.of("grep", "glob", "find", "list", "ls", "search", "search_file", "search_files"),
            "patch", Set.of("edit", "apply_patch", "write_patch", "modify_file", "patch_file"),
            "write_file", Set.of("write", "writefile", "create_file", "save_file"),
            "web_search", Set.of("websearch", "search_web", "internet_search", "google_search"),
            "web_extract", Set.of("fetch", "web_fetch", "webextract", "open_url", "read_url"));

    /** Tool families for the family mapping (§10.6 step 4). */
    static final List<Set<String>> FAMILIES = List.of(
            Set.of("terminal", "bash", "shell", "exec_command", "run_command", "execute_command", "exec", "command",
                    "powershell", "cmd", "run_in_terminal"),
            Set.of("read_file", "read", "readfile", "open_file", "view_file", "cat", "load_file"),
            Set.of("search_files", "grep", "glob", "find", "list", "ls", "search", "search_file"),
            Set.of("patch", "apply_patch", "edit", "write_patch", "modify_file", "patch_file", "str_replace",
                    "replace_text_by_path"),
            Set.of("write_file", "write", "writefile", "create_file", "save_file"),
            Set.of("web_search", "websearch", "search_web", "internet_search", "google_search"),
            Set.of("web_extract", "fetch", "web_fetch", "webextract", "open_url", "read_url"));

    /** Substring preference of §10.6 step 5: name fragments → declared names to try, in order. */
    private static final List<Map.Entry<List<String>, List<String>>> PREFERENCES = List.of(
            Map.entry(List.of("terminal", "bash", "shell"), List.of("terminal", "bash", "shell")),
            Map.entry(List.of("read"), List.of("read_file")),
            Map.entry(List.of("search"), List.of("search_files")),
            Map.entry(List.of("patch", "write", "edit"), List.of("patch", "write_file")),
            Map.entry(List.of("web_search", "websearch"), List.of("web_search")),
            Map.entry(List.of("extract", "fetch"), List.of("web_extract", "fetch")));

    private ToolNames() {
    }

    /**
     * Resolves a model-side name (client-api.md §10.6 steps 1–5).
     *
     * @param name  the name the model wrote, may be null
     * @param tools the declared tools
     * @return the declared tool, or null when the name maps to none
     */
    public static ToolDefinition resolve(String name, List<ToolDefinition> tools) {
        if (name == null || name.isBlank() || tools.isEmpty()) {
            return null;
        }
        String raw = name.trim();
        for (ToolDefinition t : tools) {
            if (t.name().equalsIgnoreCase(raw)) {
                return t;
            }
        }
        String key = normalise(raw);
        ToolDefinition found = byNormalisedName(key, tools);
        if (found != null) {
            return found;
        }
        for (Map.Entry<String, Set<String>> alias : ALIASES.entrySet()) {
            if (alias.getValue().contains(key)) {
                found = byNormalisedName(alias.getKey(), tools);
                if (found != null) {
                    return found;
                }
            }
        }
        for (Set<String> family : FAMILIES) {
            if (!family.contains(key)) {
                continue;
            }
            List<ToolDefinition> members = tools.stream().filter(t -> family.contains(normalise(t.name()))).toList();
            if (members.size() == 1) {
                return members.get(0);
            }
        }
        for (Map.Entry<List<String>, List<String>> pref : PREFERENCES) {
            if (pref.getKey().stream().anyMatch(key::contains)) {
                for (String candidate : pref.getValue()) {
                    found = byNormalisedName(candidate, tools);
                    if (found != null) {
                        return found;
                    }
                }
            }
        }
        return null;
    }

    /**
     * Lower-case, {@code -} and space to {@code _}, {@code mcp__} / {@code mcp_} prefix removed (§10.6 step 2).
     *
     * @param name a tool name
     * @return the normalised form
     */
    public static String normalise(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_').replace(' ', '_');
        if (n.startsWith("mcp__")) {
            return n.substring(5);
        }
        return n.startsWith("mcp_") ? n.substring(4) : n;
    }

    /**
     * @param candidates lower-case names in order of preference
     * @param tools      the declared tools
     * @return the first declared tool whose name equals a candidate (case-insensitive), or null
     */
    static ToolDefinition firstDeclared(List<String> candidates, List<ToolDefinition> tools) {
        for (String c : candidates) {
            for (ToolDefinition t : tools) {
                if (t.name().equalsIgnoreCase(c)) {
                    return t;
                }
            }
        }
        return null;
    }

    private static ToolDefinition byNormalisedName(String key, List<ToolDefinition> tools) {
        for (ToolDefinition t : tools) {
            if (normalise(t.name()).equals(key)) {
                return t;
            }
        }
        return null;
    }
}
