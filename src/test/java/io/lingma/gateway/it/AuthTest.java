package io.lingma.gateway.it;

import com.anthropic.client.AnthropicClient;
import com.anthropic.client.okhttp.AnthropicOkHttpClient;
import com.anthropic.models.messages.Message;
import com.anthropic.models.messages.MessageCreateParams;
import com.fasterxml.jackson.databind.JsonNode;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.auth.ApiKeyAuthenticator;
import io.lingma.gateway.simulator.LingmaSimulator;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * API keys and access tiers (issue 9 §1) as a client sees them: keys from the list and from a keys file (plain and
 * SHA-256), Bearer and x-api-key, one 401 for every kind of wrong key in each API's envelope, revocation by editing
 * the file, the per-key model allowlist (403) and rate (429 + Retry-After), the admin and metrics tiers, and that
 * no key ever shows in a response body or a log line (every logger at TRACE).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18320", "gateway.management.port=18321",
                "gateway.ipc.cwd=target/agent-cwd",
                "camel.main.routes-include-pattern=file:routes/*.camel.yaml,classpath:auth-test/*.camel.yaml",
                "gateway.auth.api-keys=sk-listed-bare-7f3a91c2, alice:sk-listed-alice-52be04d8",
                "gateway.auth.keys-file=target/auth-test/keys.yaml",
                "gateway.auth.keys-file-check-interval=100ms",
                "gateway.auth.admin-token=adm-token-c81d5e07",
                "gateway.auth.metrics-token=met-token-3b9f6a14"})
class AuthTest {

