package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Base64;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The introspection endpoints (issue 9 §3, client-api.md §8.1, §8.5) as an operator sees them: the capability
 * document, effective configuration with sources and masked secrets, statistics, the redacted debug ring, and the
 * runtime default-model switch; every {@code /internal/*} endpoint refuses a missing or wrong token with 401 and no
 * data.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18370", "gateway.management.port=18371",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.auth.api-keys=ci:sk-intro-ci-6a1f09d3",
                "gateway.auth.admin-token=adm-intro-2c7e91b4",
                "gateway.remote.cosy-key=cosy-intro-secret-88d1",
                "gateway.debug.requests.size=20"})
class IntrospectionTest {

    private static final int PORT = 18370;
    private static final String KEY = "sk-intro-ci-6a1f09d3";
    private static final String ADMIN = "adm-intro-2c7e91b4";
    private static final String COSY = "cosy-intro-secret-88d1";
    private static final List<String> SECRETS = List.of(KEY, ADMIN, COSY);
    private static final List<String> ADMIN_PATHS = List.of("/internal/stats", "/internal/effective-config",
            "/internal/debug/requests");

    private final SseClient client = new SseClient(PORT);

    @Test
    void capabilitiesSayWhatTheGatewaySupports() throws Exception {
        HttpResponse<String> open = client.get("/capabilities");
        assertThat(open.statusCode()).isEqualTo(200);
        JsonNode doc = json(open.body());
        assertThat(doc.path("service").asText()).isEqualTo("lingma-gateway");
        assertThat(doc.path("backend").asText()).isEqualTo("simulator");
        assertThat(doc.at("/backend_state/ready").isBoolean()).isTrue();
        assertThat(doc.path("protocols").toString()).contains("openai.chat_completions", "openai.responses",
                "anthropic.messages");
        JsonNode features = doc.path("features");
        assertThat(features.path("tool_calling").asText()).isEqualTo("emulated");
        for (String flag : List.of("streaming", "tools", "tool_alias_mapping", "images", "image_auto_resize",
                "responses", "count_tokens", "thinking")) {
            assertThat(features.path(flag).asBoolean()).as(flag).isTrue();
        }
        assertThat(features.path("local_image_paths").asBoolean()).isFalse();
        assertThat(doc.at("/model_metadata/kmodel/display_name").asText()).isEqualTo("Kimi-K2.6");
        assertThat(doc.at("/model_metadata/kmodel/capabilities").toString()).contains("tools");
        assertThat(doc.at("/recommended_models/default").asText()).isNotEmpty();
        assertThat(doc.at("/endpoints/messages/0").asText()).isEqualTo("/v1/messages");
        assertNoSecret(open.body());
        HttpResponse<String> head = client.send("HEAD", "/capabilities", null);
        assertThat(head.statusCode()).isEqualTo(200);
        assertThat(head.body()).isEmpty();
        // the /v1 alias is on the API tier
        assertThat(client.get("/v1/capabilities").statusCode()).isEqualTo(401);
        HttpResponse<String> v1 = client.get("/v1/capabilities", "Authorization", "Bearer " + KEY);
        assertThat(v1.statusCode()).isEqualTo(200);
        assertThat(json(v1.body()).path("features")).isEqualTo(features);
    }

    @Test
    void adminEndpointsRefuseAMissingOrWrongTokenAndLeakNothing() throws Exception {
        for (String path : ADMIN_PATHS) {
            for (String[] auth : List.of(new String[0], bearer(KEY), bearer(ADMIN + "x"),
                    new String[]{"x-api-key", "nope"})) {
                HttpResponse<String> r = client.get(path, auth);
                String what = path + " " + String.join(" ", auth);
                assertThat(r.statusCode()).as(what).isEqualTo(401);
                JsonNode body = json(r.body());
                assertThat(body.at("/error/code").asText()).as(what).isEqualTo("invalid_api_key");
                assertThat(body.at("/error/message").asText()).as(what).isEqualTo("Invalid admin token");
                assertThat(body.size()).as(what).isEqualTo(1);
                assertNoSecret(r.body());
            }
        }
        HttpResponse<String> post = client.post("/internal/default-model", "{\"model\":\"mmodel\"}", bearer(KEY));
        assertThat(post.statusCode()).isEqualTo(401);
        assertThat(json(post.body()).at("/error/message").asText()).isEqualTo("Invalid admin token");
    }

    @Test
    void effectiveConfigShowsEverySettingWithItsSourceAndMasksSecrets() throws Exception {
        HttpResponse<String> r = client.get("/internal/effective-config", bearer(ADMIN));
        assertThat(r.statusCode()).isEqualTo(200);
        assertNoSecret(r.body());
        JsonNode settings = json(r.body()).path("settings");
        assertThat(settings.at("/gateway.http.port/value").asText()).isEqualTo("18370");
        assertThat(settings.at("/gateway.http.port/source").asText()).isEqualTo("command-line");
        assertThat(settings.at("/gateway.concurrency.max-queued/value").asText()).isEqualTo("64");
        assertThat(settings.at("/gateway.concurrency.max-queued/source").asText()).isEqualTo("default");
        assertThat(settings.at("/gateway.remote.cosy-key/value").asText()).isEqualTo("xxxxxx");
        assertThat(settings.at("/gateway.auth.api-keys/value").asText()).isEqualTo("xxxxxx");
        assertThat(settings.at("/gateway.auth.admin-token/value").asText()).isEqualTo("xxxxxx");
        // an unset secret shows as unset, not as masked
        assertThat(settings.at("/gateway.remote.machine-id/value").asText()).isEmpty();
        assertThat(settings.at("/camel.main.name/value").asText()).isEqualTo("lingma-gateway");
        assertThat(settings.at("/gateway.debug.requests.size/value").asText()).isEqualTo("20");
    }

    @Test
    void statsCountRequestsPerModelAndKey() throws Exception {
        HttpResponse<String> chat = client.post("/v1/chat/completions",
                "{\"model\":\"dashscope_qwen3_coder\",\"messages\":[{\"role\":\"user\",\"content\":\"count me\"}]}",
                bearer(KEY));
        assertThat(chat.statusCode()).isEqualTo(200);
        // counted when the request is done, which may be just after the client has its answer
        HttpResponse<String> r = await().atMost(Duration.ofSeconds(10)).until(
                () -> client.get("/internal/stats", bearer(ADMIN)),
                got -> got.body().contains("\"dashscope_qwen3_coder\":{\"requests\":"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertNoSecret(r.body());
        JsonNode doc = json(r.body());
        JsonNode stats = doc.path("stats");
        assertThat(stats.path("chat_requests_total").asLong()).isPositive();
        assertThat(stats.path("chat_requests_success").asLong()).isPositive();
        assertThat(stats.path("prompt_tokens_estimated_total").asLong()).isPositive();
        assertThat(stats.at("/by_model/dashscope_qwen3_coder/requests").asLong()).isPositive();
        assertThat(stats.at("/by_key/ci/requests").asLong()).isPositive();
        for (String field : List.of("in_flight", "queued", "accepted_total", "rejected_total", "max_in_flight")) {
            assertThat(doc.path("concurrency").has(field)).as(field).isTrue();
        }
        assertThat(doc.at("/concurrency/accepted_total").asLong()).isPositive();
        assertThat(doc.at("/circuit_breakers/lingma-upstream/state").asText()).isEqualTo("CLOSED");
        assertThat(doc.at("/session_cache/enabled").isBoolean()).isTrue();
        assertThat(doc.at("/upstream/ready").asBoolean()).isTrue();
    }

    @Test
    void debugRingRedactsImagesKeysAndLongToolArguments() throws Exception {
        String image = "data:image/png;base64," + Base64.getEncoder().encodeToString(new byte[3000]);
        String longArgument = "x".repeat(6000);
        String body = """
                {"model":"kmodel","metadata":{"api_key":"%s"},"messages":[
                 {"role":"user","content":[{"type":"text","text":"look, my header was Bearer %s"},
                   {"type":"image_url","image_url":{"url":"%s"}}]},
                 {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function",
                   "function":{"name":"write","arguments":"{\\"text\\":\\"%s\\"}"}}]},
                 {"role":"tool","tool_call_id":"call_1","content":"done"},
                 {"role":"user","content":"ring probe"}]}""".formatted(KEY, KEY, image, longArgument);
        HttpResponse<String> chat = client.post("/v1/chat/completions", body, "Authorization", "Bearer " + KEY,
                "x-request-id", "ring-probe-1");
        assertThat(chat.statusCode()).isEqualTo(200);
        SseClient.Stream stream = client.stream("/v1/chat/completions", """
                {"model":"kmodel","stream":true,"messages":[{"role":"user","content":"ring stream"}]}""",
                bearer(KEY));
        assertThat(stream.status()).isEqualTo(200);

        // entries are added once a request is done, off its thread
        HttpResponse<String> r = await().atMost(Duration.ofSeconds(10)).until(
                () -> client.get("/internal/debug/requests?limit=5", bearer(ADMIN)),
                got -> got.body().contains("ring-probe-1") && got.body().contains("ring stream"));
        assertThat(r.statusCode()).isEqualTo(200);
        assertNoSecret(r.body());
        assertThat(r.body()).doesNotContain("data:image/", longArgument.substring(0, 2000));
        JsonNode doc = json(r.body());
        assertThat(doc.path("ok").asBoolean()).isTrue();
        assertThat(doc.path("count").asInt()).isBetween(2, 5);
        JsonNode streamed = doc.at("/requests/0");
        assertThat(streamed.path("path").asText()).isEqualTo("/v1/chat/completions");
        assertThat(streamed.at("/summary/stream").asBoolean()).isTrue();
        assertThat(streamed.at("/frames/first/0").asText()).startsWith("data: ");
        assertThat(streamed.at("/frames/last").toString()).contains("[DONE]");
        assertThat(streamed.path("outcome").asText()).isEqualTo("ok");
        JsonNode entry = null;
        for (JsonNode e : doc.path("requests")) {
            if ("ring-probe-1".equals(e.path("request_id").asText())) {
                entry = e;
            }
        }
        assertThat(entry).as("the probe request is in the ring").isNotNull();
        assertThat(entry.path("statusCode").asInt()).isEqualTo(200);
        assertThat(entry.path("key").asText()).isEqualTo("ci");
        assertThat(entry.path("model").asText()).isEqualTo("kmodel");
        assertThat(entry.at("/summary/images").asInt()).isEqualTo(1);
        assertThat(entry.at("/summary/tool_choice").asText()).isEqualTo("auto");
        assertThat(entry.at("/summary/messages").toString()).contains("user", "assistant", "tool");
        assertThat(entry.path("upstream").toString()).contains("lingma-ipc:");
        JsonNode request = json(entry.path("request").asText());
        assertThat(request.at("/metadata/api_key").asText()).isEqualTo("[REDACTED]");
        assertThat(request.at("/messages/0/content/0/text").asText()).contains("Bearer [REDACTED]");
        assertThat(request.at("/messages/0/content/1/image_url/url").asText())
                .startsWith("[image payload redacted, ");
        String arguments = request.at("/messages/1/tool_calls/0/function/arguments").asText();
        assertThat(arguments).hasSizeLessThan(1200).contains("[TRUNCATED");
        assertThat(json(entry.path("response").asText()).path("object").asText()).isEqualTo("chat.completion");
        // the admin endpoints' own requests are not recorded
        assertThat(r.body()).doesNotContain("/internal/");
        // limit is clamped, a non-number ignored
        assertThat(json(client.get("/internal/debug/requests?limit=1", bearer(ADMIN)).body()).path("count").asInt())
                .isEqualTo(1);
        assertThat(client.get("/internal/debug/requests?limit=abc", bearer(ADMIN)).statusCode()).isEqualTo(200);
    }

    @Test
    void defaultModelSwitchesAtRuntime() throws Exception {
        String noModel = "{\"messages\":[{\"role\":\"user\",\"content\":\"which model\"}]}";
        HttpResponse<String> bad = client.post("/internal/default-model", "{\"model\":\"no-such-model\"}",
                bearer(ADMIN));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(json(bad.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(client.post("/internal/default-model", "not json", bearer(ADMIN)).statusCode()).isEqualTo(400);

        HttpResponse<String> switched = client.post("/internal/default-model", "{\"model\":\"MiniMax-M2.7\"}",
                bearer(ADMIN));
        assertThat(switched.statusCode()).isEqualTo(200);
        assertThat(json(switched.body()).path("key").asText()).isEqualTo("mmodel");
        HttpResponse<String> chat = client.post("/v1/chat/completions", noModel, bearer(KEY));
        assertThat(chat.statusCode()).isEqualTo(200);
        assertThat(chat.headers().firstValue("X-Lingma-Model")).hasValue("mmodel");
        assertThat(json(chat.body()).path("model").asText()).isEqualTo("mmodel");
        JsonNode config = json(client.get("/internal/effective-config", bearer(ADMIN)).body());
        assertThat(config.at("/settings/gateway.default-model/value").asText()).isEqualTo("mmodel");
        assertThat(config.at("/settings/gateway.default-model/source").asText()).isEqualTo("runtime");

        HttpResponse<String> put = client.send("PUT", "/internal/default-model", "{\"model\":\"kmodel\"}",
                bearer(ADMIN));
        assertThat(put.statusCode()).isEqualTo(200);
        HttpResponse<String> again = client.post("/v1/chat/completions", noModel, bearer(KEY));
        assertThat(again.headers().firstValue("X-Lingma-Model")).hasValue("kmodel");
    }

    private static String[] bearer(String token) {
        return new String[]{"Authorization", "Bearer " + token};
    }

    private static JsonNode json(String body) throws Exception {
        return SseClient.JSON.readTree(body);
    }

    private static void assertNoSecret(String body) {
        for (String secret : SECRETS) {
            assertThat(body).doesNotContain(secret);
        }
    }
}
