package io.lingma.gateway.api.responses;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ApiTestSupport;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.api.Turns;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.fixtureBody;
import static io.lingma.gateway.api.ApiTestSupport.parse;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ResponsesNormalizationTest {

    private static final ApiSettings SETTINGS = TestSettings.api();
    private final ResponsesApi api = new ResponsesApi(MAPPER, SETTINGS);

    private ChatTurn normalize(String singleQuoted) {
        return api.normalize(sq(singleQuoted), new RequestContext("req_1", "-", SETTINGS));
    }

    private ChatTurn normalize(byte[] body, ApiSettings settings) {
        return api.normalize(body, new RequestContext("req_1", "-", settings));
    }

    private static void assertBadRequest(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOf(GatewayException.class)
                .satisfies(e -> assertThat(((GatewayException) e).status()).isEqualTo(400))
                .hasMessage(message);
    }

    @Test
    void vector3InstructionsMaxOutputTokensEffortAndJsonFormat() {
        byte[] body = sq("{'model':'gpt-5','instructions':'You are concise.','input':[{'role':'user','content':"
                + "[{'type':'input_text','text':'hello'}]}],'max_output_tokens':64,'reasoning':{'effort':'medium'},"
                + "'text':{'format':{'type':'json_object'}}}");
        ChatTurn turn = normalize(body, SETTINGS.withResponseFormatHint(true));
        assertThat(turn.protocol()).isEqualTo(ApiProtocol.OPENAI_RESPONSES);
        assertThat(turn.requestedModel()).isEqualTo("gpt-5");
        assertThat(turn.maxTokens()).isEqualTo(64);
        assertThat(turn.reasoningEffort()).isEqualTo("medium");
        assertThat(turn.system()).isEqualTo("You are concise.\n\n" + Turns.JSON_FORMAT_HINT);
        assertThat(turn.messages()).extracting(ChatMessage::role, ChatMessage::text)
                .containsExactly(org.assertj.core.groups.Tuple.tuple(ChatRole.USER, "hello"));
        assertThat(normalize(body, SETTINGS).system()).isEqualTo("You are concise.");
    }

    @Test
    void vector4StringInputIsOneUserMessage() {
        ChatTurn turn = normalize("{'input':'hello'}");
        assertThat(turn.messages()).containsExactly(ChatMessage.user("hello"));
        assertThat(turn.reasoningRequested()).isFalse();
    }

    @Test
    void vector5ObjectInputKeepsTheAssistantRole() {
        ChatTurn turn = normalize("{'input':{'role':'assistant','content':[{'type':'output_text','text':'hello'}]}}");
        assertThat(turn.messages()).containsExactly(ChatMessage.assistant("hello"));
    }

    @Test
    void missingOrBlankInputIsRejected() {
        assertBadRequest(() -> normalize("{'model':'m'}"), "input is required");
        assertBadRequest(() -> normalize("{'input':null}"), "input is required");
        assertBadRequest(() -> normalize("{'input':'  '}"), "input is required");
        assertBadRequest(() -> normalize("{'input':42}"), "unsupported input format");
        assertBadRequest(() -> normalize("{'input':[{'type':'reasoning','summary':[]},{'type':'item_reference',"
                + "'id':'x'}]}"), "no usable input messages found");
        assertBadRequest(() -> normalize("{'input':[{'role':'developer','content':'only system'}]}"),
                "no usable input messages found");
    }

    @Test
    void previousResponseIdIsIgnoredOrRejectedAsConfigured() {
        byte[] body = sq("{'input':'hi','previous_response_id':'resp_old'}");
        // application.properties rejects it; ignore is the opt-in of lingma-proxy's behaviour
        ApiSettings ignore = SETTINGS.withResponses(SETTINGS.responses()
                .withPreviousResponseId(ApiSettings.PreviousResponseIdPolicy.IGNORE));
        assertThat(normalize(body, ignore).messages()).hasSize(1);
        ApiSettings reject = SETTINGS.withResponses(SETTINGS.responses()
                .withPreviousResponseId(ApiSettings.PreviousResponseIdPolicy.REJECT));
        assertBadRequest(() -> normalize(body, reject),
                "previous_response_id is not supported; send the full conversation in input");
    }

    @Test
    void messageItemsRolesAndContentParts() {
        ChatTurn turn = normalize("{'instructions':'first','input':['plain',"
                + "{'type':'message','role':'developer','content':[{'type':'input_text','text':'dev'}]},"
                + "{'role':'system','content':'sys'},"
                + "{'type':'message','role':'user','content':[{'type':'input_text','text':'look'},"
                + "{'type':'input_image','image_url':'data:image/png;base64,AAAA'},{'type':'input_file','file_id':'f'}]},"
                + "{'content':[{'type':'input_text','text':'roleless'}]},"
                + "{'type':'message','role':'user','content':[]}]}");
        assertThat(turn.system()).isEqualTo("first\n\ndev\n\nsys");
        assertThat(turn.messages()).hasSize(3);
        ChatMessage look = turn.messages().get(1);
        assertThat(look.text()).isEqualTo("look");
        assertThat(look.flatText()).isEqualTo("look\n[image]\n[file]");
        assertThat(look.images()).hasSize(1);
        assertThat(turn.messages().get(2)).isEqualTo(ChatMessage.user("roleless"));
    }

    @Test
    void functionCallsMergeWithThePrecedingAssistantMessageAndOutputsBecomeToolMessages() {
        ChatTurn turn = normalize("{'input':[{'role':'user','content':'list and read'},"
                + "{'type':'message','role':'assistant','content':[{'type':'output_text','text':'Checking.'}]},"
                + "{'type':'function_call','id':'fc_1','call_id':'call_1','name':'ls','arguments':'{\\'b\\':1,\\'a\\':2}'},"
                + "{'type':'function_call','id':'fc_2','name':'read_file','arguments':'{bad'},"
                + "{'type':'function_call_output','call_id':'call_1','output':'a.txt'},"
                + "{'type':'function_call_output','call_id':'fc_2','output':[{'type':'input_text','text':'x'},"
                + "{'type':'input_image','image_url':'data:image/png;base64,AAAA'}]},"
                + "{'type':'function_call','call_id':'call_3','name':'stat','arguments':'{}'},"
                + "{'type':'function_call_output','call_id':'call_3','output':{'size':3}},"
                + "{'type':'function_call_output','call_id':'call_4','output':''}]}");
        List<ChatMessage> m = turn.messages();
        assertThat(m).extracting(ChatMessage::role).containsExactly(ChatRole.USER, ChatRole.ASSISTANT,
                ChatRole.TOOL, ChatRole.TOOL, ChatRole.ASSISTANT, ChatRole.TOOL, ChatRole.TOOL);
        assertThat(m.get(1).text()).isEqualTo("Checking.");
        assertThat(m.get(1).toolCalls()).containsExactly(new ToolCall("call_1", "ls", "{\"b\":1,\"a\":2}"),
                new ToolCall("fc_2", "read_file", "{bad"));
        assertThat(m.get(2).toolCallId()).isEqualTo("call_1");
        assertThat(m.get(2).toolName()).isEqualTo("ls");
        assertThat(m.get(2).text()).isEqualTo("a.txt");
        assertThat(m.get(3).text()).isEqualTo("x");
        assertThat(m.get(3).flatText()).isEqualTo("x\n[image]");
        assertThat(m.get(5).text()).isEqualTo("{\"size\":3}");
        assertThat(m.get(6).text()).isEqualTo(Turns.EMPTY_RESULT);
        assertThat(m.get(6).toolName()).isNull();
        assertThat(turn.hasToolHistory()).isTrue();
    }

    @Test
    void toolsFunctionNamespaceCustomAndHostedToolsAreMapped() {
        ChatTurn turn = normalize("{'input':'hi','tools':["
                + "{'type':'function','name':'exec_command','description':'run','parameters':{'type':'object'}},"
                + "{'type':'function','function':{'name':'nested','parameters':{'type':'object'}}},"
                + "{'type':'web_search','external_web_access':false},{'type':'file_search'},"
                + "{'type':'namespace','name':'multi_agent_v1','tools':[{'type':'function','name':'spawn_agent'}]},"
                + "{'type':'custom','name':'apply_patch','description':'Patch files.',"
                + "'format':{'type':'grammar','syntax':'lark','definition':'start: /.+/'}},"
                + "{'type':'function','name':'exec_command','description':'duplicate'}],"
                + "'tool_choice':'required','parallel_tool_calls':false}");
        assertThat(turn.tools()).extracting(ToolDefinition::name)
                .containsExactly("exec_command", "nested", "spawn_agent", "apply_patch");
        assertThat(turn.tools().get(0).description()).isEqualTo("run");
        ToolDefinition patch = turn.tools().get(3);
        assertThat(patch.description()).startsWith("Patch files.").contains("lark").contains("start: /.+/");
        assertThat(patch.schema().path("required").get(0).asText()).isEqualTo("input");
        assertThat(patch.schema().path("properties").path("input").path("type").asText()).isEqualTo("string");
        assertThat(turn.toolChoice().mode()).isEqualTo(ToolChoice.Mode.ANY);
        assertThat(turn.parallelToolCalls()).isFalse();
    }

    @Test
    void toolChoiceForcingADroppedHostedToolIsRejected() {
        String tools = "'tools':[{'type':'web_search_preview'},{'type':'function','name':'read_file'}]";
        assertBadRequest(() -> normalize("{'input':'hi'," + tools + ",'tool_choice':{'type':'web_search_preview'}}"),
                "tool_choice forces the unsupported tool type 'web_search_preview'; only function and custom tools "
                        + "are supported");
        assertBadRequest(() -> normalize("{'input':'hi'," + tools + ",'tool_choice':'web_search_preview'}"),
                "tool_choice forces the unsupported tool type 'web_search_preview'; only function and custom tools "
                        + "are supported");
        assertBadRequest(() -> normalize("{'input':'hi'," + tools + ",'tool_choice':{'type':'function','name':'nope'}}"),
                "tool_choice names unknown tool 'nope'");
        ChatTurn forced = normalize("{'input':'hi'," + tools + ",'tool_choice':{'type':'function','name':'read_file'}}");
        assertThat(forced.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.TOOL, "read_file"));
        ChatTurn allowed = normalize("{'input':'hi'," + tools
                + ",'tool_choice':{'type':'allowed_tools','mode':'required','tools':[]}}");
        assertThat(allowed.toolChoice().mode()).isEqualTo(ToolChoice.Mode.ANY);
    }

    @Test
    void allowlistAppliesToResponsesTools() {
        ApiSettings settings = SETTINGS.withToolsAllowlist(List.of("read_file"));
        ChatTurn turn = normalize(sq("{'input':'hi','tools':[{'type':'function','name':'read_file'},"
                + "{'type':'function','name':'rm'}]}"), settings);
        assertThat(turn.tools()).extracting(ToolDefinition::name).containsExactly("read_file");
    }

    static List<Path> codexFixtures() {
        return ApiTestSupport.fixtures("codex-");
    }

    @ParameterizedTest
    @MethodSource("codexFixtures")
    void everyCodexFixtureNormalises(Path fixture) {
        ChatTurn turn = normalize(fixtureBody(fixture), SETTINGS);
        JsonNode body = parse(new String(fixtureBody(fixture), java.nio.charset.StandardCharsets.UTF_8));
        assertThat(turn.stream()).isTrue();
        assertThat(turn.system()).contains("Codex");
        assertThat(turn.lastUserMessage()).isNotNull();
        assertThat(turn.tools()).isNotEmpty();
        assertThat(turn.tools()).extracting(ToolDefinition::name).doesNotHaveDuplicates();
        assertThat(turn.toolChoice()).isEqualTo(ToolChoice.AUTO);
        assertThat(turn.parallelToolCalls()).isEqualTo(body.path("parallel_tool_calls").asBoolean());
        String effort = body.path("reasoning").path("effort").asText(null);
        assertThat(turn.reasoningEffort()).isEqualTo(effort);
        assertThat(turn.messages()).allSatisfy(m -> assertThat(m.flatText().isEmpty() && m.toolCalls().isEmpty())
                .isFalse());
    }

    @Test
    void codexDefaultModelFixtureFlattensAdditionalToolsNamespacesAndTheFreeformExecTool() {
        ChatTurn turn = normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-responses-first-turn.json")), SETTINGS);
        Map<String, ToolDefinition> tools = turn.tools().stream()
                .collect(Collectors.toMap(ToolDefinition::name, Function.identity()));
        assertThat(tools).hasSize(11).containsKeys("exec", "wait", "sleep", "spawn_agent", "followup_task");
        assertThat(tools.get("exec").schema().path("required").get(0).asText()).isEqualTo("input");
        assertThat(tools.get("exec").description()).contains("lark");
        assertThat(turn.reasoningEffort()).isEqualTo("low");
        assertThat(turn.parallelToolCalls()).isFalse();
        // 4 developer messages hoisted; the environment context and the prompt stay user messages
        assertThat(turn.messages()).extracting(ChatMessage::role).containsExactly(ChatRole.USER, ChatRole.USER);
        assertThat(turn.lastUserMessage().text()).isEqualTo("Say hello");
    }

    @Test
    void codexCustomModelFixtureKeepsTopLevelToolsAndDropsWebSearch() {
        ChatTurn turn = normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-custom-model-responses-first-turn.json")), SETTINGS);
        assertThat(turn.tools()).hasSize(12).extracting(ToolDefinition::name)
                .contains("exec_command", "close_agent", "spawn_agent", "update_goal").doesNotContain("web_search");
        assertThat(turn.reasoningRequested()).isFalse();
    }

    @Test
    void codexFunctionCallRoundTripMapsToAnAssistantCallAndAToolResult() {
        ChatTurn turn = normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-custom-model-responses-tool-result-turn.json")), SETTINGS);
        List<ChatMessage> m = turn.messages();
        ChatMessage call = m.get(m.size() - 2);
        ChatMessage result = m.get(m.size() - 1);
        assertThat(call.role()).isEqualTo(ChatRole.ASSISTANT);
        assertThat(call.toolCalls()).containsExactly(
                new ToolCall("call_mock1", "exec_command", "{\"cmd\":\"echo hello-from-tool\"}"));
        assertThat(result.role()).isEqualTo(ChatRole.TOOL);
        assertThat(result.toolCallId()).isEqualTo("call_mock1");
        assertThat(result.toolName()).isEqualTo("exec_command");
        assertThat(result.text()).contains("hello-from-tool").contains("Process exited with code 0");
    }

    @Test
    void codexCustomToolCallRoundTripMapsToAnAssistantCallAndAToolResult() {
        ChatTurn turn = normalize(fixtureBody(ApiTestSupport.fixturesDir()
                .resolve("codex-0.169.0-responses-tool-result-turn.json")), SETTINGS);
        List<ChatMessage> m = turn.messages();
        ChatMessage call = m.get(m.size() - 2);
        ChatMessage result = m.get(m.size() - 1);
        assertThat(call.toolCalls()).hasSize(1);
        ToolCall exec = call.toolCalls().get(0);
        assertThat(exec.id()).isEqualTo("call_mock1");
        assertThat(exec.name()).isEqualTo("exec");
        assertThat(parse(exec.arguments()).path("input").asText())
                .isEqualTo("const r = await tools.exec_command({ cmd: \"echo hello-from-tool\" });\ntext(r.output);\n");
        assertThat(result.toolCallId()).isEqualTo("call_mock1");
        assertThat(result.toolName()).isEqualTo("exec");
        assertThat(result.text()).isEqualTo("Script completed\nWall time 0.2 seconds\nOutput:\nhello-from-tool");
    }
}