    private static final int PORT = 18320;
    private static final int MANAGEMENT_PORT = 18321;
    private static final String BARE = "sk-listed-bare-7f3a91c2";
    private static final String ALICE = "sk-listed-alice-52be04d8";
    private static final String FILED = "sk-file-plain-0d6e22f1";
    private static final String HASHED = "sk-file-hashed-9a47c3b5";
    private static final String SCOPED = "sk-file-scoped-e2f8017a";
    private static final String LIMITED = "sk-file-limited-44c1b9d3";
    private static final String TEMP = "sk-file-temp-6b02fa8e";
    private static final String NEWCOMER = "sk-file-new-13d7e5c9";
    private static final String ADMIN = "adm-token-c81d5e07";
    private static final String METRICS = "met-token-3b9f6a14";
    private static final String WRONG = "sk-wrong-key-5e5e5e5e";
    private static final List<String> SECRETS = List.of(BARE, ALICE, FILED, HASHED, SCOPED, LIMITED, TEMP, NEWCOMER,
            ADMIN, METRICS, WRONG);
    private static final Path KEYS_FILE = Path.of("target", "auth-test", "keys.yaml");
    private static final String CHAT = """
            {"model":"%s","messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"%s","max_tokens":64,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String TEMP_ENTRY = """
              - name: temp
                key: %s
            """.formatted(TEMP);
    /**
     * Camel's properties component prints every setting it resolves at TRACE, the configured keys among them;
     * keeping it at INFO is the secret-logging guard's job (SecretsInLogsTest), so those lines are not this test's.
     */
    private static final String PROPERTIES_COMPONENT = "org.apache.camel.component.properties.";
    /** Every logger at TRACE from before the app boots: a key logged anywhere at any level is seen. */
    private static final LogCapture LOGS;

    static {
        LOGS = LogCapture.startAtTrace();
        writeKeys(TEMP_ENTRY);
    }

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    private final SseClient client = new SseClient(PORT);
    private final SseClient management = new SseClient(MANAGEMENT_PORT);
    private final List<Runnable> sdks = new java.util.concurrent.CopyOnWriteArrayList<>();

    @AfterEach
    void noKeyInAnyLogLine() {
        for (LogCapture.Line line : LOGS.lines()) {
            if (line.logger().startsWith(PROPERTIES_COMPONENT) && line.level().isLessSpecificThan(Level.DEBUG)) {
                continue;
            }
            for (String secret : SECRETS) {
                assertThat(line.text()).as("log line of %s", line.logger()).doesNotContain(secret);
            }
        }
    }

    @AfterAll
    void stopCaptureAndClients() {
        sdks.forEach(Runnable::run);
        LOGS.stop();
    }

    @Test
    void listedAndFiledKeysAreAcceptedAsBearerOrXApiKey() throws Exception {
        for (String key : List.of(BARE, ALICE, FILED, HASHED)) {
            for (String[] auth : List.of(bearer(key), xApiKey(key))) {
                HttpResponse<String> models = client.get("/v1/models", auth);
                assertThat(models.statusCode()).as("%s %s", auth[0], key).isEqualTo(200);
                assertThat(json(models.body()).path("object").asText()).isEqualTo("list");
                HttpResponse<String> count = client.post("/v1/messages/count_tokens",
                        MESSAGES.formatted("kmodel", "count me"), auth);
                assertThat(count.statusCode()).as("%s %s", auth[0], key).isEqualTo(200);
                assertThat(json(count.body()).path("input_tokens").asInt()).isPositive();
                assertNoSecret(models.body() + count.body());
            }
        }
    }

    @Test
    void everyKindOfWrongKeyGetsTheSame401InEachApisEnvelope() throws Exception {
        Map<String, String[]> variants = new LinkedHashMap<>();
        variants.put("no key", new String[0]);
        variants.put("wrong Bearer", bearer(WRONG));
        variants.put("wrong x-api-key", xApiKey(WRONG));
        variants.put("empty Bearer", new String[]{"Authorization", "Bearer "});
        variants.put("Basic scheme", new String[]{"Authorization", "Basic " + ALICE});
        variants.put("key without scheme", new String[]{"Authorization", ALICE});
        variants.put("key with a suffix", bearer(ALICE + "x"));
        variants.put("key prefix", bearer(ALICE.substring(0, ALICE.length() - 1)));
        variants.put("admin token as API key", bearer(ADMIN));
        variants.put("metrics token as API key", xApiKey(METRICS));
        Map<String, String> requests = new LinkedHashMap<>();
        requests.put("/v1/chat/completions", CHAT.formatted("kmodel", "unauthenticated chat"));
        requests.put("/api/v1/chat/completions", CHAT.formatted("kmodel", "unauthenticated chat"));
        requests.put("/v1/responses", "{\"model\":\"kmodel\",\"input\":\"unauthenticated\"}");
        requests.put("/responses", "{\"model\":\"kmodel\",\"input\":\"unauthenticated\"}");
        requests.put("/api/v1/responses", "{\"model\":\"kmodel\",\"input\":\"unauthenticated\"}");
        requests.put("/v1/messages", MESSAGES.formatted("kmodel", "unauthenticated message"));
        requests.put("/v1/messages/count_tokens", MESSAGES.formatted("kmodel", "unauthenticated count"));
        requests.put("/v1/models", null);
        requests.put("/v1/models/kmodel", null);
        for (Map.Entry<String, String> request : requests.entrySet()) {
            String path = request.getKey();
            List<String> bodies = new ArrayList<>();
            for (Map.Entry<String, String[]> variant : variants.entrySet()) {
                HttpResponse<String> r = request.getValue() == null ? client.get(path, variant.getValue())
                        : client.post(path, request.getValue(), variant.getValue());
                String what = path + " " + variant.getKey();
                assertThat(r.statusCode()).as(what).isEqualTo(401);
                assertThat(r.headers().firstValue("content-type")).as(what).hasValueSatisfying(
                        v -> assertThat(v).startsWith("application/json"));
                assertThat(r.headers().firstValue("x-request-id")).as(what).isPresent();
                assertNoSecret(r.body());
                JsonNode body = json(r.body());
                if (path.startsWith("/v1/messages")) {
                    assertThat(body.path("type").asText()).as(what).isEqualTo("error");
                    assertThat(body.at("/error/type").asText()).as(what).isEqualTo("authentication_error");
                } else {
                    assertThat(body.at("/error/type").asText()).as(what).isEqualTo("invalid_request_error");
                    assertThat(body.at("/error/code").asText()).as(what).isEqualTo("invalid_api_key");
                    assertThat(body.at("/error/param").isNull()).as(what).isTrue();
                }
                assertThat(body.at("/error/message").asText()).as(what).isEqualTo(ApiKeyAuthenticator.INVALID_KEY);
                bodies.add(r.body());
            }
            assertThat(bodies).as(path).allMatch(b -> b.equals(bodies.get(0)));
        }
        // nothing of a refused request reached Lingma
        assertThat(simulator.prompts()).noneSatisfy(p -> assertThat(p.text()).contains("unauthenticated"));
    }

    @Test
    void theKeysNameIsLoggedNeverTheKey() throws Exception {
        HttpResponse<String> r = client.get("/v1/models", "Authorization", "Bearer " + ALICE,
                "x-request-id", "auth-name-check");
        assertThat(r.statusCode()).isEqualTo(200);
        HttpResponse<String> refused = client.get("/v1/models", "x-api-key", WRONG, "x-request-id", "auth-refused");
        assertThat(refused.statusCode()).isEqualTo(401);
        await().atMost(Duration.ofSeconds(10)).until(() -> accessLine("auth-name-check") != null
                && accessLine("auth-refused") != null);
        assertThat(accessLine("auth-name-check")).contains("GET /v1/models -> 200 ").contains(" key=alice ");
        assertThat(accessLine("auth-refused")).contains("GET /v1/models -> 401 ").contains(" key=- ");
        HttpResponse<String> bare = client.get("/v1/models", "x-api-key", BARE, "x-request-id", "auth-bare-name");
        assertThat(bare.statusCode()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> accessLine("auth-bare-name") != null);
        // a key listed without a name is known by the start of its digest
        assertThat(accessLine("auth-bare-name")).contains(" key=key-" + sha256Hex(BARE).substring(0, 8) + " ");
    }

    @Test
    void aKeyRemovedFromTheFileIsRefusedWithoutARestartAndANewOneAccepted() throws Exception {
        assertThat(client.get("/v1/models", bearer(TEMP)).statusCode()).isEqualTo(200);
        assertThat(client.get("/v1/models", bearer(NEWCOMER)).statusCode()).isEqualTo(401);
        writeKeys("""
                  - name: newcomer
                    key: %s
                """.formatted(NEWCOMER));
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50))
                .until(() -> client.get("/v1/models", bearer(TEMP)).statusCode() == 401);
        HttpResponse<String> revoked = client.post("/v1/messages", MESSAGES.formatted("kmodel", "revoked"),
                xApiKey(TEMP));
        assertThat(revoked.statusCode()).isEqualTo(401);
        assertThat(json(revoked.body()).at("/error/type").asText()).isEqualTo("authentication_error");
        assertNoSecret(revoked.body());
        assertThat(client.get("/v1/models", bearer(NEWCOMER)).statusCode()).isEqualTo(200);
        // the other keys of the file and of the list are untouched
        assertThat(client.get("/v1/models", bearer(FILED)).statusCode()).isEqualTo(200);
        assertThat(client.get("/v1/models", bearer(ALICE)).statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyLimitedToSomeModelsGets403ForOthers() throws Exception {
        HttpResponse<String> allowed = client.post("/v1/chat/completions",
                CHAT.formatted("dashscope_qwen3_coder", "scoped allowed"), bearer(SCOPED));
        assertThat(allowed.statusCode()).isEqualTo(200);
        HttpResponse<String> byDisplayName = client.post("/v1/chat/completions",
                CHAT.formatted("Qwen3-Coder", "scoped by display name"), bearer(SCOPED));
        assertThat(byDisplayName.statusCode()).isEqualTo(200);

        HttpResponse<String> openAi = client.post("/v1/chat/completions", CHAT.formatted("kmodel", "scoped denied"),
                bearer(SCOPED));
        assertThat(openAi.statusCode()).isEqualTo(403);
        JsonNode o = json(openAi.body());
        assertThat(o.at("/error/type").asText()).isEqualTo("invalid_request_error");
        assertThat(o.at("/error/code").asText()).isEqualTo("forbidden");
        assertThat(o.at("/error/param").asText()).isEqualTo("model");
        assertThat(o.at("/error/message").asText()).isEqualTo("This API key may not use the model 'kmodel'");

        HttpResponse<String> anthropic = client.post("/v1/messages", MESSAGES.formatted("kmodel", "scoped denied"),
                xApiKey(SCOPED));
        assertThat(anthropic.statusCode()).isEqualTo(403);
        JsonNode a = json(anthropic.body());
        assertThat(a.path("type").asText()).isEqualTo("error");
        assertThat(a.at("/error/type").asText()).isEqualTo("permission_error");

        SseClient.Stream stream = client.stream("/v1/responses",
                "{\"model\":\"kmodel\",\"stream\":true,\"input\":\"scoped denied\"}", bearer(SCOPED));
        assertThat(stream.status()).isEqualTo(403);
        assertNoSecret(openAi.body() + anthropic.body());
        assertThat(simulator.prompts()).noneSatisfy(p -> assertThat(p.text()).contains("scoped denied"));
        // other keys are not limited
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("kmodel", "unscoped"), bearer(FILED))
                .statusCode()).isEqualTo(200);
    }

    @Test
    void aKeyOverItsRateGets429WithRetryAfter() throws Exception {
        // requests-per-minute: 2 for this key
        assertThat(client.get("/v1/models", bearer(LIMITED)).statusCode()).isEqualTo(200);
        assertThat(client.get("/v1/models", xApiKey(LIMITED)).statusCode()).isEqualTo(200);
        HttpResponse<String> openAi = client.get("/v1/models", "Authorization", "Bearer " + LIMITED,
                "x-request-id", "auth-over-rate");
        assertThat(openAi.statusCode()).isEqualTo(429);
        await().atMost(Duration.ofSeconds(10)).until(() -> accessLine("auth-over-rate") != null);
        assertThat(accessLine("auth-over-rate")).contains(" -> 429 ").contains(" key=limited ");
        assertThat(openAi.headers().firstValue("Retry-After")).hasValueSatisfying(
                v -> assertThat(Integer.parseInt(v)).isBetween(1, 60));
        JsonNode o = json(openAi.body());
        assertThat(o.at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertThat(o.at("/error/code").asText()).isEqualTo("rate_limit_exceeded");
        HttpResponse<String> anthropic = client.post("/v1/messages", MESSAGES.formatted("kmodel", "over rate"),
                xApiKey(LIMITED));
        assertThat(anthropic.statusCode()).isEqualTo(429);
        assertThat(anthropic.headers().firstValue("Retry-After")).isPresent();
        assertThat(json(anthropic.body()).at("/error/type").asText()).isEqualTo("rate_limit_error");
        assertNoSecret(openAi.body() + anthropic.body());
        // the limit is the key's own
        assertThat(client.get("/v1/models", bearer(FILED)).statusCode()).isEqualTo(200);
    }

    @Test
    void adminEndpointsTakeTheAdminTokenOnly() throws Exception {
        for (String[] auth : List.of(new String[0], bearer(ALICE), xApiKey(FILED), bearer(METRICS),
                bearer(ADMIN + "x"))) {
            HttpResponse<String> r = client.get("/internal/probe", auth);
            assertThat(r.statusCode()).as(String.join(" ", auth)).isEqualTo(401);
            JsonNode body = json(r.body());
            assertThat(body.at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(body.at("/error/message").asText()).isEqualTo("Invalid admin token");
            assertNoSecret(r.body());
        }
        for (String[] auth : List.of(bearer(ADMIN), xApiKey(ADMIN))) {
            HttpResponse<String> r = client.get("/internal/probe", auth);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(json(r.body()).path("probe").asText()).isEqualTo("ok");
        }
        // the path Vert.x routes by counts, not the one the client wrote
        RawHttp.Response dotted = RawHttp.exchange(PORT, "GET /v1/../internal/probe HTTP/1.1\r\nHost: 127.0.0.1:"
                + PORT + "\r\nAuthorization: Bearer " + ALICE, null);
        assertThat(dotted.status()).isEqualTo(401);
    }

    @Test
    void metricsTakeTheMetricsTokenOnlyAndHealthStaysOpen() throws Exception {
        for (String[] auth : List.of(new String[0], bearer(ALICE), xApiKey(FILED), bearer(ADMIN))) {
            HttpResponse<String> r = management.get("/observe/metrics", auth);
            assertThat(r.statusCode()).as(String.join(" ", auth)).isEqualTo(401);
            assertThat(r.headers().firstValue("WWW-Authenticate")).hasValue("Bearer");
            JsonNode body = json(r.body());
            assertThat(body.at("/error/code").asText()).isEqualTo("invalid_api_key");
            assertThat(body.at("/error/message").asText()).isEqualTo("Invalid metrics token");
            assertNoSecret(r.body());
        }
        for (String path : List.of("/observe/./metrics", "//observe/metrics", "/observe/metrics/")) {
            RawHttp.Response r = RawHttp.exchange(MANAGEMENT_PORT, "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1:"
                    + MANAGEMENT_PORT, null);
            assertThat(r.status()).as(path).isNotEqualTo(200);
        }
        for (String[] auth : List.of(bearer(METRICS), xApiKey(METRICS))) {
            HttpResponse<String> r = management.get("/observe/metrics", auth);
            assertThat(r.statusCode()).isEqualTo(200);
            assertThat(r.body()).contains("# TYPE ");
            assertNoSecret(r.body());
        }
        HttpResponse<String> health = management.get("/observe/health");
        assertThat(health.statusCode()).isEqualTo(200);
        assertNoSecret(health.body());
    }

    @Test
    void livenessReadinessAndVersionStayOpenAndRevealNothing() throws Exception {
        for (String path : List.of("/health", "/healthz", "/", "/version")) {
            HttpResponse<String> r = client.get(path);
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertNoSecret(r.body());
            assertThat(r.body()).as(path).doesNotContain("alice", "filed", "keys.yaml");
        }
    }

    @Test
    void officialSdksAuthenticateWithTheirOwnHeaders() {
        ChatCompletion c = openAi(ALICE).chat().completions().create(ChatCompletionCreateParams.builder()
                .model("kmodel").addUserMessage("hello from the OpenAI SDK with a key").build());
        assertThat(c.choices().get(0).message().content()).hasValueSatisfying(
                t -> assertThat(t).contains("hello from the OpenAI SDK with a key"));
        Message m = anthropic(FILED).messages().create(MessageCreateParams.builder().model("kmodel").maxTokens(64)
                .addUserMessage("hello from the Anthropic SDK with a key").build());
        assertThat(m.content()).isNotEmpty();

        assertThatThrownBy(() -> openAi(WRONG).models().list())
                .isInstanceOfSatisfying(com.openai.errors.UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.getMessage()).doesNotContain(WRONG);
                });
        assertThatThrownBy(() -> anthropic(WRONG).messages().create(MessageCreateParams.builder()
                .model("kmodel").maxTokens(64).addUserMessage("refused").build()))
                .isInstanceOfSatisfying(com.anthropic.errors.UnauthorizedException.class, e -> {
                    assertThat(e.statusCode()).isEqualTo(401);
                    assertThat(e.getMessage()).contains("authentication_error").doesNotContain(WRONG);
                });
    }

    private OpenAIClient openAi(String key) {
        OpenAIClient sdk = OpenAIOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT + "/v1").apiKey(key)
                .maxRetries(0).build();
        sdks.add(sdk::close);
        return sdk;
    }

    private AnthropicClient anthropic(String key) {
        AnthropicClient sdk = AnthropicOkHttpClient.builder().baseUrl("http://127.0.0.1:" + PORT).apiKey(key)
                .maxRetries(0).build();
        sdks.add(sdk::close);
        return sdk;
    }

    private String accessLine(String requestId) {
        return LOGS.lines().stream().filter(l -> "io.lingma.gateway.access".equals(l.logger()))
                .map(LogCapture.Line::message).filter(m -> m.endsWith("request_id=" + requestId))
                .findFirst().orElse(null);
    }

    private static void assertNoSecret(String text) {
        for (String secret : SECRETS) {
            assertThat(text).doesNotContain(secret);
        }
    }

    private static String[] bearer(String key) {
        return new String[]{"Authorization", "Bearer " + key};
    }

    private static String[] xApiKey(String key) {
        return new String[]{"x-api-key", key};
    }

    /** Writes the keys file: the fixed entries plus {@code extra}, atomically (a reader never sees half a file). */
    private static void writeKeys(String extra) {
        String yaml = """
                keys:
                  - name: filed
                    key: %s
                  - name: hashed
                    sha256: %s
                  - name: scoped
                    key: %s
                    models: [dashscope_qwen3_coder]
                  - name: limited
                    key: %s
                    requests-per-minute: 2
                """.formatted(FILED, sha256Hex(HASHED), SCOPED, LIMITED) + extra;
        try {
            Files.createDirectories(KEYS_FILE.getParent());
            Path tmp = KEYS_FILE.resolveSibling("keys.yaml.tmp");
            Files.writeString(tmp, yaml, StandardCharsets.UTF_8);
            Files.move(tmp, KEYS_FILE, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256Hex(String key) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(key.getBytes(StandardCharsets.UTF_8)));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(String text) {
        return RequestEdgeTest.json(text);
    }
}
