package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.RecordedPrompt;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a web page can make a browser send to the gateway (client-api.md §2.3, §2.4): a cross-site "simple" request
 * ({@code text/plain} POST with a foreign {@code Origin}) is refused before any upstream work, an allowed origin
 * gets CORS answers, JSON endpoints refuse non-JSON bodies, and a foreign {@code Host} (DNS rebinding) is refused
 * while the gateway is bound to loopback.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18215", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.cors.allowed-origins=http://app.example:3000"})
class CrossSiteRequestTest {

    private static final int PORT = 18215;
    private static final String ALLOWED = "http://app.example:3000";
    private static final List<String> POST_PATHS = List.of("/v1/chat/completions", "/api/v1/chat/completions",
            "/v1/responses", "/responses", "/api/v1/responses", "/v1/messages", "/v1/messages/count_tokens");

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @Test
    void foreignOriginTextPlainPostIs403AndNeverReachesLingma() throws Exception {
        for (String origin : List.of("https://evil.example", "null", "http://app.example:3001")) {
            for (String path : POST_PATHS) {
                String marker = "cross-site " + origin + " " + path;
                RawHttp.Response r = post(path, "text/plain", body(path, marker), "Origin: " + origin);
                assertForbidden(r, path, "Origin not allowed");
                assertThat(r.headers()).as(path).doesNotContainKey("access-control-allow-origin");
                assertNoPrompt(marker);
            }
        }
        // a JSON content type does not make a foreign origin acceptable
        RawHttp.Response json = post("/v1/messages", "application/json", body("/v1/messages", "json cross-site"),
                "Origin: https://evil.example");
        assertForbidden(json, "/v1/messages", "Origin not allowed");
        assertNoPrompt("json cross-site");
    }

