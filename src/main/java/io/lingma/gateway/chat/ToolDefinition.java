package io.lingma.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A client-declared tool (client-api.md §10.2).
 *
 * @param name        tool name as declared
 * @param description free text, may be empty
 * @param schema      JSON schema of the parameters (an object node), or null when none was given
 * @param kind        {@link Kind#FUNCTION}, or {@link Kind#CUSTOM} for a freeform tool whose one string argument
 *                    {@code input} carries raw text (OpenAI Responses {@code custom} tools)
 * @param namespace   the namespace the client declared the tool in and expects back on its calls, or null
 */
public record ToolDefinition(String name, String description, JsonNode schema, Kind kind, String namespace) {

    /** What kind of tool the client declared; backends treat both as functions. */
    public enum Kind { FUNCTION, CUSTOM }

    public ToolDefinition {
        description = description == null ? "" : description;
        kind = kind == null ? Kind.FUNCTION : kind;
    }

    /**
     * A plain function tool.
     *
     * @param name        tool name
     * @param description free text
     * @param schema      parameters schema or null
     */
    public ToolDefinition(String name, String description, JsonNode schema) {
        this(name, description, schema, Kind.FUNCTION, null);
    }
}
