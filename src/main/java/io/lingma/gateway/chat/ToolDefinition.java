package io.lingma.gateway.chat;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A client-declared function tool (client-api.md §10.2).
 *
 * @param name        tool name as declared
 * @param description free text, may be empty
 * @param schema      JSON schema of the parameters (an object node), or null when none was given
 */
public record ToolDefinition(String name, String description, JsonNode schema) {
}
