package io.lingma.gateway.tools;

import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import org.junit.jupiter.api.Test;

import java.util.List;

import static io.lingma.gateway.tools.ToolTestSupport.AUTO;
import static io.lingma.gateway.tools.ToolTestSupport.any;
import static io.lingma.gateway.tools.ToolTestSupport.forced;
import static io.lingma.gateway.tools.ToolTestSupport.stringTool;
import static io.lingma.gateway.tools.ToolTestSupport.tool;
import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.4 and vectors 31–33, 45. */
class ToolContractTest {

    private final ToolContract contract = new ToolContract();

    private static final ToolDefinition READ_FILE = new ToolDefinition("read_file", "Read a file from disk",
            ToolJson.parse("{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"},"
                    + "\"limit\":{\"type\":\"integer\"}},\"required\":[\"path\"]}"));
    private static final ToolDefinition BASH = new ToolDefinition("bash", "Run a shell command",
            ToolJson.parse("{\"type\":\"object\",\"properties\":{\"command\":{\"type\":\"string\"}},"
                    + "\"required\":[\"command\"]}"));

    @Test
    void referenceLayoutSectionsInOrder() {
        String c = contract.build(List.of(READ_FILE, BASH), AUTO, true);
        List<String> markers = List.of(ToolContract.FORMAT_LINE, "```json action\n{\"tool\":\"NAME\",\"parameters\":"
                        + "{\"key\":\"value\"}}\n```", ToolContract.AVAILABLE_TOOLS,
                "read_file(limit?, path) - Read a file from disk\nbash(command) - Run a shell command",
                ToolContract.ROUTING_GUIDE, "- Read a specific local file or code path: use read_file.",
                "- Run shell commands, inspect memory/CPU/processes/ports, build or test code: use bash.",
                ToolContract.CORE_EXAMPLES,
                "```json action\n{\"tool\":\"read_file\",\"parameters\":{\"path\":\"README.md\"}}\n```\n"
                        + "```json action\n{\"tool\":\"bash\",\"parameters\":{\"command\":\"pwd\"}}\n```",
                ToolContract.DISCIPLINE, ToolContract.RULES, "The action block format is MANDATORY.",
                ToolContract.LIST_FILES_EXAMPLE, "If the user asks to list files, respond ONLY with:\n"
                        + "```json action\n{\"tool\":\"bash\",\"parameters\":{\"command\":\"ls\"}}\n```\n"
                        + "Do NOT add explanations. Do NOT refuse.",
                ToolContract.SYNTAX_EXAMPLE, "```json action\n{\n  \"tool\": \"read_file\",\n  \"parameters\": {\n"
                        + "    \"path\": \"README.md\"\n  }\n}\n```");
        int at = -1;
        for (String m : markers) {
            int next = c.indexOf(m, at + 1);
            assertThat(next).as("'%s' after position %d", m, at).isGreaterThan(at);
            at = next;
        }
        assertThat(c).doesNotStartWith("\n").doesNotEndWith("\n");
    }

    @Test
    void vector31ListedInstructionsArePresent() {
        String c = contract.build(List.of(stringTool("read_file", 1, "path")), AUTO, true);
        assertThat(c).contains("tool_choice=auto means you must decide", "inspect a local file path",
                "Core tool syntax examples", "conceptual question", "NEVER ask the user to run a command",
                "Emit at most 5 independent tool actions", "exclude node_modules",
                "tool_choice=auto means you must decide whether the user request needs a tool; it does NOT mean you "
                        + "may describe tool use without calling it.",
                "NEVER ask the user to run a command, paste a file, or open a website when a matching tool exists",
                "Emit at most 5 independent tool actions in a single reply. Use the most targeted search/read "
                        + "commands first, then wait for results.",
                "exclude node_modules, vendor, dist, build, and .git");
    }

    @Test
    void vector32RoutingAndExamplesForCodexTools() {
        String c = contract.build(List.of(stringTool("exec_command", 1, "cmd"), stringTool("apply_patch", 1, "patch")),
                AUTO, true);
        assertThat(c).contains("Run shell commands, inspect memory/CPU/processes/ports, build or test code: use "
                + "exec_command.", "Edit files: use apply_patch.", "\"tool\":\"exec_command\"", "\"cmd\":\"pwd\"",
                "\"tool\":\"apply_patch\"", "\"patch\":\"value\"");
    }

    @Test
    void vector33EditRuleFallsBackToTheCommandTool() {
        String c = contract.build(List.of(stringTool("exec_command", 1, "cmd")), AUTO, true);
        assertThat(c).contains("use exec_command with targeted shell commands to modify the file")
                .doesNotContain("call patch or write_file");
        assertThat(contract.build(List.of(tool("patch", null), tool("write_file", null)), AUTO, true))
                .contains("call patch or write_file");
        assertThat(contract.build(List.of(tool("lookup", null)), AUTO, true))
                .doesNotContain("targeted shell commands").doesNotContain("call lookup");
    }

    @Test
    void vector45ContractCarriesTheToolListAndTheActionFormat() {
        String c = contract.build(List.of(stringTool("Bash", 1, "command")), AUTO, true);
        assertThat(c).contains(ToolContract.AVAILABLE_TOOLS, "```json action", "Bash(command)");
    }

    @Test
    void toolLinesSortArgumentsMarkOptionalAndTrimDescriptions() {
        ToolDefinition t = new ToolDefinition("x", "  one\n two\t three  ", ToolJson.parse(
                "{\"properties\":{\"b\":{},\"a\":{},\"c\":{}},\"required\":[\"c\"]}"));
        assertThat(ToolContract.toolLine(t)).isEqualTo("x(a?, b?, c) - one two three");
        assertThat(ToolContract.toolLine(tool("y", null))).isEqualTo("y()");
        ToolDefinition longOne = new ToolDefinition("z", "字".repeat(130), null);
        assertThat(ToolContract.toolLine(longOne)).isEqualTo("z() - " + "字".repeat(120) + "...");
    }

    @Test
    void choiceConstraintLines() {
        List<ToolDefinition> tools = List.of(BASH);
        String auto = contract.build(tools, AUTO, true);
        String single = contract.build(tools, AUTO, false);
        String anyMode = contract.build(tools, any(), true);
        String forcedMode = contract.build(tools, forced("bash"), false);
        assertThat(auto).doesNotContain("MUST contain").doesNotContain("at most one tool per reply");
        assertThat(single).contains("Call at most one tool per reply");
        assertThat(anyMode).contains("This reply MUST contain at least one action block.");
        assertThat(forcedMode).contains("This reply MUST contain a call of the tool \"bash\".")
                .doesNotContain("at most one tool per reply");
    }

    @Test
    void examplesOnlyForPresentToolsAndOptionalSectionsOmitted() {
        String c = contract.build(List.of(tool("lookup", null)), AUTO, true);
        assertThat(c).doesNotContain(ToolContract.ROUTING_GUIDE).doesNotContain(ToolContract.CORE_EXAMPLES)
                .doesNotContain(ToolContract.DISCIPLINE).doesNotContain(ToolContract.LIST_FILES_EXAMPLE)
                .contains(ToolContract.SYNTAX_EXAMPLE + "\n```json action\n{\n  \"tool\": \"lookup\",\n"
                        + "  \"parameters\": {}\n}\n```");
    }

    @Test
    void exampleValuesFollowTheSchema() {
        ToolDefinition t = new ToolDefinition("web_search", "", ToolJson.parse("{\"properties\":{"
                + "\"query\":{\"type\":\"string\"},\"mode\":{\"enum\":[\"fast\",\"deep\"]},\"n\":{\"type\":\"integer\"}},"
                + "\"required\":[\"query\",\"mode\",\"n\"]}"));
        String c = contract.build(List.of(t), AUTO, true);
        assertThat(c).contains("{\"tool\":\"web_search\",\"parameters\":{\"query\":\"上海今天的天气\",\"mode\":\"fast\"}}");
        ToolDefinition fetch = new ToolDefinition("fetch", "", ToolJson.parse("{\"properties\":{"
                + "\"url\":{\"type\":\"string\"},\"raw\":{\"type\":\"boolean\"}},\"required\":[\"raw\",\"url\"]}"));
        assertThat(ToolContract.exampleArguments(fetch, null).toString())
                .isEqualTo("{\"raw\":true,\"url\":\"https://example.com\"}");
    }

    @Test
    void retryInstructionNamesAForcedTool() {
        assertThat(contract.retryInstruction(AUTO)).startsWith(ToolContract.RETRY_MARKER).contains("```json action")
                .doesNotContain("You must call the tool");
        assertThat(contract.retryInstruction(forced("Bash"))).endsWith("You must call the tool \"Bash\" in this reply.");
        assertThat(contract.retryInstruction(new ToolChoice(ToolChoice.Mode.ANY, null)))
                .doesNotContain("You must call the tool");
    }
}
