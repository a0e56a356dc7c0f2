package io.lingma.gateway.tools;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;

import static io.lingma.gateway.tools.ToolTestSupport.AUTO;
import static io.lingma.gateway.tools.ToolTestSupport.forced;
import static io.lingma.gateway.tools.ToolTestSupport.sequentialIds;
import static io.lingma.gateway.tools.ToolTestSupport.stringTool;
import static io.lingma.gateway.tools.ToolTestSupport.tool;
import static org.assertj.core.api.Assertions.assertThat;

/** client-api.md §10.5, §10.6, §10.11 and the parser vectors of §16. */
class ToolCallParserTest {

    private final ToolCallParser parser = new ToolCallParser(TestSettings.tools());
    private static final List<ToolDefinition> BASH = List.of(stringTool("Bash", 1, "command"));
    private static final List<ToolDefinition> WEATHER = List.of(stringTool("get_weather", 0, "q", "n"));

    private ParseResult parse(String text, List<ToolDefinition> tools) {
        return parser.parse(text, tools, AUTO, true, sequentialIds());
    }

    private ParseResult parseForced(String text) {
        return parser.parse(text, WEATHER, forced("get_weather"), true, sequentialIds());
    }

    private static String action(String json) {
        return "```json action\n" + json + "\n```";
    }

