package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Request bodies of the right JSON syntax but the wrong shape, on every generation endpoint: a field of the wrong
 * type, a value out of range, a required field missing, a malformed image. Each is a 400 in the API's own envelope
 * naming the field — OpenAI {@code error.param} ({@code messages[0].role}), Anthropic the field first in the
 * message ({@code messages.0.role: …}) — as the official APIs answer, never a 200 that ignored the field and never a
 * 5xx. The documented leniencies (client-api.md §3.3, §4.1, §5.1, §6.1, §9.3–§9.5, §10.2, §10.3) still answer 200.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18220", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class RequestValidationTest {

    private static final int PORT = 18220;
    private static final String CHAT = "/v1/chat/completions";
    private static final String RESPONSES = "/v1/responses";
    private static final String MESSAGES = "/v1/messages";
    private static final String COUNT_TOKENS = "/v1/messages/count_tokens";
    private static final String USER_HI = "'messages':[{'role':'user','content':'hi'}]";
    private static final String BAD_BASE64 = "data:image/png;base64,!!!";
    private static final String NOT_AN_IMAGE = "data:text/plain;base64,aGVsbG8=";
    private static final String EMPTY_DATA = "data:image/png;base64,";
    private static final String PNG = "data:image/png;base64,iVBORw0KGgo=";

    private final SseClient client = new SseClient(PORT);

    /** A bad body and the field the 400 must name (OpenAI param syntax, or Anthropic dotted path). */
    private record Bad(String body, String field) {
    }

    private static Bad bad(String field, String singleQuotedBody) {
        return new Bad(singleQuotedBody, field);
    }

    private static String chatImage(String part) {
        return "{'messages':[{'role':'user','content':[{'type':'text','text':'look'}," + part + "]}]}";
    }

    private static List<Bad> chatCases() {
        String tool = "{'type':'function','function':{'name':'read_file'}}";
        return List.of(
                bad("model", "{'model':42," + USER_HI + "}"),
                bad("model", "{'model':{'id':'kmodel'}," + USER_HI + "}"),
                bad("stream", "{'stream':'yes'," + USER_HI + "}"),
                bad("stream", "{'stream':1," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':'abc'," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':-1," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':1e308," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':1.5," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':99999999999," + USER_HI + "}"),
                bad("max_tokens", "{'stream':true,'max_tokens':'abc'," + USER_HI + "}"),
                bad("max_completion_tokens", "{'max_completion_tokens':'64'," + USER_HI + "}"),
                bad("n", "{'n':'2'," + USER_HI + "}"),
                bad("temperature", "{'temperature':'warm'," + USER_HI + "}"),
                bad("stop", "{'stop':5," + USER_HI + "}"),
                bad("stop[1]", "{'stop':['END',7]," + USER_HI + "}"),
                bad("user", "{'user':5," + USER_HI + "}"),
                bad("reasoning_effort", "{'reasoning_effort':3," + USER_HI + "}"),
                bad("response_format", "{'response_format':'json'," + USER_HI + "}"),
                bad("stream_options", "{'stream':true,'stream_options':'usage'," + USER_HI + "}"),
                bad("stream_options.include_usage",
                        "{'stream':true,'stream_options':{'include_usage':'yes'}," + USER_HI + "}"),
                bad("parallel_tool_calls", "{'parallel_tool_calls':'no','tools':[" + tool + "]," + USER_HI + "}"),
                bad("tools", "{'tools':'x'," + USER_HI + "}"),
                bad("tools[0]", "{'tools':[42]," + USER_HI + "}"),
                bad("tools[1].function.name",
                        "{'tools':[" + tool + ",{'type':'function','function':{'description':'d'}}]," + USER_HI + "}"),
                bad("tools[0].name", "{'tools':[{'type':'function','parameters':{'type':'object'}}]," + USER_HI + "}"),
                bad("tools[0].function.name", "{'tools':[{'type':'function','function':{'name':5}}]," + USER_HI + "}"),
                bad("tools[0].function.parameters",
                        "{'tools':[{'type':'function','function':{'name':'f','parameters':'x'}}]," + USER_HI + "}"),
                bad("functions", "{'functions':{'name':'f'}," + USER_HI + "}"),
                bad("functions[0].name", "{'functions':[{'description':'d'}]," + USER_HI + "}"),
                bad("tool_choice", "{'tool_choice':42,'tools':[" + tool + "]," + USER_HI + "}"),
                bad("messages", "{'messages':{'role':'user','content':'hi'}}"),
                bad("messages[0]", "{'messages':[42]}"),
                bad("messages[1]", "{'messages':[{'role':'user','content':'hi'},null]}"),
                bad("messages[0].role", "{'messages':[{'content':'hi'}]}"),
                bad("messages[0].role", "{'messages':[{'role':7,'content':'hi'}]}"),
                bad("messages[0].content", "{'messages':[{'role':'user','content':42}]}"),
                bad("messages[0].content", "{'messages':[{'role':'user','content':true}]}"),
                bad("messages[0].content[1]", "{'messages':[{'role':'user','content':['hi',42]}]}"),
                bad("messages[0].content",
                        "{'messages':[{'role':'system','content':5},{'role':'user','content':'x'}]}"),
                bad("messages[1].tool_calls", "{'messages':[{'role':'user','content':'go'},"
                        + "{'role':'assistant','tool_calls':'x'}]}"),
                bad("messages[1].tool_calls[0].function.name", "{'messages':[{'role':'user','content':'go'},"
                        + "{'role':'assistant','tool_calls':[{'id':'c1','type':'function','function':"
                        + "{'arguments':'{}'}}]}]}"),
                bad("messages[2].tool_call_id", "{'messages':[{'role':'user','content':'go'},"
                        + "{'role':'assistant','tool_calls':[{'id':'c1','type':'function','function':"
                        + "{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':5,'content':'ok'}]}"),
                bad("messages[0].content[1].image_url.url",
                        chatImage("{'type':'image_url','image_url':{'url':'" + BAD_BASE64 + "'}}")),
                bad("messages[0].content[1].image_url.url",
                        chatImage("{'type':'image_url','image_url':{'url':'" + NOT_AN_IMAGE + "'}}")),
                bad("messages[0].content[1].image_url.url",
                        chatImage("{'type':'image_url','image_url':{'url':'" + EMPTY_DATA + "'}}")),
                bad("messages[0].content[1].image_url.url",
                        chatImage("{'type':'image_url','image_url':{'url':'data:image/png;base64'}}")),
                bad("messages[0].content[1].image_url.url",
                        chatImage("{'type':'image_url','image_url':{'url':42}}")),
                bad("messages[0].content[1].image_url",
                        chatImage("{'type':'image_url','image_url':'" + BAD_BASE64 + "'}")),
                bad("messages[0].content[1].image_url", chatImage("{'type':'image_url','image_url':42}")),
                bad("messages[2].content[0].image_url.url", "{'messages':[{'role':'user','content':'go'},"
                        + "{'role':'assistant','tool_calls':[{'id':'c1','type':'function','function':"
                        + "{'name':'f','arguments':'{}'}}]},{'role':'tool','tool_call_id':'c1','content':"
                        + "[{'type':'image_url','image_url':{'url':'" + BAD_BASE64 + "'}}]}]}"));
    }

    private static List<Bad> responsesCases() {
        String image = "{'input':[{'role':'user','content':[{'type':'input_text','text':'look'},%s]}]}";
        return List.of(
                bad("model", "{'model':42,'input':'hi'}"),
                bad("stream", "{'stream':'yes','input':'hi'}"),
                bad("max_output_tokens", "{'max_output_tokens':'abc','input':'hi'}"),
                bad("max_output_tokens", "{'max_output_tokens':-1,'input':'hi'}"),
                bad("max_output_tokens", "{'max_output_tokens':1e308,'input':'hi'}"),
                bad("max_tokens", "{'max_tokens':'abc','input':'hi'}"),
                bad("temperature", "{'temperature':'warm','input':'hi'}"),
                bad("parallel_tool_calls", "{'parallel_tool_calls':'no','input':'hi'}"),
                bad("user", "{'user':5,'input':'hi'}"),
                bad("stop", "{'stop':5,'input':'hi'}"),
                bad("previous_response_id", "{'previous_response_id':5,'input':'hi'}"),
                bad("instructions", "{'instructions':5,'input':'hi'}"),
                bad("reasoning", "{'reasoning':'high','input':'hi'}"),
                bad("reasoning.effort", "{'reasoning':{'effort':5},'input':'hi'}"),
                bad("text", "{'text':'json','input':'hi'}"),
                bad("tool_choice", "{'tool_choice':42,'input':'hi'}"),
                bad("tools", "{'tools':'x','input':'hi'}"),
                bad("tools[0]", "{'tools':[42],'input':'hi'}"),
                bad("tools[0].name", "{'tools':[{'type':'function','parameters':{'type':'object'}}],'input':'hi'}"),
                bad("tools[0].name", "{'tools':[{'type':'custom','description':'d'}],'input':'hi'}"),
                bad("tools[0].parameters", "{'tools':[{'type':'function','name':'f','parameters':[]}],'input':'hi'}"),
                bad("tools[0].tools[0].name",
                        "{'tools':[{'type':'namespace','name':'ns','tools':[{'type':'function'}]}],'input':'hi'}"),
                bad("input[0]", "{'input':[42]}"),
                bad("input[1]", "{'input':['hi',true]}"),
                bad("input[0].role", "{'input':[{'role':5,'content':'x'}]}"),
                bad("input[0].content", "{'input':[{'role':'user','content':42}]}"),
                bad("input[0].content[0]", "{'input':[{'role':'user','content':[42]}]}"),
                bad("input[1].name", "{'input':['hi',{'type':'function_call','call_id':'c1','arguments':'{}'}]}"),
                bad("input[0].content[1].image_url", image.formatted(
                        "{'type':'input_image','image_url':'" + BAD_BASE64 + "'}")),
                bad("input[0].content[1].image_url", image.formatted(
                        "{'type':'input_image','image_url':'" + NOT_AN_IMAGE + "'}")),
                bad("input[0].content[1].image_url", image.formatted(
                        "{'type':'input_image','image_url':'" + EMPTY_DATA + "'}")),
                bad("input[0].content[1].image_url.url", image.formatted(
                        "{'type':'input_image','image_url':{'url':'" + BAD_BASE64 + "'}}")),
                bad("input[2].output[0].image_url", "{'input':['go',{'type':'function_call','call_id':'c1',"
                        + "'name':'f','arguments':'{}'},{'type':'function_call_output','call_id':'c1','output':"
                        + "[{'type':'input_image','image_url':'" + BAD_BASE64 + "'}]}]}"));
    }

    private static List<Bad> messagesCases() {
        String image = "{'max_tokens':64,'messages':[{'role':'user','content':[{'type':'text','text':'look'},"
                + "{'type':'image','source':%s}]}]}";
        String tool = "{'name':'read_file','input_schema':{'type':'object'}}";
        return List.of(
                bad("model", "{'model':42,'max_tokens':64," + USER_HI + "}"),
                bad("stream", "{'stream':'yes'," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':'abc'," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':-1," + USER_HI + "}"),
                bad("max_tokens", "{'max_tokens':1e308," + USER_HI + "}"),
                bad("temperature", "{'temperature':'warm'," + USER_HI + "}"),
                bad("stop_sequences", "{'stop_sequences':5," + USER_HI + "}"),
                bad("system", "{'system':42," + USER_HI + "}"),
                bad("system.0", "{'system':[42]," + USER_HI + "}"),
                bad("metadata", "{'metadata':'x'," + USER_HI + "}"),
                bad("metadata.user_id", "{'metadata':{'user_id':5}," + USER_HI + "}"),
                bad("thinking", "{'thinking':'on'," + USER_HI + "}"),
                bad("tools", "{'tools':'x'," + USER_HI + "}"),
                bad("tools.0", "{'tools':[42]," + USER_HI + "}"),
                bad("tools.1.name", "{'tools':[" + tool + ",{'input_schema':{'type':'object'}}]," + USER_HI + "}"),
                bad("tools.0.input_schema", "{'tools':[{'name':'f','input_schema':'x'}]," + USER_HI + "}"),
                bad("tool_choice", "{'tool_choice':42,'tools':[" + tool + "]," + USER_HI + "}"),
                bad("tool_choice.disable_parallel_tool_use", "{'tool_choice':{'type':'auto',"
                        + "'disable_parallel_tool_use':'yes'},'tools':[" + tool + "]," + USER_HI + "}"),
                bad("messages", "{'messages':'hi'}"),
                bad("messages.0", "{'messages':[42]}"),
                bad("messages.0.role", "{'messages':[{'content':'hi'}]}"),
                bad("messages.0.role", "{'messages':[{'role':['user'],'content':'hi'}]}"),
                bad("messages.0.content", "{'messages':[{'role':'user','content':42}]}"),
                bad("messages.0.content.1", "{'messages':[{'role':'user','content':[{'type':'text','text':'a'},7]}]}"),
                bad("messages.1.content.0.name", "{'messages':[{'role':'user','content':'go'},{'role':'assistant',"
                        + "'content':[{'type':'tool_use','id':'t1','input':{}}]},{'role':'user','content':'x'}]}"),
                bad("messages.0.content.1.source.data",
                        image.formatted("{'type':'base64','media_type':'image/png','data':'!!!'}")),
                bad("messages.0.content.1.source.data",
                        image.formatted("{'type':'base64','media_type':'image/png','data':''}")),
                bad("messages.0.content.1.source.data",
                        image.formatted("{'type':'base64','media_type':'image/png'}")),
                bad("messages.0.content.1.source.data",
                        image.formatted("{'type':'base64','media_type':'image/png','data':42}")),
                bad("messages.0.content.1.source.media_type",
                        image.formatted("{'type':'base64','media_type':'text/plain','data':'aGVsbG8='}")),
                bad("messages.0.content.1.source.url", image.formatted("{'type':'url','url':'" + BAD_BASE64 + "'}")),
                bad("messages.0.content.1.source", image.formatted("'x'")),
                bad("messages.0.content.0.content.0.source.data", "{'messages':[{'role':'user','content':["
                        + "{'type':'tool_result','tool_use_id':'t1','content':[{'type':'image','source':"
                        + "{'type':'base64','media_type':'image/png','data':'!!!'}}]},"
                        + "{'type':'text','text':'what is it?'}]}]}"));
    }

    @Test
    void wrongShapesAre400NamingTheFieldInTheOpenAiEnvelope() {
        List<String> wrong = new ArrayList<>();
        chatCases().forEach(c -> check(CHAT, c, wrong));
        responsesCases().forEach(c -> check(RESPONSES, c, wrong));
        assertThat(wrong).as("answers that are not a 400 naming the field").isEmpty();
    }

    @Test
    void wrongShapesAre400NamingTheFieldInTheAnthropicEnvelope() {
        List<String> wrong = new ArrayList<>();
        messagesCases().forEach(c -> check(MESSAGES, c, wrong));
        messagesCases().forEach(c -> check(COUNT_TOKENS, c, wrong));
        assertThat(wrong).as("answers that are not a 400 naming the field").isEmpty();
    }

    // one line per wrong answer, so a failure lists every case at once
    private void check(String path, Bad c, List<String> wrong) {
        HttpResponse<String> r = post(path, c.body());
        String what = path + " " + c.body() + " -> " + r.statusCode() + " " + r.body();
        JsonNode body = r.statusCode() == 200 ? null : RequestEdgeTest.json(r.body());
        boolean anthropic = path.startsWith(MESSAGES);
        boolean ok = r.statusCode() == 400 && !RequestEdgeTest.JAVA_NAME.matcher(r.body()).find()
                && body.at("/error/type").asText().equals("invalid_request_error")
                && (anthropic ? body.path("type").asText().equals("error")
                        && body.at("/error/message").asText().startsWith(c.field() + ": ")
                        : c.field().equals(body.at("/error/param").asText(null))
                        && !body.at("/error/message").asText().isBlank());
        if (!ok) {
            wrong.add("expected " + c.field() + ": " + what);
        }
    }

    @Test
    void messagesReadLikeTheOfficialApis() {
        assertThat(message(CHAT, "{'max_tokens':'abc'," + USER_HI + "}"))
                .isEqualTo("Invalid type for 'max_tokens': expected an integer, but got a string instead.");
        assertThat(message(CHAT, "{'messages':[{'content':'hi'}]}"))
                .isEqualTo("Missing required parameter: 'messages[0].role'.");
        assertThat(message(RESPONSES, "{'max_output_tokens':-1,'input':'hi'}"))
                .startsWith("Invalid 'max_output_tokens': integer below minimum value.");
        assertThat(message(CHAT, chatImage("{'type':'image_url','image_url':{'url':'" + BAD_BASE64 + "'}}")))
                .isEqualTo("could not load image: invalid base64 data in data URL");
        assertThat(message(MESSAGES, "{'max_tokens':'abc'," + USER_HI + "}"))
                .isEqualTo("max_tokens: Input should be a valid integer");
        assertThat(message(MESSAGES, "{'messages':[{'content':'hi'}]}")).isEqualTo("messages.0.role: Field required");
    }

    @Test
    void documentedLenienciesStillAnswer200() {
        String readFile = "{'type':'function','function':{'name':'read_file','parameters':{'type':'object'}}}";
        List<String[]> ok = List.of(
                // §4.1 ignored parameters are not type-checked; unknown fields are ignored (§2.4)
                new String[]{CHAT, "{'top_p':'x','seed':'s','logprobs':'maybe','metadata':5,'store':'y',"
                        + "'service_tier':1,'something_new':[1,{'deep':true}]," + USER_HI + "}"},
                // §3.3: empty and unknown model names; JSON null is an absent field
                new String[]{CHAT, "{'model':''," + USER_HI + "}"},
                new String[]{CHAT, "{'model':'gpt-4o-unknown'," + USER_HI + "}"},
                new String[]{CHAT, "{'model':null,'stream':null,'tools':null,'max_tokens':null,'temperature':null,"
                        + "'stop':null,'user':null,'tool_choice':null,'n':null," + USER_HI + "}"},
                // §4.1 max_completion_tokens 0 falls back to max_tokens; stop may be a string; 100.0 is integral
                new String[]{CHAT, "{'max_tokens':64,'max_completion_tokens':0,'stop':'##'," + USER_HI + "}"},
                new String[]{CHAT, "{'max_tokens':100.0," + USER_HI + "}"},
                // §9.3 unknown roles and non-object items dropped, content may be a single part object or null
                new String[]{CHAT, "{'messages':[{'role':'critic','content':'x'},'junk',"
                        + "{'role':'user','content':{'type':'text','text':'hi'}},{'role':'assistant','content':null,"
                        + "'tool_calls':[{'id':'c1','type':'function','function':{'name':'read_file',"
                        + "'arguments':'{}'}}]},{'role':'tool','tool_call_id':'c1','content':''},"
                        + "{'role':'tool','content':'no id'},{'role':'user','content':'go on'}]}"},
                // §10.2 non-function tools dropped, flat shape accepted; §10.3 string tool_choice
                new String[]{CHAT, "{'tools':[{'type':'web_search'},{'type':'function','name':'exec',"
                        + "'parameters':{'type':'object'}}," + readFile + "],'tool_choice':'none'," + USER_HI + "}"},
                // §9.6 a data URL without a media type is sniffed; a valid one passes
                new String[]{CHAT, chatImage("{'type':'image_url','image_url':'data:;base64,iVBORw0KGgo='}")},
                new String[]{CHAT, chatImage("{'type':'image_url','image_url':{'url':'" + PNG + "'}}")},
                // §5.1 / §9.5: roleless items are user messages, plain strings too, hosted tools dropped
                new String[]{RESPONSES, "{'input':['plain',{'content':[{'type':'input_text','text':'roleless'}]},"
                        + "{'type':'reasoning','summary':[]},{'type':'message','role':'user','content':[]}],"
                        + "'tools':[{'type':'web_search_preview'},{'type':'function','name':'f'}],"
                        + "'instructions':[{'type':'input_text','text':'be brief'}],'stop':'##',"
                        + "'max_output_tokens':0,'store':'x','include':5,'truncation':7,'metadata':'m'}"},
                new String[]{RESPONSES, "{'input':{'role':'user','content':'object input'},"
                        + "'reasoning':{'effort':'low','summary':5},'text':{'format':{'type':'text'}}}"},
                new String[]{RESPONSES, "{'input':[{'role':'user','content':[{'type':'input_image','image_url':'"
                        + PNG + "'},{'type':'input_text','text':'look'}]}]}"},
                // §6.1: max_tokens not required, ignored fields, stop_sequences as a string, string tool_choice
                new String[]{MESSAGES, "{'top_k':'x','top_p':'y','service_tier':5,'container':[],'mcp_servers':'m',"
                        + "'stop_sequences':'##'," + USER_HI + "}"},
                // §9.4: unknown roles dropped, string blocks, tool_result without id dropped, thinking skipped
                new String[]{MESSAGES, "{'max_tokens':64,'messages':[{'role':'metadata','content':'x'},"
                        + "{'role':'user','content':['plain block',{'type':'tool_result','content':'no id'},"
                        + "{'type':'image','source':{'type':'base64','media_type':'image/png',"
                        + "'data':'iVBORw0KGgo='}}]},{'role':'assistant','content':[{'type':'thinking',"
                        + "'thinking':'hmm'},{'type':'text','text':'ok'}]},{'role':'user','content':'go'}]}"},
                // §6.4 hosted web search tools are dropped; a base64 source without a media type is sniffed
                new String[]{MESSAGES, "{'tools':[{'name':'web_search','type':'web_search_20250305'},"
                        + "{'name':'bash','type':'bash_20250124'}],'tool_choice':{'type':'auto'},"
                        + "'messages':[{'role':'user','content':[{'type':'text','text':'look'},{'type':'image',"
                        + "'source':{'type':'base64','data':'iVBORw0KGgo='}}]}]}"},
                new String[]{COUNT_TOKENS, "{'model':'claude-x','tools':[{'name':'read_file','input_schema':"
                        + "{'type':'object'}}],'tool_choice':'read_file','stop_sequences':'##'," + USER_HI + "}"});
        List<String> wrong = new ArrayList<>();
        for (String[] c : ok) {
            HttpResponse<String> r = post(c[0], c[1]);
            if (r.statusCode() != 200) {
                wrong.add(c[0] + " " + c[1] + " -> " + r.statusCode() + " " + r.body());
            }
        }
        assertThat(wrong).as("lenient requests that were refused").isEmpty();
    }

    private HttpResponse<String> post(String path, String singleQuoted) {
        try {
            return client.post(path, singleQuoted.replace('\'', '"'));
        } catch (Exception e) {
            throw new AssertionError(path + " " + singleQuoted, e);
        }
    }

    private String message(String path, String singleQuoted) {
        return RequestEdgeTest.json(post(path, singleQuoted).body()).at("/error/message").asText();
    }
}
