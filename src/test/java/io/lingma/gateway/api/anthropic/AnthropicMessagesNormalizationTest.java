package io.lingma.gateway.api.anthropic;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.ApiTestSupport;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.api.openai.OpenAiChatApi;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.nio.file.Path;
import java.util.List;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

class AnthropicMessagesNormalizationTest {

    private static final RequestContext CTX = new RequestContext("req_2", "-", TestSettings.api());
    private final AnthropicMessagesApi api = new AnthropicMessagesApi(MAPPER, TestSettings.api());

    private ChatTurn normalize(byte[] body) {
        return api.normalize(body, CTX);
    }

    private static final String USER_HI = "'messages':[{'role':'user','content':'hi'}]";

    @Test
    void vector6ThinkingEnabledWithBudget2048IsMedium() {
        ChatTurn turn = normalize(sq("{" + USER_HI + ",'thinking':{'type':'enabled','budget_tokens':2048}}"));
        assertThat(turn.reasoningEffort()).isEqualTo("medium");
    }

    @Test
    void vector7ThinkingAdaptiveIsMedium() {
        assertThat(normalize(sq("{" + USER_HI + ",'thinking':{'type':'adaptive'}}")).reasoningEffort())
                .isEqualTo("medium");
    }

    @ParameterizedTest(name = "thinking {0} -> {1}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', nullValues = "NULL", value = {
            "{'type':'enabled','budget_tokens':4096}               | high",
            "{'type':'enabled','budget_tokens':1000}               | low",
            "{'type':'enabled','budget_tokens':1024}               | medium",
            "{'type':'enabled','budget_tokens':0}                  | medium",
            "{'type':'','budget_tokens':8000}                      | high",
            "{'budget_tokens':500}                                 | low",
            "{'type':'enabled','budget_tokens':100,'effort':'high'} | high",
            "{'type':'adaptive','effort':'minimal'}                | low",
            "{'type':'disabled','budget_tokens':8000}              | NULL",
            "{'type':'other'}                                      | NULL",
            "null                                                  | NULL"})
    void thinkingEffortRulesOfSection9_7(String thinking, String expected) {
        assertThat(normalize(sq("{" + USER_HI + ",'thinking':" + thinking + "}")).reasoningEffort())
                .isEqualTo(expected);
    }

    @Test
    void outputConfigEffortIsAnExplicitEffortOnlyWhenThinkingIsOn() {
        assertThat(normalize(sq("{" + USER_HI + ",'thinking':{'type':'adaptive'},'output_config':{'effort':'high'}}"))
                .reasoningEffort()).isEqualTo("high");
        assertThat(normalize(sq("{" + USER_HI + ",'output_config':{'effort':'high'}}")).reasoningEffort()).isNull();
    }

    @Test
    void vector14SystemBlocksAndUnknownRoleDropped() {
        ChatTurn turn = normalize(sq("""
                {'system':[{'type':'text','text':'System prompt'}],'messages':[
                 {'role':'user','content':[{'type':'text','text':'Hello'}]},
                 {'role':'assistant','content':[{'type':'text','text':'Hi'}]},
                 {'role':'metadata','content':'x'}]}"""));
        assertThat(turn.system()).isEqualTo("System prompt");
        assertThat(turn.messages()).extracting(ChatMessage::role, ChatMessage::text)
                .containsExactly(tuple(ChatRole.USER, "Hello"), tuple(ChatRole.ASSISTANT, "Hi"));
        assertThat(turn.protocol()).isEqualTo(ApiProtocol.ANTHROPIC_MESSAGES);
    }

    @Test
    void systemBlocksAreJoinedWithNewline() {
        ChatTurn turn = normalize(sq("""
                {'system':[{'type':'text','text':'a'},{'type':'text','text':'b','cache_control':{'type':'ephemeral'}}],
                 'messages':[{'role':'user','content':'x'}]}"""));
        assertThat(turn.system()).isEqualTo("a\nb");
    }

    @Test
    void vector15EmptyUserAndNullAssistantIs400() {
        assertThatThrownBy(() -> normalize(sq("{'messages':[{'role':'user','content':''},{'role':'assistant','content':null}]}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("no user or assistant messages found");
                });
    }

    @Test
    void vector81MixedMessageKeepsTextCallAndResultWithoutPlaceholders() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[
                 {'type':'text','text':'before'},
                 {'type':'tool_use','id':'toolu_1','name':'search','input':{'q':'hi'}},
                 {'type':'tool_result','tool_use_id':'toolu_1','content':'ok'}]}]}"""));
        assertThat(turn.messages()).extracting(ChatMessage::role, ChatMessage::text).containsExactly(
                tuple(ChatRole.ASSISTANT, ""), tuple(ChatRole.TOOL, "ok"), tuple(ChatRole.USER, "before"));
        assertThat(turn.messages().get(0).toolCalls()).containsExactly(new ToolCall("toolu_1", "search", "{\"q\":\"hi\"}"));
        assertThat(turn.messages().get(1).toolName()).isEqualTo("search");
        assertThat(turn.messages()).allSatisfy(m -> assertThat(m.flatText()).doesNotContain("[tool_"));
    }

    @Test
    void vector82SameInternalShapeAsTheOpenAiEquivalent() {
        ChatTurn anthropic = normalize(sq("""
                {'system':'sys','messages':[{'role':'user','content':'u1'},{'role':'assistant','content':'a1'},
                 {'role':'user','content':'u2'}]}"""));
        ChatTurn openai = new OpenAiChatApi(MAPPER, TestSettings.api()).normalize(sq("""
                {'messages':[{'role':'system','content':'sys'},{'role':'user','content':'u1'},
                 {'role':'assistant','content':'a1'},{'role':'user','content':'u2'}]}"""), CTX);
        assertThat(anthropic.system()).isEqualTo("sys").isEqualTo(openai.system());
        assertThat(anthropic.messages()).isEqualTo(openai.messages());
    }

    @Test
    void vector83MetadataUserIdIsTheUserKey() {
        assertThat(normalize(sq("{" + USER_HI + ",'metadata':{'user_id':'u-1'}}")).user()).isEqualTo("u-1");
        assertThat(normalize(sq("{" + USER_HI + "}")).user()).isNull();
    }

    @Test
    void vector123ToolResultsGoBeforeTheUserTextOfTheSameTurn() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'run'},
                 {'role':'assistant','content':[{'type':'text','text':'ok'},
                   {'type':'tool_use','id':'toolu_1','name':'Bash','input':{'command':'ls'}},
                   {'type':'tool_use','id':'toolu_2','name':'Bash','input':'{\\'command\\':\\'pwd\\'}'}]},
                 {'role':'user','content':[{'type':'tool_result','tool_use_id':'toolu_1','content':'ok'},
                   {'type':'text','text':'continue'},
                   {'type':'tool_result','tool_use_id':'toolu_2','content':[{'type':'text','text':'/home'}]}]}]}"""));
        assertThat(turn.messages()).extracting(ChatMessage::role, ChatMessage::text, ChatMessage::toolCallId)
                .containsExactly(tuple(ChatRole.USER, "run", null), tuple(ChatRole.ASSISTANT, "ok", null),
                        tuple(ChatRole.TOOL, "ok", "toolu_1"), tuple(ChatRole.TOOL, "/home", "toolu_2"),
                        tuple(ChatRole.USER, "continue", null));
        assertThat(turn.messages().get(1).toolCalls()).containsExactly(
                new ToolCall("toolu_1", "Bash", "{\"command\":\"ls\"}"),
                new ToolCall("toolu_2", "Bash", "{\"command\":\"pwd\"}"));
    }

    @Test
    void vector124IsErrorPrefixesTheResultAndSetsTheFlag() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[
                 {'type':'tool_result','tool_use_id':'toolu_1','content':'boom','is_error':true},
                 {'type':'tool_result','tool_use_id':'toolu_2','content':[],'is_error':true},
                 {'type':'tool_result','tool_use_id':'toolu_3'},
                 {'type':'tool_result','content':'no id'},
                 {'type':'text','text':'next'}]}]}"""));
        assertThat(turn.messages()).extracting(ChatMessage::text, ChatMessage::error).containsExactly(
                tuple("Error: boom", true), tuple("Error: (empty result)", true), tuple("(empty result)", false),
                tuple("next", false));
    }

    @Test
    void toolResultImageBlocksBecomePlaceholders() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[{'type':'tool_result','tool_use_id':'t1','content':[
                 {'type':'text','text':'shot'},
                 {'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0KGgo='}}]},
                 {'type':'text','text':'what is it?'}]}]}"""));
        ChatMessage tool = turn.messages().get(0);
        assertThat(tool.text()).isEqualTo("shot");
        assertThat(tool.flatText()).isEqualTo("shot\n[image]");
    }

    @Test
    void thinkingBlocksAreSkippedAndImagesParsed() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[{'type':'text','text':'look'},
                   {'type':'image','source':{'type':'base64','media_type':'image/png','data':'iVBORw0KGgo='}},
                   {'type':'image','source':{'type':'url','url':'https://example.com/a.gif'}},
                   {'type':'image','source':{'type':'file','file_id':'file_1'}},
                   {'type':'document','source':{'type':'text','data':'doc'}}]},
                 {'role':'assistant','content':[{'type':'thinking','thinking':'hmm','signature':'x'},
                   {'type':'redacted_thinking','data':'zz'},{'type':'server_tool_use','id':'s','name':'web_search'},
                   {'type':'web_search_tool_result','tool_use_id':'s','content':[]},{'type':'text','text':'seen'}]},
                 {'role':'user','content':[{'type':'thinking','thinking':'x'},{'type':'text','text':'more'}]}]}"""));
        ChatMessage user = turn.messages().get(0);
        assertThat(user.text()).isEqualTo("look");
        assertThat(user.flatText()).isEqualTo("look\n[image]\n[image]\n[image]\n[file]");
        assertThat(user.images()).containsExactly(new ImageInput("image/png", "iVBORw0KGgo=", null),
                new ImageInput("image/gif", null, "https://example.com/a.gif"));
        assertThat(turn.messages().get(1).text()).isEqualTo("seen");
        assertThat(turn.messages().get(2).text()).isEqualTo("more");
    }

    @Test
    void toolChoiceAndDisableParallelToolUse() {
        String tools = "'tools':[{'name':'read_file','description':'Read','input_schema':{'type':'object'}}]";
        ChatTurn turn = normalize(sq("{" + USER_HI + "," + tools
                + ",'tool_choice':{'type':'any','disable_parallel_tool_use':true}}"));
        assertThat(turn.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.ANY, null));
        assertThat(turn.parallelToolCalls()).isFalse();
        assertThat(normalize(sq("{" + USER_HI + "," + tools + ",'tool_choice':{'type':'tool','name':'read_file'}}"))
                .toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.TOOL, "read_file"));
        assertThat(normalize(sq("{" + USER_HI + "," + tools + ",'tool_choice':{'type':'none'}}")).toolChoice())
                .isEqualTo(ToolChoice.NONE);
        assertThat(normalize(sq("{" + USER_HI + "," + tools + "}")).parallelToolCalls()).isTrue();
        assertThatThrownBy(() -> normalize(sq("{" + USER_HI + "," + tools
                + ",'tool_choice':{'type':'tool','name':'nope'}}")))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.getMessage()).isEqualTo("tool_choice names unknown tool 'nope'"));
    }

    @Test
    void vector35HostedWebSearchIsRemovedAndBuiltInSchemasSupplied() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'x'}],'tools':[
                 {'name':'web_search','type':'web_search_20250305','max_uses':5},
                 {'name':'read_file','input_schema':{'type':'object','properties':{'path':{'type':'string'}}}},
                 {'name':'bash','type':'bash_20250124'},
                 {'name':'str_replace_based_edit_tool','type':'text_editor_20250728'}],
                 'tool_choice':{'type':'tool','name':'web_search'}}"""));
        assertThat(turn.tools()).extracting(t -> t.name())
                .containsExactly("read_file", "bash", "str_replace_based_edit_tool");
        assertThat(turn.tools().get(1).schema().path("required").get(0).asText()).isEqualTo("command");
        assertThat(turn.tools().get(2).schema().path("required")).hasSize(2);
        assertThat(turn.toolChoice()).isEqualTo(ToolChoice.AUTO);
    }

    @Test
    void scalarFieldsAreParsed() {
        ChatTurn turn = normalize(sq("""
                {'model':'claude-3-5-sonnet-20241022','max_tokens':1024,'stream':true,'temperature':0.5,
                 'stop_sequences':['###'],'top_k':5,'top_p':0.9,'service_tier':'auto','container':null,
                 'mcp_servers':[],'messages':[{'role':'user','content':'hi'}]}"""));
        assertThat(turn.requestedModel()).isEqualTo("claude-3-5-sonnet-20241022");
        assertThat(turn.maxTokens()).isEqualTo(1024);
        assertThat(turn.stream()).isTrue();
        assertThat(turn.includeUsage()).isFalse();
        assertThat(turn.temperature()).isEqualTo(0.5);
        assertThat(turn.stop()).containsExactly("###");
    }

    @Test
    void everyRecordedClaudeCodeRequestNormalises() {
        List<Path> files = ApiTestSupport.fixtures("messages");
        assertThat(files).hasSizeGreaterThanOrEqualTo(3);
        for (Path file : files) {
            ChatTurn turn = normalize(ApiTestSupport.fixtureBody(file));
            assertThat(turn.tools()).as(file.toString()).hasSize(24);
            assertThat(turn.tools()).allSatisfy(t -> assertThat(t.schema()).isNotNull());
            assertThat(turn.system()).as(file.toString())
                    .contains("Available agent types for the Agent tool");
            assertThat(turn.stream()).isTrue();
            assertThat(turn.maxTokens()).isEqualTo(64000);
            assertThat(turn.reasoningEffort()).isEqualTo("high");
            assertThat(turn.user()).contains("\"session_id\"");
            assertThat(turn.lastUserMessage()).isNotNull();
            assertThat(turn.messages()).noneMatch(m -> m.flatText().isEmpty() && m.toolCalls().isEmpty());
        }
    }

    @Test
    void recordedToolResultTurnKeepsTheCallAndItsResult() {
        Path file = ApiTestSupport.fixtures("tool-result-turn").stream()
                .filter(p -> p.getFileName().toString().startsWith("claude")).findFirst().orElseThrow();
        ChatTurn turn = normalize(ApiTestSupport.fixtureBody(file));
        assertThat(turn.messages()).extracting(ChatMessage::role)
                .containsExactly(ChatRole.USER, ChatRole.ASSISTANT, ChatRole.TOOL);
        assertThat(turn.messages().get(1).toolCalls()).containsExactly(new ToolCall("toolu_mock1", "Bash",
                "{\"command\":\"echo hello-from-tool\",\"description\":\"echo\"}"));
        ChatMessage result = turn.messages().get(2);
        assertThat(result.toolCallId()).isEqualTo("toolu_mock1");
        assertThat(result.toolName()).isEqualTo("Bash");
        assertThat(result.text()).isEqualTo("hello-from-tool");
        assertThat(result.error()).isFalse();
        assertThat(turn.hasToolHistory()).isTrue();
    }
}
