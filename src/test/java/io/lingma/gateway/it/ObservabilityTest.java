package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.RecordedPrompt;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.Layout;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Request ids, access-log lines and the GenAI metrics of issue 9 §2 and §4, with management (and so
 * {@code /observe/metrics}) enabled: what a client sees in {@code x-request-id}, what reaches the simulated
 * Lingma, what the access log says, and what a Prometheus scrape reads after real requests.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18360", "camel.management.enabled=true",
                "gateway.management.port=18361", "gateway.ipc.cwd=target/agent-cwd",
                "gateway.auth.api-keys=obs:sk-obs-secret", "gateway.auth.metrics-token=metrics-secret"})
class ObservabilityTest {

    private static final int PORT = 18360;
    private static final int MANAGEMENT = 18361;
    private static final String KEY = "sk-obs-secret";
    private static final String CHAT = """
            {"model":"%s","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":false,"messages":[{"role":"user","content":"%s"}]}""";

    private final SseClient client = new SseClient(PORT);
    private final Queue<LogEvent> events = new ConcurrentLinkedQueue<>();
    private RootAppender capture;

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @BeforeAll
    void captureLogs() {
        capture = RootAppender.attach("obs-capture", event -> events.add(event.toImmutable()));
    }

    @AfterAll
    void stopCapture() {
        capture.detach();
    }