    @Test
    void allowedOriginGetsCorsHeadersOnSuccessStreamsAndErrors() throws Exception {
        for (String path : List.of("/v1/chat/completions", "/v1/messages", "/v1/responses")) {
            RawHttp.Response r = post(path, "application/json", body(path, "from the app"), "Origin: " + ALLOWED);
            assertThat(r.status()).as(path).isEqualTo(200);
            assertCors(r, path);
        }
        RawHttp.Response stream = post("/v1/messages", "application/json",
                bytes("{\"model\":\"kmodel\",\"max_tokens\":64,\"stream\":true,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"streamed to the app\"}]}"),
                "Origin: " + ALLOWED);
        assertThat(stream.status()).isEqualTo(200);
        assertThat(stream.body()).contains("event: message_stop");
        assertCors(stream, "stream");
        RawHttp.Response bad = post("/v1/chat/completions", "application/json", bytes("{oops"),
                "Origin: " + ALLOWED);
        assertThat(bad.status()).isEqualTo(400);
        assertCors(bad, "400");
        RawHttp.Response models = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:" + PORT
                + "\r\nOrigin: " + ALLOWED, null);
        assertThat(models.status()).isEqualTo(200);
        assertCors(models, "models");
    }

    @Test
    void preflightFromTheAllowedOriginListsMethodsAndHeaders() throws Exception {
        RawHttp.Response r = RawHttp.exchange(PORT, "OPTIONS /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:" + PORT
                + "\r\nOrigin: " + ALLOWED + "\r\nAccess-Control-Request-Method: POST"
                + "\r\nAccess-Control-Request-Headers: content-type,x-api-key,anthropic-version", null);
        assertThat(r.status()).isEqualTo(204);
        assertThat(r.body()).isEmpty();
        assertThat(r.headers().get("access-control-allow-origin")).isEqualTo(ALLOWED);
        assertThat(r.headers().get("vary")).containsIgnoringCase("origin");
        assertThat(r.headers().get("access-control-allow-methods")).contains("POST").contains("GET");
        assertThat(r.headers().get("access-control-allow-headers").toLowerCase())
                .contains("authorization", "x-api-key", "content-type", "anthropic-version", "anthropic-beta",
                        "x-request-id");
        assertThat(r.headers()).doesNotContainKey("access-control-allow-credentials");

        RawHttp.Response foreign = RawHttp.exchange(PORT, "OPTIONS /v1/messages HTTP/1.1\r\nHost: 127.0.0.1:"
                + PORT + "\r\nOrigin: https://evil.example\r\nAccess-Control-Request-Method: POST", null);
        assertForbidden(foreign, "/v1/messages", "Origin not allowed");
        assertThat(foreign.headers()).doesNotContainKey("access-control-allow-origin");
    }

    @Test
    void sameOriginRequestsPass() throws Exception {
        RawHttp.Response r = post("/v1/chat/completions", "application/json",
                body("/v1/chat/completions", "same origin"), "Origin: http://127.0.0.1:" + PORT);
        assertThat(r.status()).isEqualTo(200);
        RawHttp.Response localhost = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: localhost:" + PORT
                + "\r\nOrigin: http://localhost:" + PORT, null);
        assertThat(localhost.status()).isEqualTo(200);
        // same host, other port: another site
        RawHttp.Response otherPort = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: 127.0.0.1:" + PORT
                + "\r\nOrigin: http://127.0.0.1:8080", null);
        assertForbidden(otherPort, "/v1/models", "Origin not allowed");
    }

    @Test
    void nonJsonContentTypesOnJsonEndpointsAre415() throws Exception {
        for (String type : List.of("text/plain", "text/plain;charset=UTF-8", "application/x-www-form-urlencoded",
                "multipart/form-data; boundary=x", "application/jsonx", "text/json")) {
            for (String path : POST_PATHS) {
                String marker = "content type " + type + " " + path;
                RawHttp.Response r = post(path, type, body(path, marker));
                assertThat(r.status()).as("%s %s", path, type).isEqualTo(415);
                JsonNode error = envelope(r, path);
                assertThat(error.path("message").asText()).as("%s %s", path, type)
                        .startsWith("Unsupported Content-Type").contains("application/json");
                assertNoPrompt(marker);
            }
        }
        for (String type : List.of("application/json", "application/json; charset=utf-8", "Application/JSON",
                "application/vnd.example+json")) {
            for (String path : POST_PATHS) {
                RawHttp.Response r = post(path, type, body(path, "json type " + type));
                assertThat(r.status()).as("%s %s", path, type).isEqualTo(200);
            }
        }
    }

    @Test
    void missingContentTypeIsAccepted() throws Exception {
        // client-api.md §2.4: the body is parsed as JSON whatever it is labelled; only a non-JSON label is refused
        for (String path : POST_PATHS) {
            RawHttp.Response r = post(path, null, body(path, "no content type"));
            assertThat(r.status()).as(path).isEqualTo(200);
        }
    }

    @Test
    void foreignHostIsRefusedWhileBoundToLoopback() throws Exception {
        for (String host : List.of("evil.example", "evil.example:" + PORT, "127.0.0.1.evil.example",
                "localhost.evil.example:" + PORT, "10.0.0.1:" + PORT)) {
            for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
                String marker = "rebinding " + host + " " + path;
                byte[] b = body(path, marker);
                RawHttp.Response r = RawHttp.exchange(PORT, "POST " + path + " HTTP/1.1\r\nHost: " + host
                        + "\r\nContent-Type: application/json\r\nContent-Length: " + b.length, b);
                assertForbidden(r, path, "Host not allowed");
                assertNoPrompt(marker);
            }
            RawHttp.Response models = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: " + host, null);
            assertForbidden(models, "/v1/models", "Host not allowed");
        }
        for (String host : List.of("localhost", "localhost:" + PORT, "127.0.0.1", "[::1]:" + PORT,
                "app.localhost:5173", "LOCALHOST")) {
            RawHttp.Response r = RawHttp.exchange(PORT, "GET /v1/models HTTP/1.1\r\nHost: " + host, null);
            assertThat(r.status()).as(host).isEqualTo(200);
        }
        for (String path : List.of("/health", "/healthz")) {
            RawHttp.Response r = RawHttp.exchange(PORT, "GET " + path + " HTTP/1.1\r\nHost: evil.example", null);
            assertThat(r.status()).as(path).isIn(200, 503);
        }
    }

    private RawHttp.Response post(String path, String contentType, byte[] body, String... extraHeaders)
            throws Exception {
        StringBuilder head = new StringBuilder("POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + PORT);
        if (contentType != null) {
            head.append("\r\nContent-Type: ").append(contentType);
        }
        for (String h : extraHeaders) {
            head.append("\r\n").append(h);
        }
        head.append("\r\nContent-Length: ").append(body.length);
        return RawHttp.exchange(PORT, head.toString(), body);
    }

    private static byte[] body(String path, String text) {
        String json;
        if (path.startsWith("/v1/messages")) {
            json = "{\"model\":\"kmodel\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}";
        } else if (path.endsWith("/responses")) {
            json = "{\"model\":\"kmodel\",\"input\":\"%s\"}";
        } else {
            json = "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"%s\"}]}";
        }
        return bytes(json.formatted(text));
    }

    private static byte[] bytes(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private void assertNoPrompt(String marker) {
        assertThat(simulator.prompts()).extracting(RecordedPrompt::text).noneMatch(t -> t.contains(marker));
    }

    private static void assertCors(RawHttp.Response r, String what) {
        Map<String, String> h = r.headers();
        assertThat(h.get("access-control-allow-origin")).as(what).isEqualTo(ALLOWED);
        assertThat(h.get("vary")).as(what).containsIgnoringCase("origin");
        assertThat(h.get("access-control-expose-headers")).as(what).containsIgnoringCase("x-request-id");
        assertThat(h).as(what).doesNotContainKey("access-control-allow-credentials");
    }

    static void assertForbidden(RawHttp.Response r, String path, String message) {
        assertThat(r.status()).as(path).isEqualTo(403);
        JsonNode error = envelope(r, path);
        assertThat(error.path("message").asText()).as(path).startsWith(message);
        if (path.startsWith("/v1/messages")) {
            assertThat(error.path("type").asText()).as(path).isEqualTo("permission_error");
        } else {
            assertThat(error.path("type").asText()).as(path).isEqualTo("invalid_request_error");
            assertThat(error.path("code").asText()).as(path).isEqualTo("forbidden");
        }
    }

    /** @return the inner error object, after checking the envelope shape of the path's API */
    static JsonNode envelope(RawHttp.Response r, String path) {
        assertThat(r.headers().get("content-type")).as(path).startsWith("application/json");
        assertThat(r.headers()).as(path).containsKey("x-request-id");
        JsonNode body;
        try {
            body = SseClient.JSON.readTree(r.body());
        } catch (Exception e) {
            throw new AssertionError("not JSON: " + r.body(), e);
        }
        if (path.startsWith("/v1/messages")) {
            assertThat(body.path("type").asText()).as(path).isEqualTo("error");
        } else {
            assertThat(body.path("error").has("param")).as(path).isTrue();
        }
        return body.path("error");
    }
}
