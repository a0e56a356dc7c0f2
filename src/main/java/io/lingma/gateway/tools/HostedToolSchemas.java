package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Locale;

/**
 * Built-in parameter schemas for Anthropic hosted (client-executed) tools that arrive without an
 * {@code input_schema} (client-api.md §10.2): {@code bash_*} and {@code text_editor_*}. Without them the prompt
 * contract could not list the arguments and the parser could not validate calls. Thread-safe.
 */
public final class HostedToolSchemas {

    private HostedToolSchemas() {
    }

    /**
     * @param type the Anthropic tool {@code type}, e.g. {@code bash_20250124} or {@code text_editor_20250728}
     * @return a fresh JSON schema object, or null when the type has no built-in schema (e.g. {@code computer_*},
     * {@code code_execution_*}, {@code custom}, null)
     */
    public static ObjectNode schemaFor(String type) {
        if (type == null) {
            return null;
        }
        String t = type.trim().toLowerCase(Locale.ROOT);
        if (t.startsWith("bash_")) {
            return bash();
        }
        if (t.startsWith("text_editor_")) {
            return textEditor(t);
        }
        return null;
    }

    private static ObjectNode bash() {
        ObjectNode schema = objectSchema();
        ObjectNode props = (ObjectNode) schema.get("properties");
        props.set("command", typed("string", "The shell command to run."));
        props.set("restart", typed("boolean", "Set to true to restart the shell session."));
        schema.putArray("required").add("command");
        return schema;
    }

    private static ObjectNode textEditor(String type) {
        // undo_edit exists only in the early text editor versions (up to text_editor_20250124)
        boolean legacy = type.compareTo("text_editor_20250429") < 0;
        ObjectNode schema = objectSchema();
        ObjectNode props = (ObjectNode) schema.get("properties");
        ObjectNode command = typed("string", "The operation to perform.");
        ArrayNode commands = command.putArray("enum").add("view").add("create").add("str_replace").add("insert");
        if (legacy) {
            commands.add("undo_edit");
        }
        props.set("command", command);
        props.set("path", typed("string", "Absolute path of the file or directory."));
        props.set("file_text", typed("string", "Content of the file to create."));
        props.set("old_str", typed("string", "Exact text to replace."));
        props.set("new_str", typed("string", "Replacement text, or the text to insert."));
        props.set("insert_line", typed("integer", "Line number after which to insert."));
        if (!legacy) {
            props.set("insert_text", typed("string", "Text to insert."));
        }
        ObjectNode range = typed("array", "Optional [start, end] line range to view.");
        range.putObject("items").put("type", "integer");
        props.set("view_range", range);
        schema.putArray("required").add("command").add("path");
        return schema;
    }

    private static ObjectNode objectSchema() {
        ObjectNode schema = ToolJson.object();
        schema.put("type", "object");
        schema.putObject("properties");
        return schema;
    }

    private static ObjectNode typed(String type, String description) {
        ObjectNode node = ToolJson.object();
        node.put("type", type);
        node.put("description", description);
        return node;
    }
}
