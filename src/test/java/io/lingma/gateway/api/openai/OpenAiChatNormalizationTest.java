package io.lingma.gateway.api.openai;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.api.RequestContext;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.error.ErrorKind;
import io.lingma.gateway.error.GatewayException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static io.lingma.gateway.api.ApiTestSupport.MAPPER;
import static io.lingma.gateway.api.ApiTestSupport.body;
import static io.lingma.gateway.api.ApiTestSupport.sq;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.groups.Tuple.tuple;

class OpenAiChatNormalizationTest {

    private static final RequestContext CTX = new RequestContext("req_1", "scope1", TestSettings.api());
    private final OpenAiChatApi api = new OpenAiChatApi(MAPPER, TestSettings.api());

    private ChatTurn normalize(byte[] body) {
        return api.normalize(body, CTX);
    }

    private ChatTurn normalize(byte[] body, ApiSettings settings) {
        return api.normalize(body, new RequestContext("req_1", "scope1", settings));
    }

    private static void assertBadRequest(Runnable call, String message) {
        assertThatThrownBy(call::run).isInstanceOfSatisfying(GatewayException.class, e -> {
            assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
            assertThat(e.status()).isEqualTo(400);
            assertThat(e.getMessage()).isEqualTo(message);
        });
    }

    @Test
    void vector1SystemAndDeveloperAreHoistedAndToolWithoutIdIsDropped() {
        ChatTurn turn = normalize(sq("""
                {'model':' kmodel ','messages':[
                 {'role':'system','content':'You are concise.'},
                 {'role':'user','content':'Hello'},
                 {'role':'assistant','content':'Hi'},
                 {'role':'system','content':'Answer in Chinese.'},
                 {'role':'tool','content':'ignored'},
                 {'role':'user','content':[{'type':'text','text':'Follow up'}]}]}"""));

        assertThat(turn.system()).isEqualTo("You are concise.\n\nAnswer in Chinese.");
        assertThat(turn.messages()).extracting(ChatMessage::role, ChatMessage::text).containsExactly(
                tuple(ChatRole.USER, "Hello"),
                tuple(ChatRole.ASSISTANT, "Hi"),
                tuple(ChatRole.USER, "Follow up"));
        assertThat(turn.requestedModel()).isEqualTo("kmodel");
        assertThat(turn.protocol()).isEqualTo(ApiProtocol.OPENAI_CHAT);
        assertThat(turn.requestId()).isEqualTo("req_1");
        assertThat(turn.apiKeyScope()).isEqualTo("scope1");
        assertThat(turn.toolChoice()).isEqualTo(ToolChoice.AUTO);
        assertThat(turn.parallelToolCalls()).isTrue();
        assertThat(turn.reasoningEffort()).isNull();
        assertThat(turn.stream()).isFalse();
    }

