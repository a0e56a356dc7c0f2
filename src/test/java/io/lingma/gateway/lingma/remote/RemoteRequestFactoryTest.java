package io.lingma.gateway.lingma.remote;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ToolCall;
import io.lingma.gateway.chat.ToolChoice;
import io.lingma.gateway.chat.ToolDefinition;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lingma-remote.md §6.1/§6.2 request building, client-api.md §9.9 projection and §10.3 tool_choice; §6.1 parse. */
class RemoteRequestFactoryTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();
    private final RemoteCredential credential =
            new RemoteCredential("KEY", "INFO", "10001", "machine-id-0123456789", 0, null, false, "t");
    private final Clock clock = Clock.fixed(Instant.ofEpochMilli(1777045062123L), ZoneOffset.UTC);
    private final AtomicInteger counter = new AtomicInteger();

    private RemoteRequestFactory factory(RemoteSettings settings) {
        return new RemoteRequestFactory(settings, new CosySigner(settings.version(), clock,
                () -> "auth-" + counter.incrementAndGet()), clock,
                () -> String.format("%032x", counter.incrementAndGet()), () -> "uuid-" + counter.incrementAndGet());
    }

    private static ChatTurn turn(List<ChatMessage> messages, List<ToolDefinition> tools, ToolChoice choice,
                                 String effort, Integer maxTokens) {
        return new ChatTurn("req_1", ApiProtocol.OPENAI_CHAT, "kmodel", "Be brief.", messages, tools, choice, true,
                effort, true, false, null, maxTokens, List.of(), null, null);
    }

    @Test
    void modelListIsASignedGetWithEmptyBody() {
        RemoteHttpRequest request = factory(TestSettings.remote()).modelList(credential, "http://127.0.0.1:9/");
        assertThat(request.method()).isEqualTo("GET");
        assertThat(request.url()).isEqualTo("http://127.0.0.1:9/algo/api/v2/model/list");
        assertThat(request.body()).isEmpty();
        String auth = request.headers().get("Authorization");
        String md5 = CosySigner.signature(auth.split("\\.")[1], "KEY", request.headers().get("Cosy-Date"),
                new byte[0], "/api/v2/model/list");
        assertThat(auth).endsWith("." + md5);
        assertThat(request.requestId()).isEqualTo(request.authRequestId()).startsWith("auth-");
        assertThat(request.toString()).doesNotContain("KEY", "COSY.");
    }

    @Test
    void chatBodyFollowsSection62AndTheRemoteProjection() throws Exception {
        ObjectMapper m = MAPPER;
        List<ChatMessage> messages = List.of(
                new ChatMessage(ChatRole.USER, "look", "look\n[image]", List.of(new ImageInput("image/png", "AAAA",
                        null)), null, null, false, List.of()),
                new ChatMessage(ChatRole.ASSISTANT, "", "", List.of(), null, null, false,
                        List.of(new ToolCall("call_1", "read_file", "{\"path\":\"a\"}"))),
                new ChatMessage(ChatRole.TOOL, "file text", "file text", List.of(), "call_1", "read_file", false,
                        List.of()),
                ChatMessage.user("thanks"));
        List<ToolDefinition> tools = List.of(new ToolDefinition("read_file", "reads", m.readTree(
                "{\"type\":\"object\",\"properties\":{\"path\":{\"type\":\"string\"}}}")),
                new ToolDefinition("noop", null, null));
        RemoteHttpRequest request = factory(TestSettings.remote().toBuilder().forwardMaxTokens(true).build())
                .chat(turn(messages, tools, new ToolChoice(ToolChoice.Mode.TOOL, "read_file"), "high", 99999),
                        "kmodel", credential, "https://x.rdc.aliyuncs.com");
        assertThat(request.url()).isEqualTo("https://x.rdc.aliyuncs.com/algo/api/v2/service/pro/sse/"
                + "agent_chat_generation?FetchKeys=llm_model_result&AgentId=agent_common");
        JsonNode body = m.readTree(request.body());
        assertThat(body.path("request_id").asText()).hasSize(32).isEqualTo(body.path("chat_record_id").asText())
                .isEqualTo(request.requestId());
        assertThat(body.path("stream").asBoolean()).isTrue();
        assertThat(body.path("parameters").path("temperature").asDouble()).isEqualTo(0.1);
        assertThat(body.path("parameters").path("max_tokens").asInt()).isEqualTo(16384);
        assertThat(body.path("aliyun_user_type").asText()).isEqualTo("enterprise_standard");
        assertThat(body.path("model_config").path("key").asText()).isEqualTo("kmodel");
        assertThat(body.path("model_config").path("is_reasoning").asBoolean()).isTrue();
        assertThat(body.path("model_config").path("is_vl").asBoolean()).isTrue();
        assertThat(body.path("image_urls").get(0).asText()).isEqualTo("data:image/png;base64,AAAA");
        JsonNode msgs = body.path("messages");
        assertThat(msgs).hasSize(5);
        assertThat(msgs.get(0).path("role").asText()).isEqualTo("system");
        assertThat(msgs.get(0).path("content").asText()).isEqualTo("Be brief.");
        assertThat(msgs.get(1).path("content").get(1).path("image_url").path("url").asText())
                .startsWith("data:image/png");
        assertThat(msgs.get(2).path("content").asText()).isEmpty();
        assertThat(msgs.get(2).path("tool_calls").get(0).path("function").path("arguments").asText())
                .isEqualTo("{\"path\":\"a\"}");
        assertThat(msgs.get(3).path("role").asText()).isEqualTo("tool");
        assertThat(msgs.get(3).path("tool_call_id").asText()).isEqualTo("call_1");
        assertThat(msgs.get(4).path("response_meta").path("usage").path("total_tokens").asInt()).isZero();
        assertThat(msgs.get(4).path("reasoning_content_signature").asText()).isEmpty();
        assertThat(body.path("tools").get(1).path("function").path("parameters").toString())
                .isEqualTo("{\"type\":\"object\",\"properties\":{}}");
        assertThat(body.path("tool_choice").toString())
                .isEqualTo("{\"type\":\"function\",\"function\":{\"name\":\"read_file\"}}");
        assertThat(body.path("business").path("name").asText()).isEqualTo("memory_intent_recognition_"
                + request.requestId());
        assertThat(body.path("business").path("begin_at").asLong()).isEqualTo(1777045062123L);
        // signature covers the exact bytes sent
        String auth = request.headers().get("Authorization");
        assertThat(auth).endsWith("." + CosySigner.signature(auth.split("\\.")[1], "KEY",
                request.headers().get("Cosy-Date"), request.body(), "/api/v2/service/pro/sse/agent_chat_generation"));
    }

    @Test
    void toolChoiceModesAndMaxTokensOffByDefault() throws Exception {
        List<ToolDefinition> tools = List.of(new ToolDefinition("t", "", null));
        RemoteRequestFactory f = factory(TestSettings.remote());
        JsonNode auto = f.chatBody(turn(List.of(ChatMessage.user("hi")), tools, ToolChoice.AUTO, null, 10), "auto",
                "r", "https://lingma.alibabacloud.com");
        assertThat(auto.has("tool_choice")).isFalse();
        assertThat(auto.path("parameters").has("max_tokens")).isFalse();
        assertThat(auto.path("model_config").path("key").asText()).isEmpty();
        assertThat(auto.path("aliyun_user_type").asText()).isEqualTo("personal_standard");
        assertThat(auto.path("image_urls").isNull()).isTrue();
        assertThat(f.chatBody(turn(List.of(ChatMessage.user("hi")), tools, ToolChoice.NONE, null, null), "k", "r",
                "https://h").path("tool_choice").asText()).isEqualTo("none");
        assertThat(f.chatBody(turn(List.of(ChatMessage.user("hi")), tools, new ToolChoice(ToolChoice.Mode.ANY,
                null), null, null), "dashscope_qwen_plus_20250428_thinking", "r", "https://h")
                .path("tool_choice").asText()).isEqualTo("required");
        JsonNode emulate = factory(TestSettings.remote().toBuilder().toolMode(RemoteSettings.ToolMode.EMULATE).build())
                .chatBody(turn(List.of(ChatMessage.user("hi")), tools, ToolChoice.NONE, null, null), "k", "r", "h");
        assertThat(emulate.has("tools")).isFalse();
        assertThat(emulate.has("tool_choice")).isFalse();
    }

    @Test
    void eachCallHasFreshIdsAndEncode1BodyIsSignedAsSent() {
        RemoteRequestFactory f = factory(TestSettings.remote().toBuilder().encodeBody(true).build());
        ChatTurn t = turn(List.of(ChatMessage.user("hi")), List.of(), ToolChoice.AUTO, null, null);
        RemoteHttpRequest a = f.chat(t, "kmodel", credential, "http://h");
        RemoteHttpRequest b = f.chat(t, "kmodel", credential, "http://h");
        assertThat(a.requestId()).isNotEqualTo(b.requestId());
        assertThat(a.authRequestId()).isNotEqualTo(b.authRequestId());
        assertThat(a.url()).endsWith("&Encode=1");
        String decoded = new String(Encode1Codec.decode(a.bodyText()), StandardCharsets.UTF_8);
        assertThat(decoded).startsWith("{\"request_id\":\"" + a.requestId() + "\"");
    }

    @Test
    void section61ModelListUnionDedupeDisabledAndWrappedForm() {
        String list = "{\"chat\":[{\"key\":\"kmodel\",\"display_name\":\"Kimi-K2.6\",\"enable\":true,\"is_vl\":true},"
                + "{\"key\":\"off\",\"display_name\":\"Off\",\"enable\":false},{\"key\":\"nodisplay\"}],"
                + "\"inline\":[{\"key\":\"kmodel\"},{\"key\":\"inl\",\"display_name\":\"Inline\"}],"
                + "\"developer\":[{\"key\":\"dev\",\"is_reasoning\":true}],\"assistant\":[]}";
        List<ModelInfo> models = new RemoteModelListParser(false).parse(list);
        assertThat(models).extracting(ModelInfo::key).containsExactly("kmodel", "nodisplay", "inl", "dev");
        assertThat(models.get(0).scenes()).containsExactly("chat", "inline");
        assertThat(models.get(0).vision()).isTrue();
        assertThat(models.get(1).displayName()).isEqualTo("nodisplay");
        assertThat(models.get(3).reasoning()).isTrue();
        assertThat(new RemoteModelListParser(true).parse(list)).extracting(ModelInfo::key).contains("off");
        String wrapped = "{\"statusCodeValue\":200,\"body\":" + MAPPER.getNodeFactory().textNode(list) + "}";
        assertThat(new RemoteModelListParser(false).parseDetailed(wrapped).keys())
                .containsExactly("kmodel", "nodisplay", "inl", "dev");
        assertThat(new RemoteModelListParser(false).parse("{}")).isEmpty();
        assertThatThrownBy(() -> new RemoteModelListParser(false).parse("<Error/>"))
                .isInstanceOf(RemoteFailure.class);
    }
}