    @Test
    void clientRequestIdIsEchoedAndTheTurnReachesLingma() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions", CHAT.formatted("kmodel", false, "obs echo"),
                "Authorization", "Bearer " + KEY, "x-request-id", "obs-echo.1_A");
        assertThat(r.statusCode()).isEqualTo(200);
        assertThat(r.headers().firstValue("x-request-id")).contains("obs-echo.1_A");
        RecordedPrompt prompt = simulator.prompts().stream().filter(p -> p.text().contains("obs echo"))
                .findFirst().orElseThrow();
        // Lingma's request id keeps its own shape (lingma-ipc.md §5.4); the correlation is in the gateway's log
        assertThat(prompt.requestId()).matches("gw-\\d{13}-[0-9a-f]{8}");
    }

    @Test
    void insaneRequestIdsAreReplaced() throws Exception {
        for (String bad : new String[] {"has:colon", "has space", "x".repeat(129), "é"}) {
            HttpResponse<String> r = client.get("/v1/models", "Authorization", "Bearer " + KEY, "x-request-id", bad);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.headers().firstValue("x-request-id")).as(bad)
                    .hasValueSatisfying(v -> assertThat(v).matches("req_[0-9a-f]{32}"));
        }
        HttpResponse<String> max = client.get("/v1/models", "Authorization", "Bearer " + KEY,
                "x-request-id", "y".repeat(128));
        assertThat(max.headers().firstValue("x-request-id")).contains("y".repeat(128));
    }

    @Test
    void requestIdOnErrorsStreamsAndHttpLayerErrors() throws Exception {
        HttpResponse<String> unauthorized = client.post("/v1/messages", MESSAGES.formatted("no key"),
                "x-request-id", "obs-401");
        assertThat(unauthorized.statusCode()).isEqualTo(401);
        assertThat(unauthorized.headers().firstValue("x-request-id")).contains("obs-401");

        HttpResponse<String> invalid = client.post("/v1/chat/completions", "{not json",
                "Authorization", "Bearer " + KEY, "x-request-id", "obs-400");
        assertThat(invalid.statusCode()).isEqualTo(400);
        assertThat(invalid.headers().firstValue("x-request-id")).contains("obs-400");

        SseClient.Stream stream = client.stream("/v1/chat/completions", CHAT.formatted("kmodel", true, "obs sse"),
                "Authorization", "Bearer " + KEY, "x-request-id", "obs-sse");
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.response().headers().firstValue("x-request-id")).contains("obs-sse");

        // below the routes: Vert.x router (404, 405) and the request guard (403 Host)
        HttpResponse<String> unknown = client.get("/v1/nowhere", "x-request-id", "obs-404");
        assertThat(unknown.statusCode()).isEqualTo(404);
        assertThat(unknown.headers().firstValue("x-request-id")).contains("obs-404");
        HttpResponse<String> method = client.send("DELETE", "/v1/chat/completions", null,
                "x-request-id", "obs-405");
        assertThat(method.statusCode()).isEqualTo(405);
        assertThat(method.headers().firstValue("x-request-id")).contains("obs-405");
        RawHttp.Response host = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: evil.example\r\n"
                + "x-request-id: obs-403", null);
        assertThat(host.status()).isEqualTo(403);
        assertThat(host.headers().get("x-request-id")).isEqualTo("obs-403");
    }

    @Test
    void accessLineHasTheRequestsFieldsAndNoText() throws Exception {
        HttpResponse<String> r = client.post("/v1/chat/completions",
                CHAT.formatted("kmodel", false, "obs access secret-prompt"),
                "Authorization", "Bearer " + KEY, "x-request-id", "obs-access");
        assertThat(r.statusCode()).isEqualTo(200);
        LogEvent event = await().atMost(Duration.ofSeconds(10)).until(() -> accessEvent("obs-access"),
                e -> e != null);
        String line = event.getMessage().getFormattedMessage();
        assertThat(line).startsWith("POST /v1/chat/completions -> 200 (").contains(" key=obs ")
                .contains(" api=openai.chat ").contains(" model=kmodel ").contains(" model_used=kmodel ")
                .contains(" stream=false ").contains(" fallbacks=0 ").contains(" upstream=none ")
                .endsWith(" request_id=obs-access").doesNotContain("secret-prompt").doesNotContain(KEY);
        assertThat(number(line, "ttft_ms")).isGreaterThanOrEqualTo(0);
        assertThat(number(line, "tokens_in")).isGreaterThan(0);
        assertThat(number(line, "tokens_out")).isGreaterThan(0);
        // the request id and key name are in the MDC of the line
        assertThat(event.getContextData().<String>getValue("request_id")).isEqualTo("obs-access");
        assertThat(event.getContextData().<String>getValue("key")).isEqualTo("obs");

        // gateway.log.format=json: log4j2's JsonTemplateLayout (the "json" appender) renders it as one JSON line
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        Layout<?> layout = context.getConfiguration().getAppender("json").getLayout();
        String json = new String(layout.toByteArray(event), StandardCharsets.UTF_8);
        assertThat(json.strip()).doesNotContain("\n");
        JsonNode node = SseClient.JSON.readTree(json);
        assertThat(node.path("log.logger").asText()).isEqualTo("io.lingma.gateway.access");
        assertThat(node.path("request_id").asText()).isEqualTo("obs-access");
        assertThat(node.at("/fields/api").asText()).isEqualTo("openai.chat");
        assertThat(node.at("/fields/status").asText()).isEqualTo("200");
        assertThat(node.at("/fields/model_used").asText()).isEqualTo("kmodel");
        assertThat(node.path("message").asText()).isEqualTo(line);
    }

    @Test
    void metricsAreScrapedWithTheirNamesAndValues() throws Exception {
        for (int i = 0; i < 2; i++) {
            assertThat(client.post("/v1/chat/completions", CHAT.formatted("kmodel", false, "obs metrics " + i),
                    "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);
        }
        assertThat(client.post("/v1/messages", MESSAGES.formatted("obs anthropic"), "x-api-key", KEY)
                .statusCode()).isEqualTo(200);
        // an unknown client model is mapped to the default model and recorded as "other", never verbatim
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("Made-Up-Model-42", false, "obs other"),
                "Authorization", "Bearer " + KEY).statusCode()).isEqualTo(200);

        HttpClient http = HttpClient.newHttpClient();
        URI uri = URI.create("http://127.0.0.1:" + MANAGEMENT + "/observe/metrics");
        HttpResponse<String> refused = http.send(HttpRequest.newBuilder(uri).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(refused.statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            String scrape = http.send(HttpRequest.newBuilder(uri).header("Authorization", "Bearer metrics-secret")
                    .build(), HttpResponse.BodyHandlers.ofString()).body();
            String chat = "api=\"openai.chat\",error_type=\"none\",gen_ai_operation_name=\"chat\","
                    + "gen_ai_request_model=\"kmodel\",gen_ai_response_model=\"kmodel\"";
            assertThat(value(scrape, "gen_ai_server_request_duration_seconds_count{" + chat + ",key=\"obs\"}"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(value(scrape, "gen_ai_server_time_to_first_token_seconds_count{" + chat + ",key=\"obs\"}"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(value(scrape, "gen_ai_client_operation_duration_seconds_count{" + chat + ",key=\"obs\"}"))
                    .isGreaterThanOrEqualTo(2);
            assertThat(value(scrape, "gen_ai_client_token_usage_tokens_sum{" + chat
                    + ",gen_ai_token_type=\"input\",key=\"obs\"}")).isGreaterThan(0);
            assertThat(value(scrape, "gen_ai_client_token_usage_tokens_count{" + chat
                    + ",gen_ai_token_type=\"output\",key=\"obs\"}")).isGreaterThanOrEqualTo(2);
            assertThat(value(scrape, "gen_ai_server_request_duration_seconds_count{api=\"anthropic.messages\","
                    + "error_type=\"none\",gen_ai_operation_name=\"chat\",gen_ai_request_model=\"kmodel\","
                    + "gen_ai_response_model=\"kmodel\",key=\"obs\"}")).isGreaterThanOrEqualTo(1);
            assertThat(scrape).contains("gen_ai_request_model=\"other\"").doesNotContain("Made-Up-Model-42");
            assertThat(value(scrape, "gateway_concurrency_in_flight")).isEqualTo(0);
            assertThat(value(scrape, "gateway_concurrency_queued")).isEqualTo(0);
            assertThat(value(scrape, "gateway_concurrency_rejected_total")).isEqualTo(0);
            assertThat(scrape).contains("gateway_session_cache_hits_total").contains("gateway_session_cache_misses_total")
                    .contains("gateway_session_cache_evictions_total").doesNotContain("gateway_session_cache_size NaN");
            assertThat(scrape).contains("resilience4j_circuitbreaker_state{name=\"lingma-upstream\",state=\"closed\"} 1");
            assertThat(scrape).doesNotContain(KEY).doesNotContain("metrics-secret");
        });
    }

    private LogEvent accessEvent(String requestId) {
        return events.stream().filter(e -> "io.lingma.gateway.access".equals(e.getLoggerName()))
                .filter(e -> e.getMessage().getFormattedMessage().endsWith("request_id=" + requestId))
                .findFirst().orElse(null);
    }

    private static long number(String line, String field) {
        Matcher m = Pattern.compile(" " + field + "=(-?\\d+) ").matcher(line);
        assertThat(m.find()).as(field + " in " + line).isTrue();
        return Long.parseLong(m.group(1));
    }

    private static double value(String scrape, String series) {
        for (String l : scrape.split("\n")) {
            if (l.startsWith(series + " ")) {
                return Double.parseDouble(l.substring(series.length() + 1).trim());
            }
        }
        throw new AssertionError("no series " + series + " in the scrape:\n" + scrape);
    }
}
