package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

/**
 * Requests the HTTP decoder rejects before any route sees them (oversized header or request line, broken
 * {@code Content-Length} or chunked framing, a missing {@code Host}, an unknown HTTP version, a bad percent
 * escape) get a 4xx in the client API's envelope, and {@code HEAD} on odd paths answers like the GET would.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18210", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class MalformedRequestTest {

    private static final int PORT = 18210;
    private static final String HOST = "\r\nHost: 127.0.0.1:" + PORT;
    private static final String BODY = "{\"model\":\"kmodel\",\"max_tokens\":8,"
            + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @Test
    void oversizedHeaderIs431InTheEnvelope() throws Exception {
        String big = "\r\nX-Big: " + "a".repeat(10 * 1024);
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1" + HOST + big, null), 431, "/v1/models");
        assertEnvelope(post("/v1/messages", big, BODY), 431, "/v1/messages");
    }

    @Test
    void oversizedRequestLineIs414InTheEnvelope() throws Exception {
        String query = "?x=" + "a".repeat(8 * 1024);
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/models" + query + " HTTP/1.1" + HOST, null), 414,
                "/v1/models");
        assertEnvelope(RawHttp.exchange(PORT, "POST /v1/messages" + query + " HTTP/1.1" + HOST
                + "\r\nContent-Length: 2", "{}".getBytes(StandardCharsets.US_ASCII)), 414, "/v1/messages");
    }

    @Test
    void brokenContentLengthIs400InTheEnvelope() throws Exception {
        Map<String, String> lengths = new LinkedHashMap<>();
        lengths.put("not a number", "\r\nContent-Length: abc");
        lengths.put("negative", "\r\nContent-Length: -5");
        lengths.put("two different values", "\r\nContent-Length: " + BODY.length() + "\r\nContent-Length: 3");
        lengths.put("list of different values", "\r\nContent-Length: " + BODY.length() + ", 3");
        for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
            for (Map.Entry<String, String> l : lengths.entrySet()) {
                RawHttp.Response r = RawHttp.exchange(PORT, "POST " + path + " HTTP/1.1" + HOST
                        + "\r\nContent-Type: application/json" + l.getValue(), BODY.getBytes(StandardCharsets.UTF_8));
                assertEnvelope(r, 400, path, l.getKey());
            }
        }
    }

    @Test
    void brokenChunkedFramingIs400InTheEnvelope() throws Exception {
        Map<String, String> bodies = new LinkedHashMap<>();
        bodies.put("size not hex", "zz\r\n{}\r\n0\r\n\r\n");
        bodies.put("size larger than an int", "fffffffffffffffff\r\n{}\r\n0\r\n\r\n");
        for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
            for (Map.Entry<String, String> b : bodies.entrySet()) {
                RawHttp.Response r = RawHttp.exchange(PORT, "POST " + path + " HTTP/1.1" + HOST
                        + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked", b.getValue().getBytes(StandardCharsets.US_ASCII));
                assertEnvelope(r, 400, path, b.getKey());
            }
        }
    }

    @Test
    void http11WithoutHostIs400InTheEnvelope() throws Exception {
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1", null), 400, "/v1/models");
        assertEnvelope(RawHttp.exchange(PORT, "POST /v1/messages HTTP/1.1\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + BODY.length(), BODY.getBytes(StandardCharsets.UTF_8)), 400, "/v1/messages");
        // HTTP/1.0 has no Host requirement
        assertThat(RawHttp.exchange(PORT, "GET /v1/models HTTP/1.0", null).status()).isEqualTo(200);
    }

    @Test
    void unknownHttpVersionIs4xxInTheEnvelope() throws Exception {
        for (String version : List.of("HTTP/9.9", "HTTP/2.0", "HTTP/1.2")) {
            RawHttp.Response r = RawHttp.exchange(PORT, "GET /v1/models " + version + HOST, null);
            assertEnvelope(r, 400, "/v1/models", version);
        }
        assertEnvelope(RawHttp.exchange(PORT, "POST /v1/messages HTTP/9.9" + HOST
                + "\r\nContent-Length: " + BODY.length(), BODY.getBytes(StandardCharsets.UTF_8)), 400, "/v1/messages");
    }

    @Test
    void garbageRequestLineIs400InTheEnvelope() throws Exception {
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/models" + HOST, null), 400, "/", "no version");
        assertEnvelope(RawHttp.exchange(PORT, "\u0001\u0002 nonsense" + HOST, null), 400, "/", "binary");
    }

    @Test
    void badPercentEscapeIs400InTheEnvelope() throws Exception {
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/models?x=%zz HTTP/1.1" + HOST, null), 400, "/v1/models");
        assertEnvelope(RawHttp.exchange(PORT, "GET /v1/mod%zzels HTTP/1.1" + HOST, null), 400, "/v1/models");
        assertEnvelope(RawHttp.exchange(PORT, "POST /v1/messages?x=%zz HTTP/1.1" + HOST
                + "\r\nContent-Type: application/json\r\nContent-Length: " + BODY.length(), BODY.getBytes(StandardCharsets.UTF_8)), 400,
                "/v1/messages");
    }

    @Test
    void headOnOddPathsAnswersLikeTheGet() throws Exception {
        for (String path : List.of("/v1/models/%2e%2e/%2e%2e", "/v1/models/%2e%2e", "/v1/models/../..",
                "/v1/models/..%2f..", "/v1/models/%2F", "//v1/models", "/v1//models", "/v1/models/./kmodel",
                "/v1/models/a%2fb", "/..", "/%2e%2e", "/v1/models/%2e%2e/%2e%2e/%2e%2e/x",
                "http://127.0.0.1:" + PORT + "/v1/models", "http://127.0.0.1:" + PORT + "/v1/models/%2e%2e/%2e%2e",
                "*")) {
            RawHttp.Response get = RawHttp.exchange(PORT, "GET " + path + " HTTP/1.1" + HOST, null);
            RawHttp.Response head = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> RawHttp.exchange(PORT, "HEAD " + path + " HTTP/1.1" + HOST, null), "HEAD " + path);
            assertThat(get.status()).as("GET %s", path).isLessThan(500);
            assertThat(head.status()).as("HEAD %s", path).isEqualTo(get.status());
            assertThat(head.body()).as("HEAD %s", path).isEmpty();
            assertThat(get.headers().getOrDefault("allow", "")).as("GET %s: Allow", path).doesNotContain("GET");
        }
    }

    @Test
    void headLeavesTheConnectionUsable() throws Exception {
        for (String path : List.of("/v1/models/%2e%2e/%2e%2e", "/v1/models", "/v1/models/a%2fb", "/nope")) {
            RawHttp.Response version = assertTimeoutPreemptively(Duration.ofSeconds(5),
                    () -> RawHttp.exchange(PORT, "HEAD " + path + " HTTP/1.1" + HOST + "\r\n\r\nGET /version HTTP/1.1"
                            + HOST, null), "HEAD " + path);
            // the HEAD answer has no body, so the next answer on the connection starts right after its head
            assertThat(version.body()).as("after HEAD %s", path).contains("HTTP/1.1 ")
                    .endsWith("\"service\":\"lingma-gateway\"}");
        }
    }

    @Test
    void dotSegmentsLeavingAKnownPathAre404() throws Exception {
        for (String path : List.of("/v1/models/%2e%2e", "/v1/models/..", "/v1/messages/%2e%2e")) {
            RawHttp.Response r = RawHttp.exchange(PORT, "GET " + path + " HTTP/1.1" + HOST, null);
            assertThat(r.status()).as("GET %s: %s", path, r.body()).isEqualTo(404);
            assertThat(r.json().at("/error/message").asText()).as(path).isEqualTo("Invalid URL (GET " + path + ")");
        }
    }

    private static RawHttp.Response post(String path, String extraHeaders, String body) throws Exception {
        return RawHttp.exchange(PORT, "POST " + path + " HTTP/1.1" + HOST + "\r\nContent-Type: application/json"
                + "\r\nContent-Length: " + body.length() + extraHeaders, body.getBytes(StandardCharsets.UTF_8));
    }

    private static void assertEnvelope(RawHttp.Response r, int status, String path) {
        assertEnvelope(r, status, path, "");
    }

    /** Asserts the status and the envelope of {@code path}'s API: Anthropic's on /v1/messages*, else OpenAI's. */
    private static void assertEnvelope(RawHttp.Response r, int status, String path, String what) {
        String as = path + " " + what + ": " + r.status() + " " + r.body();
        assertThat(r.status()).as(as).isEqualTo(status);
        assertThat(r.headers().get("content-type")).as(as).startsWith("application/json");
        JsonNode body = r.json();
        assertThat(body.at("/error/type").asText()).as(as).isEqualTo("invalid_request_error");
        assertThat(body.at("/error/message").asText()).as(as).isNotBlank().doesNotContain("Exception");
        if (path.startsWith("/v1/messages")) {
            assertThat(body.path("type").asText()).as(as).isEqualTo("error");
        } else {
            assertThat(body.path("error").has("code")).as(as).isTrue();
            assertThat(body.path("error").has("param")).as(as).isTrue();
        }
    }
}
