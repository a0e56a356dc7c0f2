package io.lingma.gateway.api.responses;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.api.ApiJson;
import io.lingma.gateway.api.Fields;
import io.lingma.gateway.chat.ToolDefinition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The Responses tools of one request, flattened into function tools (client-api.md §5.1, §10.2, §17 item 3), plus
 * what the encoders need to answer in the shape the client declared:
 * <ul>
 *   <li>{@code function} tools (flat, or nested {@code {"function":{…}}}) are taken as they are;</li>
 *   <li>{@code namespace} groups ({@code {"type":"namespace","name":N,"tools":[…]}}, Codex) are flattened: each
 *       nested function or custom tool keeps its own, bare name, because Codex echoes calls back by that name
 *       (the recorded tool-result turn carries {@code "name":"exec"} for {@code functions.exec}); calls of tools
 *       from a namespace other than {@code functions} (the default namespace of OpenAI's tool format) carry
 *       {@code "namespace":N} in their output item, as the official API does;</li>
 *   <li>{@code custom} (freeform) tools become a function with one required string argument {@code input}; the
 *       tool's grammar, if any, is appended to its description so the model can follow it; their calls are
 *       emitted as {@code custom_tool_call} items whose {@code input} is that string;</li>
 *   <li>hosted tools ({@code web_search}, {@code web_search_preview}, {@code file_search}, {@code computer_use*},
 *       {@code code_interpreter}, {@code mcp}, {@code image_generation}, {@code local_shell}, …) are dropped with
 *       a debug log; their types are remembered so a {@code tool_choice} forcing one can be refused.</li>
 * </ul>
 * A later tool with the name of an earlier one is dropped (first declaration wins). Immutable.
 *
 * @param definitions  the function tools in declaration order
 * @param customNames  names of the tools declared as {@code custom}
 * @param namespaces   tool name → namespace, for tools declared inside a namespace other than {@code functions}
 * @param droppedTypes types of the hosted tools that were dropped
 */
record ResponsesTools(List<ToolDefinition> definitions, Set<String> customNames, Map<String, String> namespaces,
                      Set<String> droppedTypes) {

    /** The argument a freeform tool's text travels in. */
    static final String CUSTOM_INPUT = "input";

    /** Tools without any declared tool. */
    static final ResponsesTools NONE = new ResponsesTools(List.of(), Set.of(), Map.of(), Set.of());

    private static final Logger LOG = LoggerFactory.getLogger(ResponsesTools.class);
    // OpenAI's tool format calls its top-level function namespace "functions"; its tools come back unqualified
    private static final String DEFAULT_NAMESPACE = "functions";

    ResponsesTools {
        definitions = List.copyOf(definitions);
        customNames = Set.copyOf(customNames);
        namespaces = Map.copyOf(namespaces);
        droppedTypes = Set.copyOf(droppedTypes);
    }

    /**
     * @param name a declared tool name
     * @return true when the tool was declared as a freeform {@code custom} tool
     */
    boolean isCustom(String name) {
        return name != null && customNames.contains(name);
    }

    /**
     * @param name a declared tool name
     * @return the namespace to report on its calls, or null
     */
    String namespaceOf(String name) {
        return name == null ? null : namespaces.get(name);
    }

    /**
     * Rebuilds the Responses view of a turn's tools from their definitions (kind and namespace travel with them).
     *
     * @param tools the turn's tool definitions
     * @return the tools, with the custom names and non-default namespaces
     */
    static ResponsesTools of(List<ToolDefinition> tools) {
        Set<String> custom = new LinkedHashSet<>();
        Map<String, String> namespaces = new LinkedHashMap<>();
        for (ToolDefinition t : tools) {
            if (t.kind() == ToolDefinition.Kind.CUSTOM) {
                custom.add(t.name());
            }
            if (t.namespace() != null && !DEFAULT_NAMESPACE.equals(t.namespace())) {
                namespaces.put(t.name(), t.namespace());
            }
        }
        return new ResponsesTools(tools, custom, namespaces, Set.of());
    }

    /**
     * Reads tool lists in order.
     *
     * @param json  JSON helper (for the synthesised freeform schema)
     * @param lists the top-level {@code tools} value and the {@code tools} of {@code additional_tools} input items
     * @return the flattened tools
     * @throws io.lingma.gateway.error.GatewayException 400 naming the field for a list or tool of the wrong type,
     *                                                  and for a function, custom or namespace tool without a name
     */
    static ResponsesTools read(ApiJson json, List<Fields.Field> lists) {
        Builder builder = new Builder(json);
        for (Fields.Field list : lists) {
            for (Fields.Field item : list.expect(Fields.Type.ARRAY).items()) {
                builder.add(item, null);
            }
        }
        return new ResponsesTools(new ArrayList<>(builder.definitions.values()), builder.custom, builder.namespaces,
                builder.dropped);
    }

    /**
     * @param tools the allowed definitions (after the allowlist)
     * @return a copy holding only those definitions
     */
    ResponsesTools retain(List<ToolDefinition> tools) {
        return new ResponsesTools(tools, customNames, namespaces, droppedTypes);
    }

    private static final class Builder {
        private final ApiJson json;
        private final Map<String, ToolDefinition> definitions = new LinkedHashMap<>();
        private final Set<String> custom = new LinkedHashSet<>();
        private final Map<String, String> namespaces = new LinkedHashMap<>();
        private final Set<String> dropped = new LinkedHashSet<>();

        Builder(ApiJson json) {
            this.json = json;
        }

        void add(Fields.Field item, String namespace) {
            item.require(Fields.Type.OBJECT);
            String type = item.get("type").string("");
            switch (type) {
                case "namespace" -> {
                    String name = item.get("name").requiredText();
                    for (Fields.Field child : item.get("tools").expect(Fields.Type.ARRAY).items()) {
                        add(child, name);
                    }
                }
                case "custom" -> custom(item, namespace);
                case "function", "" -> function(item, namespace);
                default -> {
                    dropped.add(type);
                    LOG.debug("dropping hosted Responses tool of type '{}'", type);
                }
            }
        }

        private void function(Fields.Field item, String namespace) {
            Fields.Field nested = item.get("function").expect(Fields.Type.OBJECT);
            Fields.Field def = nested.isAbsent() ? item : nested;
            Fields.Field parameters = def.get("parameters").expect(Fields.Type.OBJECT);
            String description = def.get("description").string("");
            put(new ToolDefinition(def.get("name").requiredText(), description,
                    parameters.isAbsent() ? null : parameters.node(), ToolDefinition.Kind.FUNCTION, namespace),
                    namespace, false);
        }

        private void custom(Fields.Field item, String namespace) {
            String name = item.get("name").requiredText();
            StringBuilder description = new StringBuilder(item.get("description").string("").strip());
            if (!description.isEmpty()) {
                description.append("\n\n");
            }
            description.append("Put the tool's raw freeform input (plain text, not JSON) in the string argument `")
                    .append(CUSTOM_INPUT).append("`.");
            JsonNode format = item.get("format").expect(Fields.Type.OBJECT).node();
            if ("grammar".equals(format.path("type").asText()) && format.path("definition").isTextual()) {
                // the model never sees the grammar otherwise, and the client validates the input against it
                description.append(" It must match this ").append(format.path("syntax").asText("grammar"))
                        .append(" grammar:\n").append(format.path("definition").textValue().strip());
            }
            ObjectNode schema = json.mapper().createObjectNode();
            schema.put("type", "object");
            schema.putObject("properties").putObject(CUSTOM_INPUT).put("type", "string")
                    .put("description", "The raw input text of the tool.");
            schema.putArray("required").add(CUSTOM_INPUT);
            schema.put("additionalProperties", false);
            put(new ToolDefinition(name, description.toString(), schema, ToolDefinition.Kind.CUSTOM, namespace),
                    namespace, true);
        }

        private void put(ToolDefinition tool, String namespace, boolean isCustom) {
            if (definitions.containsKey(tool.name())) {
                LOG.debug("dropping duplicate Responses tool '{}'", tool.name());
                return;
            }
            definitions.put(tool.name(), tool);
            if (isCustom) {
                custom.add(tool.name());
            }
            if (namespace != null && !DEFAULT_NAMESPACE.equals(namespace)) {
                namespaces.put(tool.name(), namespace);
            }
        }
    }
}
