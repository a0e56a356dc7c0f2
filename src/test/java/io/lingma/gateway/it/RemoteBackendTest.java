package io.lingma.gateway.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.core.http.StreamResponse;
import com.anthropic.helpers.MessageAccumulator;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.remote.RecordedRemoteRequest;
import io.lingma.gateway.simulator.remote.RemoteFault;
import io.lingma.gateway.simulator.remote.RemoteSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The remote backend end to end: the gateway signs requests to the built-in remote-API simulator, finds its login
 * in a fake plugin cache, streams through camel-http, and falls back across models before the first token.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=remote", "gateway.remote.simulator=true", "gateway.http.port=18110",
                "camel.management.enabled=false", "gateway.remote.first-byte-timeout=1500ms",
                "gateway.remote.breaker.minimum-number-of-calls=2", "gateway.remote.breaker.sliding-window-size=2",
                "gateway.breaker.minimum-number-of-calls=1000", "gateway.breaker.sliding-window-size=1000"})
class RemoteBackendTest {

    private static final String BASE = "http://127.0.0.1:18110";
    private static final String CHAT = """
            {"model":"%s","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    @BeanInject("remoteSimulator")
    RemoteSimulator remote;

    private final SseClient client = new SseClient(18110);
    private final OpenAIClient openai = OpenAIOkHttpClient.builder().baseUrl(BASE + "/v1").apiKey("x")
            .maxRetries(0).build();
    private final AnthropicClient anthropic = AnthropicOkHttpClient.builder().baseUrl(BASE).apiKey("x")
            .maxRetries(0).build();

    @AfterEach
    void clearFaults() {
        remote.clearFaults();
    }

    @AfterAll
    void closeClients() {
        openai.close();
        anthropic.close();
    }

    @Test
    @Order(1)
    void officialSdksStreamAndNonStreamThroughTheRemoteBackend() {
        ChatCompletion c = openai.chat().completions().create(ChatCompletionCreateParams.builder()
                .model("Kimi-K2.6").addUserMessage("remote openai").build());
        assertThat(c.model()).isEqualTo("kmodel");
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(
                t -> assertThat(t).contains("remote openai"));

        StringBuilder streamed = new StringBuilder();
        try (var s = openai.chat().completions().createStreaming(ChatCompletionCreateParams.builder()
                .model("kmodel").addUserMessage("remote openai stream").build())) {
            s.stream().forEach(ch -> ch.choices().forEach(x -> x.delta().content().ifPresent(streamed::append)));
        }
        assertThat(streamed.toString()).contains("remote openai stream");

        Message m = anthropic.messages().create(MessageCreateParams.builder().model("kmodel").maxTokens(64)
                .addUserMessage("remote anthropic").build());
        assertThat(m.content().get(0).text()).hasValueSatisfying(t -> assertThat(t.text()).contains("remote anthropic"));

        MessageAccumulator acc = MessageAccumulator.create();
        try (StreamResponse<RawMessageStreamEvent> s = anthropic.messages().createStreaming(
                MessageCreateParams.builder().model("kmodel").maxTokens(64)
                        .addUserMessage("remote anthropic stream").build())) {
            s.stream().forEach(acc::accumulate);
        }
        assertThat(acc.message().content().get(0).text()).hasValueSatisfying(
                t -> assertThat(t.text()).contains("remote anthropic stream"));

        RecordedRemoteRequest signed = remote.requests().stream()
                .filter(r -> "remote openai".equals(r.lastUserText())).findFirst().orElseThrow();
        assertThat(signed.verdict()).isEqualTo(RecordedRemoteRequest.AuthVerdict.OK);
        assertThat(signed.header("Authorization")).startsWith("Bearer COSY.");
    }

    @Test
    @Order(1)
    void nativeToolCallFragmentsBecomeClientToolCallsAndTheToolsGoUpstream() throws Exception {
        remote.addScript(io.lingma.gateway.simulator.remote.RemoteScript.reply()
                .withToolFragments(new io.lingma.gateway.simulator.remote.RemoteScript.ToolFragment(0, "call_1",
                                "read_file", "{\"file_path\":\"/Users/you"),
                        new io.lingma.gateway.simulator.remote.RemoteScript.ToolFragment(0, null, null,
                                "/notes.txt\"}"))
                .withFinishReason("tool_calls").whenUserMatches("read my notes"));
        try {
            HttpResponse<String> r = client.post("/v1/chat/completions", """
                    {"model":"kmodel","messages":[{"role":"user","content":"read my notes"}],
                     "tools":[{"type":"function","function":{"name":"read_file","description":"Read a file",
                      "parameters":{"type":"object","properties":{"file_path":{"type":"string"}},"required":["file_path"]}}}]}""");
            assertThat(r.statusCode()).isEqualTo(200);
            JsonNode choice = SseClient.JSON.readTree(r.body()).at("/choices/0");
            assertThat(choice.path("finish_reason").asText()).isEqualTo("tool_calls");
            JsonNode call = choice.at("/message/tool_calls/0");
            assertThat(call.at("/function/name").asText()).isEqualTo("read_file");
            assertThat(call.at("/function/arguments").asText()).isEqualTo("{\"file_path\":\"/Users/you/notes.txt\"}");
            JsonNode sent = remote.requests().stream().filter(x -> "read my notes".equals(x.lastUserText()))
                    .findFirst().orElseThrow().decodedBody();
            assertThat(sent.at("/tools/0/function/name").asText()).isEqualTo("read_file");
        } finally {
            remote.clearScripts();
        }
    }

    @Test
    @Order(2)
    void http429OnTheFirstModelIsAnsweredByTheNext() throws Exception {
        remote.setFault("dashscope_qwen3_coder", RemoteFault.http429());
        HttpResponse<String> r = client.post("/v1/chat/completions",
                CHAT.formatted("dashscope_qwen3_coder", false, "fallback please"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-lingma-model")).contains("dashscope_qmodel");
        assertThat(SseClient.JSON.readTree(r.body()).path("model").asText()).isEqualTo("dashscope_qmodel");
        assertThat(modelsAsked("fallback please")).containsExactly("dashscope_qwen3_coder", "dashscope_qmodel");
    }

    @Test
    @Order(3)
    void aHangBeforeTheFirstByteFallsBackAfterTheTimeout() throws Exception {
        remote.setFault("dashscope_qwen3_coder", RemoteFault.hangBeforeFirstByte());
        SseClient.Stream s = client.stream("/v1/chat/completions",
                CHAT.formatted("dashscope_qwen3_coder", true, "hang then fallback"));
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.response().headers().firstValue("x-lingma-model")).contains("dashscope_qmodel");
        assertThat(modelsAsked("hang then fallback")).containsExactly("dashscope_qwen3_coder", "dashscope_qmodel");
        // the hanging request was aborted by the gateway, not left waiting for its socket timeout
        await().atMost(Duration.ofSeconds(5)).until(() -> remote.requests().stream()
                .anyMatch(r -> "hang then fallback".equals(r.lastUserText()) && r.abortedByClient()));
    }

    @Test
    @Order(4)
    void whenEveryModelFailsTheClientGetsOneClearError() throws Exception {
        remote.setFault("dashscope_qwen_max_latest", RemoteFault.httpStatus(500, "{\"message\":\"boom\"}"));
        remote.setFault("dashscope_qwen_plus_20250428_thinking", RemoteFault.httpStatus(503, "busy"));
        HttpResponse<String> r = client.post("/v1/chat/completions",
                CHAT.formatted("dashscope_qwen_max_latest", false, "everything fails"));
        assertThat(r.statusCode()).isBetween(502, 503);
        JsonNode error = SseClient.JSON.readTree(r.body()).path("error");
        assertThat(error.path("message").asText()).contains("dashscope_qwen_max_latest")
                .contains("dashscope_qwen_plus_20250428_thinking");
        assertThat(modelsAsked("everything fails")).hasSize(2);
    }

    @Test
    @Order(5)
    void aFailureAfterTheFirstTokenEndsTheStreamWithoutFallback() throws Exception {
        remote.setFault("mmodel", RemoteFault.eventErrorAfter(2));
        SseClient.Stream s = client.stream("/v1/messages", """
                {"model":"mmodel","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"half then error"}]}""");
        assertThat(s.status()).isEqualTo(200);
        List<String> names = s.eventNames();
        assertThat(names).contains("content_block_delta");
        assertThat(names.get(names.size() - 1)).isEqualTo("error");
        assertThat(modelsAsked("half then error")).containsExactly("mmodel");
    }

    @Test
    @Order(6)
    void forbiddenIsReturnedAtOnceWithAClearMessage() throws Exception {
        remote.setFault("dashscope_qmodel", RemoteFault.httpStatus(403, "{\"code\":\"105\",\"message\":\"Login expired\"}"));
        HttpResponse<String> r = client.post("/v1/chat/completions",
                CHAT.formatted("dashscope_qmodel", false, "login gone"));
        assertThat(r.statusCode()).isEqualTo(502);
        JsonNode error = SseClient.JSON.readTree(r.body()).path("error");
        assertThat(error.path("code").asText()).isEqualTo("upstream_auth_error");
        assertThat(error.path("message").asText()).containsIgnoringCase("sign in again");
        assertThat(modelsAsked("login gone")).containsExactly("dashscope_qmodel");
    }

    @Test
    @Order(6)
    void aClientDisconnectAbortsTheUpstreamRequest() throws Exception {
        remote.addScript(io.lingma.gateway.simulator.remote.RemoteScript.reply("a ", "b ", "c ", "d ", "e ", "f ")
                .whenUserMatches("slow remote").withFrameDelay(300));
        String first = RawHttp.postAndDisconnectAfterFirstData(18110, "/v1/chat/completions",
                CHAT.formatted("kmodel", true, "slow remote"));
        assertThat(first).startsWith("data:");
        await().atMost(Duration.ofSeconds(5)).until(() -> remote.requests().stream()
                .anyMatch(r -> "slow remote".equals(r.lastUserText()) && r.abortedByClient()));
        remote.clearScripts();
    }

    @Test
    @Order(7)
    void theModelsBreakerOpensAndTheNextRequestSkipsThatModel() throws Exception {
        remote.setFault("kmodel", RemoteFault.httpStatus(503, "down"));
        for (int i = 0; i < 2; i++) {
            HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted("kmodel", false, "trip " + i));
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-lingma-model")).isPresent().get().isNotEqualTo("kmodel");
        }
        assertThat(modelsAsked("trip 0")).startsWith("kmodel");
        HttpResponse<String> skipped = client.post("/v1/chat/completions",
                CHAT.formatted("kmodel", false, "breaker is open"));
        assertThat(skipped.statusCode()).isEqualTo(200);
        // kmodel's own breaker is open: the request goes straight to the next usable model
        assertThat(modelsAsked("breaker is open")).hasSize(1).doesNotContain("kmodel");
        JsonNode health = SseClient.JSON.readTree(client.get("/health").body());
        assertThat(health.at("/state/model_breakers/kmodel/state").asText()).isEqualTo("OPEN");
        assertThat(health.at("/state/base_url").asText()).isEqualTo(remote.baseUrl());
        assertThat(health.path("simulator").asBoolean()).isTrue();
        assertThat(client.get("/v1/models").body()).contains("\"owned_by\":\"lingma-simulator\"");
        assertThat(health.toString()).doesNotContain(remote.defaultAccount().cosyKey())
                .doesNotContain(remote.defaultAccount().machineId());
    }

    private List<String> modelsAsked(String userText) {
        return remote.requests().stream().filter(r -> r.path().endsWith("agent_chat_generation"))
                .filter(r -> userText.equals(r.lastUserText())).map(RecordedRemoteRequest::modelKey).toList();
    }
}