    @Test
    void vector36AliasMapsBashToTerminalAndSchemaDropsExtraKeys() {
        ParseResult r = parse(action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\",\"extra\":true}}"),
                List.of(tool("terminal", "{\"properties\":{\"command\":{\"type\":\"string\"}}}")));
        assertThat(r.calls()).hasSize(1);
        assertThat(r.calls().get(0).name()).isEqualTo("terminal");
        assertThat(r.calls().get(0).arguments()).isEqualTo("{\"command\":\"pwd\"}");
        assertThat(r.text()).isEmpty();
    }

    @Test
    void vector37NameAndArgumentsFieldsWithASchemalessTool() {
        ParseResult r = parse(action("{\"name\":\"Read\",\"arguments\":{\"path\":\"/Users/you/a.txt\"}}"),
                List.of(tool("read_file", null)));
        assertThat(r.calls()).extracting(ToolCall::name).containsExactly("read_file");
        assertThat(r.calls().get(0).arguments()).isEqualTo("{\"path\":\"/Users/you/a.txt\"}");
    }

    @Test
    void vector38MissingRequiredArgumentDropsTheCallAndKeepsTheBlock() {
        ParseResult r = parse(action("{\"tool\":\"Read\",\"parameters\":{\"path\":\"/Users/you/a.txt\"}}"),
                List.of(stringTool("Read", 1, "file_path")));
        assertThat(r.calls()).isEmpty();
        assertThat(r.text()).contains("\"path\"");
        assertThat(r.rejected()).containsEntry(ParseResult.Rejection.MISSING_REQUIRED, 1);
    }

    @Test
    void vector39UndeclaredToolStaysInTheText() {
        ParseResult r = parse(action("{\"tool\":\"apply_patch\",\"parameters\":{\"patch\":\"*** Begin Patch\"}}"),
                List.of(stringTool("exec_command", 1, "cmd")));
        assertThat(r.calls()).isEmpty();
        assertThat(r.text()).contains("\"apply_patch\"");
        assertThat(r.rejected()).containsEntry(ParseResult.Rejection.UNKNOWN_TOOL, 1);
    }

    @Test
    void vector40MaxCallsAndDedupStillCutEverySpan() {
        StringBuilder reply = new StringBuilder();
        for (int i = 0; i < 12; i++) {
            String cmd = i % 2 == 0 ? "pwd" : "ls " + (char) ('a' + i);
            reply.append(action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"" + cmd + "\"}}")).append('\n');
        }
        ToolCallParser limited = new ToolCallParser(TestSettings.tools().withMaxCalls(3));
        ParseResult r = limited.parse(reply.toString(), BASH, AUTO, true, sequentialIds());
        assertThat(r.calls()).extracting(ToolCall::arguments)
                .containsExactly("{\"command\":\"pwd\"}", "{\"command\":\"ls b\"}", "{\"command\":\"ls d\"}");
        assertThat(r.calls()).extracting(ToolCall::id).containsExactly("call_1", "call_2", "call_3");
        assertThat(r.text()).isEmpty();
        assertThat(r.rejected()).containsEntry(ParseResult.Rejection.DUPLICATE, 5)
                .containsEntry(ParseResult.Rejection.OVER_LIMIT, 4);
    }

    @Test
    void vector98NameAndArgumentsObject() {
        assertSingle(parseForced("{\"name\":\"get_weather\",\"arguments\":{\"q\":\"x\"}}"), "{\"q\":\"x\"}");
    }

    @Test
    void vector99ToolAndInput() {
        assertSingle(parseForced("{\"tool\":\"get_weather\",\"input\":{\"q\":\"x\"}}"), "{\"q\":\"x\"}");
    }

    @Test
    void vector100FencedNamelessObjectMeansTheForcedTool() {
        assertSingle(parseForced("```json\n{\"q\":\"x\"}\n```"), "{\"q\":\"x\"}");
        assertThat(parser.parse("```json\n{\"q\":\"x\"}\n```", WEATHER, AUTO, true, sequentialIds()).calls())
                .isEmpty();
    }

    @Test
    void vector101FunctionWithStringArguments() {
        assertSingle(parseForced("{\"function\":{\"name\":\"get_weather\",\"arguments\":\"{\\\"q\\\":\\\"x\\\"}\"}}"),
                "{\"q\":\"x\"}");
    }

    @Test
    void vector102UndeclaredNameIsNoCall() {
        assertThat(parseForced("{\"name\":\"other\",\"q\":\"x\"}").calls()).isEmpty();
    }

    @Test
    void vector103UndecodableArgumentsIsNoCall() {
        assertThat(parseForced("{\"arguments\":\"{bad\"}").calls()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {"[1,2]", "hello"})
    void vector104NonObjectsAreNoCall(String reply) {
        ParseResult r = parseForced(reply);
        assertThat(r.calls()).isEmpty();
        assertThat(r.text()).isEqualTo(reply);
    }

    @Test
    void vector105ResultKeyIsIgnored() {
        assertSingle(parseForced("{\"name\":\"get_weather\",\"input\":{},\"result\":\"ok\"}"), "{}");
    }

    @Test
    void vector106ToolCodeKeywordLiterals() {
        assertSingle(parseForced("```tool_code\nget_weather(q=\"x\", n=2)\n```"), "{\"q\":\"x\",\"n\":2}");
    }

    @Test
    void vector107ToolCodeSinglePositionalWithOneProperty() {
        List<ToolDefinition> one = List.of(stringTool("get_weather", 1, "q"));
        ParseResult r = parser.parse("```tool_code\nget_weather(\"x\")\n```", one, forced("get_weather"), true,
                sequentialIds());
        assertSingle(r, "{\"q\":\"x\"}");
    }

    @Test
    void vector108ToolCodePositionalNeedsExactlyOneProperty() {
        String reply = "```tool_code\nget_weather(\"x\")\n```";
        assertThat(parseForced(reply).calls()).isEmpty();
        assertThat(parser.parse(reply, List.of(tool("get_weather", null)), forced("get_weather"), true,
                sequentialIds()).calls()).isEmpty();
    }

    @Test
    void vector109ToolCodeUndeclaredFunction() {
        assertThat(parseForced("```tool_code\nother(q=\"x\")\n```").calls()).isEmpty();
    }

    @Test
    void vector110ToolCodeNonLiteral() {
        assertThat(parseForced("```tool_code\nget_weather(q=foo)\n```").calls()).isEmpty();
    }

    @Test
    void vector111ToolCodeKwargsRejected() {
        assertThat(parseForced("```tool_code\nget_weather(**d)\n```").calls()).isEmpty();
    }

    @Test
    void toolCodeAcceptsNestedLiteralsAndRejectsMixedPositionals() {
        assertSingle(parseForced("```tool_code\nget_weather(q={'a': [1, 2.50, (True, None)], 'b': {3}}, n=-1)\n```"),
                "{\"q\":{\"a\":[1,2.50,[true,null]],\"b\":[3]},\"n\":-1}");
        assertThat(parseForced("```tool_code\nget_weather(\"x\", n=1)\n```").calls()).isEmpty();
        assertThat(parseForced("```tool_code\nget_weather(q=f(1))\n```").calls()).isEmpty();
    }

    @Test
    void vector128FamilyMappingBashToExecCommand() {
        ParseResult r = parse(action("{\"tool\":\"bash\",\"parameters\":{\"cmd\":\"pwd\"}}"),
                List.of(stringTool("exec_command", 1, "cmd")));
        assertThat(r.calls()).extracting(ToolCall::name).containsExactly("exec_command");
        assertThat(r.calls().get(0).arguments()).isEqualTo("{\"cmd\":\"pwd\"}");
    }

    @Test
    void vector129RekeyingOnlyWhenEnabled() {
        String reply = action("{\"tool\":\"bash\",\"parameters\":{\"command\":\"pwd\"}}");
        List<ToolDefinition> tools = List.of(stringTool("exec_command", 1, "cmd"));
        assertThat(parse(reply, tools).calls()).isEmpty();
        ToolCallParser rekeying = new ToolCallParser(TestSettings.tools().withRekeySingleArgument(true));
        ParseResult r = rekeying.parse(reply, tools, AUTO, true, sequentialIds());
        assertThat(r.calls()).extracting(ToolCall::arguments).containsExactly("{\"cmd\":\"pwd\"}");
    }

    @Test
    void vector130KeyOrderAndNumberSpellingKept() {
        ParseResult r = parse(action("{\"tool\":\"Bash\",\"parameters\":{\"b\":1,\"a\":2}}"),
                List.of(tool("Bash", null)));
        assertThat(r.calls().get(0).arguments()).isEqualTo("{\"b\":1,\"a\":2}");
        ParseResult numbers = parse(action("{\"tool\":\"Bash\",\"parameters\":{\"x\":1.50,\"y\":0.10,\"z\":12345678901234567890,\"s\":\"中文\"}}"),
                List.of(tool("Bash", null)));
        assertThat(numbers.calls().get(0).arguments()).isEqualTo("{\"x\":1.50,\"y\":0.10,\"z\":12345678901234567890,\"s\":\"中文\"}");
    }

    @Test
    void vector131StringArgumentsDecoded() {
        ParseResult r = parse(action("{\"name\":\"read_file\",\"arguments\":\"{\\\"path\\\":\\\"a\\\"}\"}"),
                List.of(tool("read_file", null)));
        assertThat(r.calls()).extracting(ToolCall::name, ToolCall::arguments)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("read_file", "{\"path\":\"a\"}"));
    }

    @Test
    void vector132SingleCallModeKeepsOnlyTheFirstAndCutsBoth() {
        String reply = action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}") + "\n"
                + action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"ls\"}}");
        ParseResult r = parser.parse(reply, BASH, AUTO, false, sequentialIds());
        assertThat(r.calls()).extracting(ToolCall::arguments).containsExactly("{\"command\":\"pwd\"}");
        assertThat(r.text()).isEmpty();
    }

    @Test
    void openingsAreCaseInsensitiveAndIncludePlainActionAndJsonFences() {
        for (String opening : List.of("```JSON action\n", "``` action\n", "```json\n", "```Json\r\n",
                "```json  action \n")) {
            ParseResult r = parse("Sure.\n" + opening + "{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n```"
                    + "\nDone.", BASH);
            assertThat(r.calls()).as(opening).hasSize(1);
            assertThat(r.text()).as(opening).isEqualTo("Sure.\n\nDone.");
        }
    }

    @Test
    void aOneLineBlockIsParsed() {
        ParseResult r = parse("Go: ```json action {\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}```\nok", BASH);
        assertThat(r.calls()).hasSize(1);
        assertThat(r.text()).isEqualTo("Go: \nok");
    }

    @Test
    void aFenceInsideAJsonStringDoesNotCloseTheBlock() {
        String reply = action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"printf '```\\\\n'\"}}") + "\nafter";
        ParseResult r = parse(reply, BASH);
        assertThat(r.calls()).hasSize(1);
        assertThat(r.calls().get(0).arguments()).isEqualTo("{\"command\":\"printf '```\\\\n'\"}");
        assertThat(r.text()).isEqualTo("after");
    }

    @Test
    void anUnclosedLastBlockIsAcceptedOnlyWhenItsJsonIsComplete() {
        ParseResult ok = parse("Running:\n```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}\n",
                BASH);
        assertThat(ok.calls()).hasSize(1);
        assertThat(ok.text()).isEqualTo("Running:");
        ParseResult cut = parse("```json action\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pw", BASH);
        assertThat(cut.calls()).isEmpty();
    }

    @Test
    void repairsCurlyQuotesAndTrailingCommasOnly() {
        ParseResult r = parse(action("{\u201Ctool\u201D:\u201CBash\u201D,\"parameters\":{\"command\":\"pwd\",},}"), BASH);
        assertThat(r.calls()).extracting(ToolCall::arguments).containsExactly("{\"command\":\"pwd\"}");
        assertThat(parse(action("{'tool':'Bash','parameters':{'command':'pwd'}}"), BASH).calls()).isEmpty();
        assertThat(parse(action("{tool:\"Bash\",parameters:{}}"), BASH).calls()).isEmpty();
    }

    @Test
    void flatVariantAndEmptyArguments() {
        assertThat(parse(action("{\"tool\":\"Bash\",\"command\":\"pwd\"}"), BASH).calls())
                .extracting(ToolCall::arguments).containsExactly("{\"command\":\"pwd\"}");
        assertThat(parse(action("{\"tool\":\"Bash\"}"), List.of(tool("Bash", null))).calls())
                .extracting(ToolCall::arguments).containsExactly("{}");
    }

    @Test
    void blankRequiredStringDropsTheCall() {
        assertThat(parse(action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"  \"}}"), BASH).calls()).isEmpty();
    }

    @Test
    void nameNormalisationStripsMcpPrefixesAndKeepsDeclaredSpelling() {
        List<ToolDefinition> tools = List.of(tool("Browser_Navigate", null));
        assertThat(ToolNames.resolve("mcp__browser-navigate", tools)).isSameAs(tools.get(0));
        assertThat(ToolNames.resolve("BROWSER_NAVIGATE", tools)).isSameAs(tools.get(0));
        assertThat(ToolNames.resolve("cat", List.of(tool("Read_File", null))).name()).isEqualTo("Read_File");
        assertThat(ToolNames.resolve("my_bash_runner", List.of(tool("shell", null))).name()).isEqualTo("shell");
        assertThat(ToolNames.resolve("bash", List.of(tool("exec_command", null), tool("terminal2", null))).name())
                .isEqualTo("exec_command");
        assertThat(ToolNames.resolve("bash", List.of(tool("exec_command", null), tool("run_in_terminal", null))))
                .isNull();
    }

    @Test
    void optionalParsersHashAndXml() {
        ToolCallParser all = new ToolCallParser(TestSettings.tools().withParsers(EnumSet.allOf(
                ToolSettings.Parser.class)));
        ParseResult hash = all.parse("I'll check.\n# Tool Call\n{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}",
                BASH, AUTO, true, sequentialIds());
        assertThat(hash.calls()).hasSize(1);
        assertThat(hash.text()).isEqualTo("I'll check.");
        ParseResult hashCall = all.parse("#Tool Call\nBash(command=\"ls\")", BASH, AUTO, true, sequentialIds());
        assertThat(hashCall.calls()).extracting(ToolCall::arguments).containsExactly("{\"command\":\"ls\"}");
        ParseResult xml = all.parse("a <tool_call>{\"name\":\"Bash\",\"arguments\":{\"command\":\"pwd\"}}</tool_call> b",
                BASH, AUTO, true, sequentialIds());
        assertThat(xml.calls()).hasSize(1);
        assertThat(xml.text()).isEqualTo("a  b");
        assertThat(parser.parse("<tool_call>{\"name\":\"Bash\",\"arguments\":{\"command\":\"pwd\"}}</tool_call>",
                BASH, AUTO, true, sequentialIds()).calls()).isEmpty();
    }

    @Test
    void maxScanBytesIgnoresLaterOpenings() {
        String reply = "x".repeat(50) + action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}");
        ToolCallParser limited = new ToolCallParser(TestSettings.tools().withMaxScanBytes(40));
        assertThat(limited.parse(reply, BASH, AUTO, true, sequentialIds()).calls()).isEmpty();
        assertThat(parse(reply, BASH).calls()).hasSize(1);
    }

    @Test
    void modeNoneAndNoToolsParseNothing() {
        String reply = action("{\"tool\":\"Bash\",\"parameters\":{\"command\":\"pwd\"}}");
        assertThat(parser.parse(reply, BASH, ToolChoice.NONE, true, sequentialIds()).calls()).isEmpty();
        assertThat(parser.parse(reply, List.of(), AUTO, true, sequentialIds()).calls()).isEmpty();
    }

    @Test
    void nativeCallsAreResolvedFilteredAndKeepWellFormedUpstreamIds() {
        List<ToolCall> upstream = new ArrayList<>(List.of(
                new ToolCall("call_up1", "bash", "{\"command\":\"pwd\",\"x\":1}"),
                new ToolCall("bad id!", "Bash", "{\"command\":\"ls\"}"),
                new ToolCall("call_up3", "nope", "{}"),
                new ToolCall("call_up4", "Bash", "{\"command\":\"pwd\"}")));
        Map<ParseResult.Rejection, Integer> rejected = ParseResult.counters();
        List<ToolCall> calls = parser.validateNative(upstream, BASH, true, sequentialIds(), rejected);
        assertThat(calls).containsExactly(new ToolCall("call_up1", "Bash", "{\"command\":\"pwd\"}"),
                new ToolCall("call_1", "Bash", "{\"command\":\"ls\"}"));
        assertThat(rejected).containsEntry(ParseResult.Rejection.UNKNOWN_TOOL, 1)
                .containsEntry(ParseResult.Rejection.DUPLICATE, 1);
    }

    private static void assertSingle(ParseResult r, String arguments) {
        assertThat(r.calls()).hasSize(1);
        assertThat(r.calls().get(0).name()).isEqualTo(r.calls().get(0).name());
        assertThat(r.calls().get(0).arguments()).isEqualTo(arguments);
        assertThat(r.text()).isEmpty();
    }
}
