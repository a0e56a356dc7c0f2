package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.core.LogEvent;
import org.apache.logging.log4j.core.LoggerContext;
import org.apache.logging.log4j.core.appender.AbstractAppender;
import org.apache.logging.log4j.core.config.Property;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

import static io.lingma.gateway.it.RawExchange.bytes;
import static io.lingma.gateway.it.RawExchange.concat;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Requests at the edges of the HTTP surface: POSTs without a body, every documented alias path, malformed JSON of
 * every kind, and the access log of streams the client hangs up on right after the terminal frame.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18200", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class RequestEdgeTest {

    private static final int PORT = 18200;
    private static final List<String> POST_PATHS = List.of("/v1/chat/completions", "/api/v1/chat/completions",
            "/v1/responses", "/responses", "/api/v1/responses", "/v1/messages", "/v1/messages/count_tokens");
    /** Java class, package or Jackson feature names a client must never see. */
    static final Pattern JAVA_NAME = Pattern.compile(
            "[a-z]+\\.[a-z]+\\.[A-Z]|Exception|\\bcom\\.|\\bjava\\.|\\bio\\.|Jackson|StreamRead|JsonRead|"
                    + "REDACTED|VALUE_STRING|START_OBJECT|`");
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String RESPONSES = """
            {"model":"kmodel","stream":%s,"input":"%s"}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    private final SseClient client = new SseClient(PORT);
    private final Queue<String> accessLog = new ConcurrentLinkedQueue<>();
    private AbstractAppender capture;

    @BeforeAll
    void captureAccessLog() {
        capture = new AbstractAppender("access-capture", null, null, true, Property.EMPTY_ARRAY) {
            @Override
            public void append(LogEvent event) {
                if ("io.lingma.gateway.access".equals(event.getLoggerName())) {
                    accessLog.add(event.getMessage().getFormattedMessage());
                }
            }
        };
        capture.start();
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().addAppender(capture, null, null);
        context.updateLoggers();
    }

    @AfterAll
    void stopCapture() {
        LoggerContext context = (LoggerContext) LogManager.getContext(false);
        context.getConfiguration().getRootLogger().removeAppender(capture.getName());
        context.updateLoggers();
        capture.stop();
    }

    @Test
    void postsWithoutABodyAre400InTheApisEnvelope() throws Exception {
        for (String path : POST_PATHS) {
            Map<String, RawHttp.Response> variants = new LinkedHashMap<>();
            String head = "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + PORT
                    + "\r\nContent-Type: application/json";
            variants.put("no length", RawHttp.exchange(PORT, head, null));
            variants.put("empty chunked", RawHttp.exchange(PORT, head + "\r\nTransfer-Encoding: chunked",
                    "0\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
            variants.put("HTTP/1.0 without length", RawHttp.exchange(PORT,
                    "POST " + path + " HTTP/1.0\r\nContent-Type: application/json", null));
            variants.put("Content-Length: 0", RawHttp.exchange(PORT, head + "\r\nContent-Length: 0", null));
            variants.forEach((variant, r) -> {
                assertThat(r.status()).as("%s %s", path, variant).isEqualTo(400);
                assertThat(r.headers().get("content-type")).as("%s %s", path, variant).startsWith("application/json");
                JsonNode body = json(r.body());
                if (path.startsWith("/v1/messages")) {
                    assertThat(body.path("type").asText()).as("%s %s", path, variant).isEqualTo("error");
                }
                assertThat(body.at("/error/type").asText()).as("%s %s", path, variant)
                        .isEqualTo("invalid_request_error");
                assertThat(body.at("/error/message").asText()).as("%s %s", path, variant)
                        .isEqualTo("invalid JSON body: empty body");
            });
        }
    }

    @Test
    void chatCompletionsAliasAnswersLikeTheCanonicalPath() throws Exception {
        for (String path : List.of("/v1/chat/completions", "/api/v1/chat/completions")) {
            HttpResponse<String> r = client.post(path, CHAT.formatted(false, "alias check"));
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(json(r.body()).path("object").asText()).as(path).isEqualTo("chat.completion");
            SseClient.Stream s = client.stream(path, CHAT.formatted(true, "alias stream"));
            assertThat(s.status()).as(path).isEqualTo(200);
            List<SseClient.Event> data = s.dataEvents();
            assertThat(data.get(data.size() - 1).data()).as(path).isEqualTo("[DONE]");
            assertThat(data.get(0).json().path("object").asText()).isEqualTo("chat.completion.chunk");
            HttpResponse<String> bad = client.post(path, "{oops");
            assertThat(bad.statusCode()).as(path).isEqualTo(400);
            assertThat(json(bad.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        }
    }

    @Test
    void responsesAliasesAnswerLikeTheCanonicalPath() throws Exception {
        for (String path : List.of("/v1/responses", "/responses", "/api/v1/responses")) {
            HttpResponse<String> r = client.post(path, RESPONSES.formatted(false, "alias check"));
            assertThat(r.statusCode()).as(path).isEqualTo(200);
            assertThat(json(r.body()).path("object").asText()).as(path).isEqualTo("response");
            SseClient.Stream s = client.stream(path, RESPONSES.formatted(true, "alias stream"));
            assertThat(s.status()).as(path).isEqualTo(200);
            assertThat(s.eventNames()).as(path).startsWith("response.created").contains("response.completed");
            HttpResponse<String> bad = client.post(path, "{oops");
            assertThat(bad.statusCode()).as(path).isEqualTo(400);
            assertThat(json(bad.body()).at("/error/type").asText()).isEqualTo("invalid_request_error");
        }
    }

    @Test
    void rootAnswersLikeHealth() throws Exception {
        HttpResponse<String> health = client.get("/health");
        HttpResponse<String> root = client.get("/");
        assertThat(root.statusCode()).isEqualTo(200);
        assertThat(root.headers().firstValue("content-type")).hasValueSatisfying(
                v -> assertThat(v).startsWith("application/json"));
        assertThat(json(root.body()).properties()).extracting(Map.Entry::getKey)
                .containsExactlyElementsOf(json(health.body()).properties().stream().map(Map.Entry::getKey).toList());
        assertThat(json(root.body()).path("backend").asText()).isEqualTo("simulator");
        for (String path : List.of("/", "/health")) {
            HttpResponse<String> head = client.send("HEAD", path, null);
            assertThat(head.statusCode()).as(path).isEqualTo(200);
            assertThat(head.body()).as(path).isEmpty();
        }
    }

    @Test
    void malformedJsonIsDescribedInTheClientsTerms() throws Exception {
        Map<String, byte[]> bodies = new LinkedHashMap<>();
        bodies.put("NaN", bytes("{\"model\":\"kmodel\",\"temperature\":NaN}"));
        bodies.put("-Infinity", bytes("{\"temperature\":-Infinity}"));
        bodies.put("nesting 1001", bytes("{\"a\":" + "[".repeat(1001) + "]".repeat(1001) + "}"));
        bodies.put("nesting 1001 at the top", bytes("[".repeat(1001) + "]".repeat(1001)));
        bodies.put("unterminated string", bytes("{\"model\":\"kmo"));
        bodies.put("unclosed object", bytes("{\"model\":\"kmodel\""));
        bodies.put("trailing garbage", bytes("{\"model\":\"kmodel\"}xyz"));
        bodies.put("trailing object", bytes("{\"model\":\"kmodel\"}{}"));
        bodies.put("control character", bytes("{\"model\":\"k\u0001model\"}"));
        bodies.put("NUL after the object", bytes("{\"model\":\"kmodel\"}\u0000"));
        bodies.put("invalid UTF-8", concat(bytes("{\"model\":\""), new byte[]{(byte) 0xff}, bytes("\"}")));
        bodies.put("truncated UTF-8", concat(bytes("{\"model\":\""), new byte[]{(byte) 0xc3}, bytes("\"}")));
        bodies.put("BOM then garbage", concat(new byte[]{(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, bytes("{x}")));
        bodies.put("broken BOM", concat(new byte[]{(byte) 0xef, (byte) 0xbb}, bytes("{}")));
        bodies.put("UTF-16 BOM", new byte[]{(byte) 0xfe, (byte) 0xff, 0, '{'});
        bodies.put("huge integer", bytes("{\"max_tokens\":1" + "0".repeat(2000) + "}"));
        bodies.put("huge fraction", bytes("{\"temperature\":0." + "1".repeat(2000) + "}"));
        bodies.put("huge exponent", bytes("{\"temperature\":1e999999999999}"));
        bodies.put("single quotes", bytes("{'model':'kmodel'}"));
        bodies.put("comment", bytes("{/* c */\"model\":\"kmodel\"}"));
        bodies.put("plus sign", bytes("{\"max_tokens\":+1}"));
        bodies.put("leading zero", bytes("{\"max_tokens\":01}"));
        bodies.put("bad escape", bytes("{\"model\":\"\\x\"}"));
        bodies.put("wrong close", bytes("{\"model\":\"kmodel\"]"));
        bodies.put("not an object", bytes("[1,2]"));
        bodies.put("bare word", bytes("hello"));
        for (String path : POST_PATHS) {
            for (Map.Entry<String, byte[]> b : bodies.entrySet()) {
                RawHttp.Response r = RawHttp.postBytes(PORT, path, b.getValue());
                String what = path + " " + b.getKey() + ": " + r.body();
                assertThat(r.status()).as(what).isEqualTo(400);
                JsonNode body = json(r.body());
                String message = body.at("/error/message").asText();
                assertThat(message).as(what).isNotBlank();
                assertThat(JAVA_NAME.matcher(r.body()).find()).as(what).isFalse();
                if (path.startsWith("/v1/messages")) {
                    assertThat(body.path("type").asText()).as(what).isEqualTo("error");
                }
                assertThat(body.at("/error/type").asText()).as(what).isEqualTo("invalid_request_error");
            }
        }
        String nan = json(RawHttp.postBytes(PORT, "/v1/chat/completions", bodies.get("NaN")).body())
                .at("/error/message").asText();
        assertThat(nan).startsWith("invalid JSON body: ").contains("NaN")
                .matches(".* at line 1 column \\d+");
        String deep = json(RawHttp.postBytes(PORT, "/v1/messages", bodies.get("nesting 1001")).body())
                .at("/error/message").asText();
        assertThat(deep).contains("nesting deeper than 1000");
        String trailing = json(RawHttp.postBytes(PORT, "/v1/responses", bodies.get("trailing object")).body())
                .at("/error/message").asText();
        assertThat(trailing).contains("after the JSON object").contains("line 1 column");
        String unterminated = json(RawHttp.postBytes(PORT, "/v1/chat/completions",
                bodies.get("unterminated string")).body()).at("/error/message").asText();
        assertThat(unterminated).contains("unterminated string");
    }

    @Test
    void streamsTheClientHangsUpOnAfterTheTerminalFrameAreLoggedWithTheirStatus() throws Exception {
        Map<String, String[]> streams = new LinkedHashMap<>();
        streams.put("/v1/chat/completions", new String[]{CHAT.formatted(true, "hang up"), "data: [DONE]"});
        streams.put("/v1/responses", new String[]{RESPONSES.formatted(true, "hang up"), "data: [DONE]"});
        streams.put("/v1/messages", new String[]{MESSAGES.formatted(true, "hang up"),
                "data: {\"type\":\"message_stop\"}"});
        int n = 0;
        for (int round = 0; round < 5; round++) {
            for (Map.Entry<String, String[]> s : streams.entrySet()) {
                String requestId = "hangup-" + n++;
                RawHttp.postAndCloseAfterLine(PORT, s.getKey(), s.getValue()[0], requestId, s.getValue()[1]);
                await().atMost(Duration.ofSeconds(10)).until(() -> line(requestId) != null);
                assertThat(line(requestId)).contains("POST " + s.getKey() + " -> 200 ");
            }
        }
    }

    private String line(String requestId) {
        return accessLog.stream().filter(l -> l.endsWith("request_id=" + requestId)).findFirst().orElse(null);
    }

    static JsonNode json(String text) {
        try {
            return SseClient.JSON.readTree(text);
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    }
}
