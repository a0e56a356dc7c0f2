package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** What a raw HTTP client sees: status codes, headers, envelopes, SSE framing and event order. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18102", "camel.management.enabled=false",
                "gateway.http.max-body-bytes=65536", "gateway.ipc.cwd=target/agent-cwd",
                "gateway.simulator.scenarios=src/test/resources/scenarios/http-contract.yaml"})
class HttpContractTest {

    private final SseClient client = new SseClient(18102);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    @Test
    void openAiStreamHeadersAndFraming() throws Exception {
        SseClient.Stream s = client.stream("/v1/chat/completions", CHAT.formatted(true, "hello stream"),
                "x-request-id", "trace-123");
        assertThat(s.status()).isEqualTo(200);
        HttpResponse<?> r = s.response();
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("text/event-stream"));
        assertThat(r.headers().firstValue("cache-control")).hasValueSatisfying(v -> assertThat(v).contains("no-cache"));
        assertThat(r.headers().firstValue("x-accel-buffering")).contains("no");
        assertThat(r.headers().firstValue("x-request-id")).contains("trace-123");
        assertThat(r.headers().firstValue("x-lingma-model")).contains("kmodel");
        assertThat(s.eventNames()).isEmpty();
        List<SseClient.Event> data = s.dataEvents();
        assertThat(data.get(data.size() - 1).data()).isEqualTo("[DONE]");
        JsonNode first = data.get(0).json();
        assertThat(first.path("object").asText()).isEqualTo("chat.completion.chunk");
        assertThat(first.at("/choices/0/delta/role").asText()).isEqualTo("assistant");
        JsonNode finish = data.get(data.size() - 2).json();
        assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
        StringBuilder text = new StringBuilder();
        data.subList(0, data.size() - 1).forEach(e -> text.append(e.json().at("/choices/0/delta/content").asText("")));
        assertThat(text.toString()).contains("hello stream");
        assertThat(data.subList(0, data.size() - 1)).allSatisfy(e ->
                assertThat(e.json().path("id").asText()).isEqualTo(first.path("id").asText()));
    }

    @Test
    void anthropicStreamEventOrder() throws Exception {
        SseClient.Stream s = client.stream("/v1/messages", MESSAGES.formatted(true, "order please"));
        assertThat(s.status()).isEqualTo(200);
        assertThat(s.response().headers().firstValue("request-id")).isPresent();
        List<String> names = s.eventNames();
        assertThat(names.get(0)).isEqualTo("message_start");
        assertThat(names.get(1)).isEqualTo("ping");
        assertThat(names).containsSubsequence("content_block_start", "content_block_delta", "content_block_stop",
                "message_delta", "message_stop");
        assertThat(names.get(names.size() - 1)).isEqualTo("message_stop");
        s.events().stream().filter(e -> e.event() != null)
                .forEach(e -> assertThat(e.json().path("type").asText()).isEqualTo(e.event()));
        JsonNode delta = s.events().stream().filter(e -> "message_delta".equals(e.event())).findFirst().orElseThrow()
                .json();
        assertThat(delta.at("/delta/stop_reason").asText()).isEqualTo("end_turn");
        assertThat(delta.at("/usage/output_tokens").asInt()).isPositive();
    }

    @Test
    void chunksAreFlushedAsTheyArrive() throws Exception {
        // the scenario sends 6 chunks 150 ms apart: a batching writer would deliver them all at once at the end
        SseClient.Stream s = client.stream("/v1/chat/completions", CHAT.formatted(true, "[it:paced] go"));
        List<Long> contentArrivals = s.dataEvents().stream()
                .filter(e -> !e.data().equals("[DONE]") && !e.json().at("/choices/0/delta/content").asText("").isEmpty())
                .map(SseClient.Event::atMillis).toList();
        assertThat(contentArrivals).hasSizeGreaterThanOrEqualTo(6);
        // timers may drift under load, but the chunks must arrive spread out, not together at the end
        assertThat(contentArrivals.get(contentArrivals.size() - 1) - contentArrivals.get(0)).isGreaterThan(300);
        long spacedGaps = 0;
        for (int i = 1; i < contentArrivals.size(); i++) {
            spacedGaps += contentArrivals.get(i) - contentArrivals.get(i - 1) > 60 ? 1 : 0;
        }
        assertThat(spacedGaps).isGreaterThanOrEqualTo(3);
    }

    @Test
    void nonStreamingJsonBodies() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted(false, "plain json"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        assertThat(r.headers().firstValue("x-lingma-model")).contains("kmodel");
        assertThat(r.headers().firstValue("x-lingma-context-usage")).hasValueSatisfying(
                v -> assertThat(v).matches("\\d+/\\d+"));
        JsonNode body = SseClient.JSON.readTree(r.body());
        assertThat(body.path("object").asText()).isEqualTo("chat.completion");
        assertThat(body.path("id").asText()).matches("chatcmpl-[A-Za-z0-9]{24}");

        HttpResponse<String> m = client.post("/v1/messages", MESSAGES.formatted(false, "plain anthropic"));
        assertThat(m.statusCode()).isEqualTo(200);
        JsonNode msg = SseClient.JSON.readTree(m.body());
        assertThat(msg.path("type").asText()).isEqualTo("message");
        assertThat(msg.at("/content/0/text").asText()).contains("plain anthropic");
    }

    @Test
    void vector19CountTokensWithTools() throws Exception {
        HttpResponse<String> r = client.post("/v1/messages/count_tokens", """
                {"model":"kmodel","max_tokens":128,"system":"Be brief.","messages":[{"role":"user","content":"hello"}],
                 "tools":[{"name":"read_file","description":"Read a file","input_schema":{"type":"object",
                 "properties":{"path":{"type":"string"}},"required":["path"]}}]}""");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(SseClient.JSON.readTree(r.body()).path("input_tokens").asLong()).isPositive();
        HttpResponse<String> bad = client.post("/v1/messages/count_tokens", "{oops");
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(SseClient.JSON.readTree(bad.body()).path("type").asText()).isEqualTo("error");
    }

    @Test
    void imagesReachLingmaAndPrivateImageUrlsAreRefused() throws Exception {
        String png = java.util.Base64.getEncoder().encodeToString(new byte[]{(byte) 0x89, 'P', 'N', 'G', 13, 10, 26, 10});
        HttpResponse<String> ok = client.post("/v1/chat/completions", """
                {"model":"kmodel","messages":[{"role":"user","content":[{"type":"text","text":"[it:image] what is this"},
                 {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}]}""".formatted(png));
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(simulator.prompts()).anySatisfy(p -> {
            assertThat(p.text()).contains("[it:image] what is this");
            assertThat(p.imageCount()).isEqualTo(1);
        });

        HttpResponse<String> refused = client.post("/v1/messages", """
                {"model":"kmodel","max_tokens":16,"messages":[{"role":"user","content":[
                 {"type":"image","source":{"type":"url","url":"http://127.0.0.1/x.png"}},{"type":"text","text":"hi"}]}]}""");
        assertThat(refused.statusCode()).isEqualTo(400);
        assertThat(SseClient.JSON.readTree(refused.body()).at("/error/message").asText())
                .startsWith("could not load image");
    }

    @Test
    void requestHeadersAreNotEchoed() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted(false, "secret check"),
                "x-api-key", "sk-very-secret", "Authorization", "Bearer sk-very-secret");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().map().toString()).doesNotContain("sk-very-secret");
        assertThat(r.headers().firstValue("x-request-id")).hasValueSatisfying(v -> assertThat(v).startsWith("req_"));
    }

    @Test
    void malformedJsonGetsEachApisEnvelope() throws Exception {
        HttpResponse<String> o = client.post("/v1/chat/completions", "{not json");
        assertThat(o.statusCode()).isEqualTo(400);
        JsonNode oe = SseClient.JSON.readTree(o.body());
        assertThat(oe.at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(oe.at("/error/message").asText()).startsWith("invalid JSON body");
        assertThat(o.body()).doesNotContain("Exception").doesNotContain("\tat ");

        HttpResponse<String> a = client.post("/v1/messages", "{not json");
        assertThat(a.statusCode()).isEqualTo(400);
        JsonNode ae = SseClient.JSON.readTree(a.body());
        assertThat(ae.path("type").asText()).isEqualTo("error");
        assertThat(ae.at("/error/type").asText()).isEqualTo("invalid_request_error");
    }

    @Test
    void missingMessagesIs400() throws Exception {
        HttpResponse<String> o = client.post("/v1/chat/completions", "{\"model\":\"kmodel\",\"messages\":[]}");
        assertThat(o.statusCode()).isEqualTo(400);
        assertThat(SseClient.JSON.readTree(o.body()).at("/error/message").asText()).isNotBlank();
        HttpResponse<String> a = client.post("/v1/messages", "{\"model\":\"kmodel\",\"max_tokens\":5}");
        assertThat(a.statusCode()).isEqualTo(400);
        assertThat(SseClient.JSON.readTree(a.body()).path("type").asText()).isEqualTo("error");
    }

    @Test
    void unknownRouteWrongMethodAndOversizedBody() throws Exception {
        HttpResponse<String> nf = client.get("/v1/embeddings");
        assertThat(nf.statusCode()).isEqualTo(404);
        JsonNode e = SseClient.JSON.readTree(nf.body());
        assertThat(e.at("/error/code").asText()).isEqualTo("unknown_url");
        assertThat(e.at("/error/message").asText()).isEqualTo("Invalid URL (GET /v1/embeddings)");

        HttpResponse<String> anf = client.post("/v1/messages/batches", "{}");
        assertThat(anf.statusCode()).isEqualTo(404);
        assertThat(SseClient.JSON.readTree(anf.body()).at("/error/type").asText()).isEqualTo("not_found_error");

        HttpResponse<String> wm = client.get("/v1/chat/completions");
        assertThat(wm.statusCode()).isEqualTo(405);
        assertThat(wm.headers().firstValue("allow")).hasValueSatisfying(v -> assertThat(v).contains("POST"));

        String big = CHAT.formatted(false, "x".repeat(100_000));
        HttpResponse<String> tl = client.post("/v1/chat/completions", big);
        assertThat(tl.statusCode()).isEqualTo(413);
        assertThat(SseClient.JSON.readTree(tl.body()).at("/error/code").asText()).isEqualTo("request_too_large");

        HttpResponse<String> options = client.send("OPTIONS", "/v1/chat/completions", null);
        assertThat(options.statusCode()).isEqualTo(204);
    }

    @Test
    void modelsHealthAndVersion() throws Exception {
        HttpResponse<String> models = client.get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
        JsonNode list = SseClient.JSON.readTree(models.body());
        assertThat(list.path("object").asText()).isEqualTo("list");
        assertThat(list.path("data").findValuesAsText("id")).contains("kmodel", "dashscope_qwen3_coder");

        HttpResponse<String> head = client.send("HEAD", "/v1/models", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();

        assertThat(client.get("/v1/models/Qwen3-Coder").body()).contains("\"id\":\"dashscope_qwen3_coder\"");
        HttpResponse<String> missing = client.get("/v1/models/no-such-model");
        assertThat(missing.statusCode()).isEqualTo(404);
        assertThat(SseClient.JSON.readTree(missing.body()).at("/error/code").asText()).isEqualTo("model_not_found");

        JsonNode health = SseClient.JSON.readTree(client.get("/health").body());
        assertThat(health.path("backend").asText()).isEqualTo("simulator");
        assertThat(health.path("simulator").asBoolean()).isTrue();
        assertThat(health.at("/state/transport").asText()).isEqualTo("websocket");
        HttpResponse<String> ready = client.get("/healthz");
        assertThat(ready.statusCode()).isEqualTo(200);
        assertThat(SseClient.JSON.readTree(ready.body()).path("ready").asBoolean()).isTrue();
        assertThat(SseClient.JSON.readTree(client.get("/version").body()).path("service").asText())
                .isEqualTo("lingma-gateway");
    }
}
