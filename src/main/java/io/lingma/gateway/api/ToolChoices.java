package io.lingma.gateway.api;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;

import java.util.List;

/**
 * {@code tool_choice} parsing and checks shared by the client APIs (client-api.md §10.2, §10.3).
 */
public final class ToolChoices {

    private ToolChoices() {
    }

    /**
     * Parses a {@code tool_choice} value per the table of client-api.md §10.3:
     * absent/null/{@code "auto"}/{@code ""} → auto; {@code "none"} → none; {@code "required"}/{@code "any"} →
     * any;
     * any other string X → tool X; {@code {"type":"function","function":{"name":X}}},
     * {@code {"type":"function","name":X}}, {@code {"type":"tool","name":X}} and the legacy {@code {"name":X}} →
     * tool X; {@code {"type":"required"|"any"}} → any; {@code {"type":"none"}} → none; {@code {"type":"auto"|""}}
     * → auto.
     *
     * @param node the value (may be null)
     * @return the choice (never null)
     */
    public static ToolChoice parse(JsonNode node) {
        if (node == null || node.isNull() || node.isMissingNode()) {
            return ToolChoice.AUTO;
        }
        if (node.isTextual()) {
            return fromMode(node.textValue().trim(), true);
        }
        if (!node.isObject()) {
            return ToolChoice.AUTO;
        }
        String name = node.path("function").path("name").asText("");
        if (name.isBlank()) {
            name = node.path("name").asText("");
        }
        String type = node.path("type").asText("").trim();
        if (!name.isBlank() && (type.isEmpty() || type.equals("function") || type.equals("tool")
                || type.equals("custom"))) {
            return new ToolChoice(ToolChoice.Mode.TOOL, name.trim());
        }
        if ("allowed_tools".equals(type)) {
            // OpenAI {"type":"allowed_tools","allowed_tools":{"mode":"auto"|"required",…}}
            return fromMode(node.path("allowed_tools").path("mode").asText("auto"), false);
        }
        return fromMode(type, false);
    }

    private static ToolChoice fromMode(String mode, boolean lenientName) {
        return switch (mode) {
            case "", "auto" -> ToolChoice.AUTO;
            case "none" -> ToolChoice.NONE;
            case "required", "any" -> new ToolChoice(ToolChoice.Mode.ANY, null);
            default -> lenientName ? new ToolChoice(ToolChoice.Mode.TOOL, mode) : ToolChoice.AUTO;
        };
    }

    /**
     * Removes declared tools outside the allowlist ({@code gateway.tools.allowlist}, client-api.md §10.2).
     *
     * @param tools     declared tools
     * @param allowlist allowed names; empty = no restriction
     * @return the allowed tools in order
     */
    public static List<ToolDefinition> allowed(List<ToolDefinition> tools, List<String> allowlist) {
        if (allowlist.isEmpty()) {
            return tools;
        }
        return tools.stream().filter(t -> allowlist.contains(t.name())).toList();
    }

    /**
     * Checks a forced tool against the allowlist and the (allowed) declared tools, and spells it as declared.
     *
     * @param choice    the parsed choice
     * @param tools     the declared tools after the allowlist
     * @param allowlist allowed names; empty = no restriction
     * @return the choice, with a forced name in its declared spelling
     * @throws GatewayException 400 {@code tool 'X' is not allowed} (outside the allowlist) or
     *                          {@code tool_choice names unknown tool 'X'} (not declared)
     */
    public static ToolChoice resolve(ToolChoice choice, List<ToolDefinition> tools, List<String> allowlist) {
        if (choice.mode() != ToolChoice.Mode.TOOL) {
            return choice;
        }
        String name = choice.name();
        if (!allowlist.isEmpty() && allowlist.stream().noneMatch(name::equalsIgnoreCase)) {
            throw new GatewayException(ErrorKind.INVALID_REQUEST,
                    "tool '" + name + "' is not allowed", "tool_choice", null, null);
        }
        for (ToolDefinition tool : tools) {
            if (tool.name().equals(name)) {
                return choice;
            }
        }
        for (ToolDefinition tool : tools) {
            if (tool.name().equalsIgnoreCase(name)) {
                return new ToolChoice(ToolChoice.Mode.TOOL, tool.name());
            }
        }
        throw new GatewayException(ErrorKind.INVALID_REQUEST,
                "tool_choice names unknown tool '" + name + "'", "tool_choice", null, null);
    }
}
