package io.lingma.gateway.tools;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;

/** Small builders shared by the tool tests. */
final class ToolTestSupport {

    static final ToolChoice AUTO = ToolChoice.AUTO;

    private ToolTestSupport() {
    }

    /** A tool whose schema is the given JSON (null for none). */
    static ToolDefinition tool(String name, String schemaJson) {
        JsonNode schema = schemaJson == null ? null : ToolJson.parse(schemaJson);
        return new ToolDefinition(name, "", schema);
    }

    /** A tool with string properties, the first {@code required} of them required. */
    static ToolDefinition stringTool(String name, int required, String... properties) {
        StringBuilder props = new StringBuilder();
        StringBuilder req = new StringBuilder();
        for (int i = 0; i < properties.length; i++) {
            if (i > 0) {
                props.append(',');
            }
            props.append('"').append(properties[i]).append("\":{\"type\":\"string\"}");
            if (i < required) {
                if (req.length() > 0) {
                    req.append(',');
                }
                req.append('"').append(properties[i]).append('"');
            }
        }
        return tool(name, "{\"type\":\"object\",\"properties\":{" + props + "},\"required\":[" + req + "]}");
    }

    static ToolChoice forced(String name) {
        return new ToolChoice(ToolChoice.Mode.TOOL, name);
    }

    static ToolChoice any() {
        return new ToolChoice(ToolChoice.Mode.ANY, null);
    }

    /** Sequential OpenAI ids: call_1, call_2, … */
    static ToolIdSource sequentialIds() {
        return ToolIdSource.forProtocol(ApiProtocol.OPENAI_CHAT, ApiSettings.ToolIdGenerator.SEQUENTIAL);
    }
}