    @Test
    void developerRoleJoinsTheSystemText() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'developer','content':[{'type':'text','text':'Be brief.'}]},
                 {'role':'user','content':'hi'}]}"""));
        assertThat(turn.system()).isEqualTo("Be brief.");
    }

    @Test
    void vector13OnlySystemAndToolMessagesIs400() {
        assertBadRequest(() -> normalize(sq("""
                {'messages':[{'role':'system','content':'s'},{'role':'tool','tool_call_id':'call_1','content':'x'}]}""")),
                "no user message found in request");
    }

    @Test
    void noMessagesAtAllIs400() {
        assertBadRequest(() -> normalize(sq("{'model':'kmodel'}")), "no user or assistant messages found");
        assertBadRequest(() -> normalize(sq("{'messages':[{'role':'system','content':'s'}]}")),
                "no user or assistant messages found");
    }

    @Test
    void assistantOnlyIs400NoUserMessage() {
        assertBadRequest(() -> normalize(sq("{'messages':[{'role':'assistant','content':'hi'}]}")),
                "no user message found in request");
    }

    @Test
    void invalidJsonIs400WithTheParserMessage() {
        assertThatThrownBy(() -> normalize(body("{\"messages\": [")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).startsWith("invalid JSON body: ").hasSizeGreaterThan(20);
                });
        assertThatThrownBy(() -> normalize(body("{\"a\":1} trailing")))
                .isInstanceOfSatisfying(GatewayException.class,
                        e -> assertThat(e.getMessage()).startsWith("invalid JSON body: "));
        assertThatThrownBy(() -> normalize(new byte[0]))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void nonObjectTopLevelIs400() {
        assertBadRequest(() -> normalize(body("[1,2]")), "request body must be a JSON object");
        assertBadRequest(() -> normalize(body("\"hello\"")), "request body must be a JSON object");
    }

    @Test
    void nGreaterThanOneIs400WithParam() {
        assertThatThrownBy(() -> normalize(sq("{'n':2,'messages':[{'role':'user','content':'hi'}]}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.getMessage()).isEqualTo("n > 1 is not supported");
                    assertThat(e.param()).isEqualTo("n");
                });
        assertThat(normalize(sq("{'n':1,'messages':[{'role':'user','content':'hi'}]}")).messages()).hasSize(1);
    }

    @Test
    void unknownFieldsAndIgnoredParametersNeverFail() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'hi','name':'bob','extra':{'x':1}}],
                 'top_p':0.3,'presence_penalty':1,'frequency_penalty':1,'seed':7,'logprobs':true,'top_logprobs':2,
                 'metadata':{'a':'b'},'store':true,'modalities':['text'],'audio':null,'prediction':{},
                 'service_tier':'auto','something_new':[1,{'deep':true}]}"""));
        assertThat(turn.messages()).hasSize(1);
        assertThat(turn.temperature()).isNull();
        assertThat(turn.stream()).isFalse();
    }

    @ParameterizedTest(name = "{0} -> 400 param {1}")
    @CsvSource(delimiter = '|', value = {
            "'temperature':'warm'                                          | temperature",
            "'stream':'yes'                                                | stream",
            "'max_tokens':-1                                               | max_tokens",
            "'tools':[{'type':'function','function':{'description':'nameless'}}] | tools[0].function.name"})
    void fieldsThatAreReadMustHaveTheirTypeAndRange(String field, String param) {
        assertThatThrownBy(() -> normalize(sq("{'messages':[{'role':'user','content':'hi'}]," + field + "}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.kind()).isEqualTo(ErrorKind.INVALID_REQUEST);
                    assertThat(e.param()).isEqualTo(param);
                    assertThat(e.getMessage()).contains("'" + param + "'");
                });
    }

    @Test
    void scalarFieldsAreParsed() {
        ChatTurn turn = normalize(sq("""
                {'model':'gpt-4o','messages':[{'role':'user','content':'hi'}],'stream':true,
                 'stream_options':{'include_usage':true},'temperature':0.25,'max_tokens':100,
                 'max_completion_tokens':200,'stop':['END','','STOP'],'user':'u-7','reasoning_effort':'high',
                 'parallel_tool_calls':false}"""));
        assertThat(turn.stream()).isTrue();
        assertThat(turn.includeUsage()).isTrue();
        assertThat(turn.temperature()).isEqualTo(0.25);
        assertThat(turn.maxTokens()).isEqualTo(200);
        assertThat(turn.stop()).containsExactly("END", "STOP");
        assertThat(turn.user()).isEqualTo("u-7");
        assertThat(turn.reasoningEffort()).isEqualTo("high");
        assertThat(turn.parallelToolCalls()).isFalse();
    }

    @Test
    void maxTokensIsUsedWhenMaxCompletionTokensIsZeroAndStopMayBeAString() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'hi'}],'max_tokens':64,'max_completion_tokens':0,'stop':'##'}"""));
        assertThat(turn.maxTokens()).isEqualTo(64);
        assertThat(turn.stop()).containsExactly("##");
    }

    @ParameterizedTest(name = "reasoning_effort {0} -> {1}")
    @CsvSource(value = {"minimal,low", "low,low", "medium,medium", "high,high", "none,NULL"}, nullValues = "NULL")
    void reasoningEffortSources(String effort, String expected) {
        ChatTurn turn = normalize(sq("{'messages':[{'role':'user','content':'hi'}],'reasoning_effort':'"
                + effort + "'}"));
        assertThat(turn.reasoningEffort()).isEqualTo(expected);
        assertThat(turn.reasoningRequested()).isEqualTo(expected != null);
    }

    @Test
    void vector80ContentPartsFlattenWithPlaceholders() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[
                 {'type':'text','text':'hello'},
                 {'type':'image_url','image_url':{'url':'data:image/png;base64,iVBORw0KGgo='}},
                 {'type':'input_image','image_url':'https://example.com/cat.webp?x=1'},
                 {'type':'input_audio','input_audio':{'data':'AAAA','format':'wav'}},
                 {'type':'refusal','refusal':'no'},
                 {'type':'text','text':'world'}]}]}"""));
        ChatMessage user = turn.messages().get(0);
        assertThat(user.flatText()).isEqualTo("hello\n[image]\n[image]\n[audio]\nworld");
        assertThat(user.text()).isEqualTo("hello\nworld");
        assertThat(user.images()).containsExactly(
                new ImageInput("image/png", "iVBORw0KGgo=", null),
                new ImageInput("image/webp", null, "https://example.com/cat.webp?x=1"));
    }

    @Test
    void imageOnlyUserTurnIsKeptAndDataUrlWithoutMediaTypeIsSniffed() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':[{'type':'image_url','image_url':'data:;base64,/9j/4AAQ'}]}]}"""));
        assertThat(turn.messages()).singleElement().satisfies(m -> {
            assertThat(m.text()).isEmpty();
            assertThat(m.flatText()).isEqualTo("[image]");
            assertThat(m.images()).containsExactly(new ImageInput("image/jpeg", "/9j/4AAQ", null));
        });
    }

    @Test
    void malformedDataUrlIs400() {
        assertBadRequest(() -> normalize(sq("""
                {'messages':[{'role':'user','content':[{'type':'image_url','image_url':{'url':'data:image/png;base64'}}]}]}""")),
                "could not load image: invalid data URL");
    }

    @Test
    void assistantToolCallArgumentsKeepKeyOrderNumbersAndNonAscii() {
        String args = "{\\\"b\\\":1.50,\\\"a\\\":12345678901234567890,\\\"c\\\":\\\"你好\\\",\\\"d\\\":[1e2, 0.1]}";
        ChatTurn turn = normalize(body("""
                {"messages":[{"role":"user","content":"go"},
                 {"role":"assistant","content":null,"tool_calls":[
                   {"id":"call_1","type":"function","function":{"name":"calc","arguments":"%s"}},
                   {"id":"call_2","type":"function","function":{"name":"raw","arguments":"{bad json"}},
                   {"id":"call_3","type":"function","function":{"name":"empty","arguments":""}},
                   {"type":"function","function":{"name":"noid","arguments":{"x":true}}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"3"}]}""".formatted(args)));

        ChatMessage assistant = turn.messages().get(1);
        assertThat(assistant.role()).isEqualTo(ChatRole.ASSISTANT);
        assertThat(assistant.text()).isEmpty();
        assertThat(assistant.toolCalls()).containsExactly(
                new ToolCall("call_1", "calc", "{\"b\":1.50,\"a\":12345678901234567890,\"c\":\"你好\",\"d\":[1E+2,0.1]}"),
                new ToolCall("call_2", "raw", "{bad json"),
                new ToolCall("call_3", "empty", "{}"),
                new ToolCall("noid", "noid", "{\"x\":true}"));
        ChatMessage tool = turn.messages().get(2);
        assertThat(tool.role()).isEqualTo(ChatRole.TOOL);
        assertThat(tool.toolCallId()).isEqualTo("call_1");
        assertThat(tool.toolName()).isEqualTo("calc");
        assertThat(tool.text()).isEqualTo("3");
        assertThat(turn.hasToolHistory()).isTrue();
    }

    @Test
    void vector121EmptyToolResultBecomesEmptyResult() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'go'},
                 {'role':'assistant','tool_calls':[{'id':'call_1','type':'function','function':{'name':'Bash','arguments':'{}'}}]},
                 {'role':'tool','tool_call_id':'call_1','content':''}]}"""));
        ChatMessage tool = turn.messages().get(2);
        assertThat(tool.text()).isEqualTo("(empty result)");
        assertThat(tool.flatText()).isEqualTo("(empty result)");
        assertThat(tool.error()).isFalse();
    }

    @Test
    void vector137FunctionRoleAnswersTheMostRecentOpenCallOfThatName() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'weather?'},
                 {'role':'assistant','tool_calls':[
                   {'id':'call_a','type':'function','function':{'name':'get_weather','arguments':'{}'}},
                   {'id':'call_b','type':'function','function':{'name':'get_weather','arguments':'{}'}}]},
                 {'role':'function','name':'get_weather','content':'sunny'},
                 {'role':'function','name':'get_weather','content':'rainy'},
                 {'role':'function','name':'get_time','content':'noon'}]}"""));
        assertThat(turn.messages()).hasSize(5);
        assertThat(turn.messages().subList(2, 5)).extracting(ChatMessage::role, ChatMessage::toolCallId,
                ChatMessage::toolName, ChatMessage::text).containsExactly(
                tuple(ChatRole.TOOL, "call_b", "get_weather", "sunny"),
                tuple(ChatRole.TOOL, "call_a", "get_weather", "rainy"),
                tuple(ChatRole.TOOL, "get_time", "get_time", "noon"));
    }

    @Test
    void legacyFunctionsAndFunctionCallMapToToolsAndChoice() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'weather?'},
                 {'role':'assistant','content':null,'function_call':{'name':'get_weather','arguments':'{\\'q\\':1}'}},
                 {'role':'function','name':'get_weather','content':'sunny'}],
                 'functions':[{'name':'get_weather','description':'Weather','parameters':{'type':'object'}}],
                 'function_call':{'name':'get_weather'}}"""));
        assertThat(turn.tools()).singleElement().satisfies(t -> {
            assertThat(t.name()).isEqualTo("get_weather");
            assertThat(t.description()).isEqualTo("Weather");
            assertThat(t.schema().path("type").asText()).isEqualTo("object");
        });
        assertThat(turn.toolChoice()).isEqualTo(new ToolChoice(ToolChoice.Mode.TOOL, "get_weather"));
        assertThat(turn.messages().get(1).toolCalls()).containsExactly(
                new ToolCall("get_weather", "get_weather", "{\"q\":1}"));
        assertThat(turn.messages().get(2).toolCallId()).isEqualTo("get_weather");
        assertThat(normalize(sq("""
                {'messages':[{'role':'user','content':'x'}],'functions':[{'name':'f'}],'function_call':'none'}"""))
                .toolChoice()).isEqualTo(ToolChoice.NONE);
    }

    @Test
    void vector34NestedAndFlatToolShapes() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'x'}],'tools':[
                 {'type':'function','name':'exec_command','parameters':{'type':'object','properties':{'cmd':{'type':'string'}}}},
                 {'type':'function','function':{'name':'read_file','description':'Read','parameters':{'type':'object'}}},
                 {'type':'web_search'}]}"""));
        assertThat(turn.tools()).extracting(t -> t.name()).containsExactly("exec_command", "read_file");
        assertThat(turn.tools().get(0).schema().path("properties").has("cmd")).isTrue();
        assertThat(turn.tools().get(0).description()).isEmpty();
    }

    @ParameterizedTest(name = "tool_choice {0} -> {1} {2}")
    @CsvSource(delimiter = '|', quoteCharacter = '"', nullValues = "NULL", value = {
            "NULL                                                 | AUTO | NULL",
            "'auto'                                               | AUTO | NULL",
            "''                                                   | AUTO | NULL",
            "'none'                                               | NONE | NULL",
            "'required'                                           | ANY  | NULL",
            "'any'                                                | ANY  | NULL",
            "'read_file'                                          | TOOL | read_file",
            "{'type':'function','function':{'name':'read_file'}}  | TOOL | read_file",
            "{'type':'function','name':'read_file'}               | TOOL | read_file",
            "{'type':'tool','name':'READ_FILE'}                   | TOOL | read_file",
            "{'type':'required'}                                  | ANY  | NULL",
            "{'type':'any'}                                       | ANY  | NULL",
            "{'type':'none'}                                      | NONE | NULL",
            "{'type':'auto'}                                      | AUTO | NULL",
            "{'type':''}                                          | AUTO | NULL"})
    void toolChoiceTableOfSection10_3IncludingVector112(String choice, ToolChoice.Mode mode, String name) {
        String field = choice == null ? "" : ",'tool_choice':" + choice;
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'user','content':'x'}],
                 'tools':[{'type':'function','function':{'name':'read_file'}}]%s}""".formatted(field)));
        assertThat(turn.toolChoice()).isEqualTo(new ToolChoice(mode, name));
    }

    @Test
    void vector133ForcedUnknownToolIs400() {
        assertThatThrownBy(() -> normalize(sq("""
                {'messages':[{'role':'user','content':'x'}],'tools':[{'type':'function','function':{'name':'read_file'}}],
                 'tool_choice':{'type':'function','function':{'name':'nope'}}}""")))
                .isInstanceOfSatisfying(GatewayException.class, e -> {
                    assertThat(e.status()).isEqualTo(400);
                    assertThat(e.getMessage()).isEqualTo("tool_choice names unknown tool 'nope'");
                });
    }

    @Test
    void allowlistRemovesToolsAndRejectsAForcedOne() {
        ApiSettings settings = TestSettings.api()
                .withToolsAllowlist(ApiSettings.parseAllowlist(" read_file ,\n,write_file"));
        String tools = "'tools':[{'type':'function','function':{'name':'read_file'}},"
                + "{'type':'function','function':{'name':'exec_command'}}]";
        ChatTurn turn = normalize(sq("{'messages':[{'role':'user','content':'x'}]," + tools + "}"), settings);
        assertThat(turn.tools()).extracting(t -> t.name()).containsExactly("read_file");
        assertBadRequest(() -> normalize(sq("{'messages':[{'role':'user','content':'x'}]," + tools
                + ",'tool_choice':'exec_command'}"), settings), "tool 'exec_command' is not allowed");
    }

    @Test
    void vector96AllowlistParsing() {
        assertThat(ApiSettings.parseAllowlist(" get_weather , write_file ,,search_docs "))
                .containsExactly("get_weather", "write_file", "search_docs");
        assertThat(ApiSettings.parseAllowlist(" , , ")).isEmpty();
    }

    @Test
    void responseFormatHintIsAddedOnlyWhenEnabled() {
        byte[] body = sq("""
                {'messages':[{'role':'system','content':'sys'},{'role':'user','content':'x'}],
                 'response_format':{'type':'json_object'}}""");
        assertThat(normalize(body).system()).isEqualTo("sys");
        assertThat(normalize(body, TestSettings.api().withResponseFormatHint(true)).system())
                .isEqualTo("sys\n\nRespond with a single valid JSON object and nothing else.");
    }

    @Test
    void unknownRolesAreDroppedAndEmptyUserMessagesSkipped() {
        ChatTurn turn = normalize(sq("""
                {'messages':[{'role':'critic','content':'x'},{'role':'user','content':'   '},'junk',
                 {'role':'user','content':'real'}]}"""));
        assertThat(turn.messages()).extracting(ChatMessage::text).containsExactly("real");
        assertThat(turn.lastUserMessage().text()).isEqualTo("real");
    }

    @Test
    void messagesOfTheWrongTypeIs400() {
        assertThatThrownBy(() -> normalize(sq("{'messages':'hi'}")))
                .isInstanceOfSatisfying(GatewayException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void largeBase64ImageAboveJacksonDefaultStringLimitIsAccepted() {
        String data = "A".repeat(21_000_000);
        ChatTurn turn = normalize(body("{\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"image_url\","
                + "\"image_url\":{\"url\":\"data:image/png;base64," + data + "\"}}]}]}"));
        assertThat(turn.messages().get(0).images()).singleElement()
                .satisfies(i -> assertThat(i.base64Data()).hasSize(data.length()));
        assertThat(turn.messages().get(0).flatText()).isEqualTo("[image]");
    }
}
