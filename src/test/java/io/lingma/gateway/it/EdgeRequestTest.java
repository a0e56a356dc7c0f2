package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;

/** Requests at the edges of HTTP framing: bodies that are absent rather than empty, aliases, dot segments. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18200", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd"})
class EdgeRequestTest {

    private static final int PORT = 18200;
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final List<String> POST_PATHS = List.of("/v1/chat/completions", "/v1/responses", "/v1/messages",
            "/v1/messages/count_tokens");

    static Stream<Arguments> absentBodies() {
        return POST_PATHS.stream().flatMap(path -> Stream.of(
                Arguments.of(path, "no Content-Length", "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nConnection: close", ""),
                Arguments.of(path, "empty chunked body", "POST " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json\r\nTransfer-Encoding: chunked\r\nConnection: close",
                        "0\r\n\r\n"),
                Arguments.of(path, "HTTP/1.0 without length", "POST " + path + " HTTP/1.0\r\nHost: 127.0.0.1\r\n"
                        + "Content-Type: application/json", "")));
    }

    @ParameterizedTest(name = "{0} {1}")
    @MethodSource("absentBodies")
    void absentBodyIsBadRequestInTheApiEnvelope(String path, String variant, String head, String body)
            throws Exception {
        RawExchange.Response r = RawExchange.send(PORT,
                RawExchange.request(head, body.getBytes(StandardCharsets.ISO_8859_1)), 10_000);
        assertThat(r.timedOut()).as("answered and closed").isFalse();
        assertThat(r.status()).isEqualTo(400);
        assertThat(errorMessage(path, r.body())).startsWith("invalid JSON body");
    }

    /** @return the error message of the envelope the path's API uses (client-api.md §2.7) */
    static String errorMessage(String path, String body) throws Exception {
        JsonNode json = JSON.readTree(body);
        if (path.startsWith("/v1/messages")) {
            assertThat(json.path("type").asText()).isEqualTo("error");
            assertThat(json.at("/error/type").asText()).isEqualTo("invalid_request_error");
        } else {
            assertThat(json.at("/error/type").asText()).isEqualTo("invalid_request_error");
        }
        return json.at("/error/message").asText();
    }
}
