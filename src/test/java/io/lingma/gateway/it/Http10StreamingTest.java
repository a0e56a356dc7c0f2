package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * HTTP/1.0 clients (nginx's default {@code proxy_pass} speaks HTTP/1.0): streams are close-delimited (no chunked
 * encoding, no Content-Length, {@code Connection: close}, the end of the body is the end of the connection), and
 * non-streamed answers and errors carry a Content-Length — never an empty 200.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18230", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd",
                "gateway.simulator.scenarios=src/test/resources/scenarios/faults.yaml"})
class Http10StreamingTest {

    private static final int PORT = 18230;
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String MESSAGES = """
            {"model":"kmodel","max_tokens":64,"stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    private static final String RESPONSES = """
            {"model":"kmodel","stream":%s,"input":"%s"}""";

    @Test
    void everyApisStreamIsCloseDelimited() throws Exception {
        RawHttp.Response chat = post10("/v1/chat/completions", CHAT.formatted(true, "chat over one-oh"), "close");
        RawHttp.Response messages = post10("/v1/messages", MESSAGES.formatted(true, "anthropic"), "close");
        RawHttp.Response responses = post10("/v1/responses", RESPONSES.formatted(true, "responses"), "close");
        for (RawHttp.Response r : List.of(chat, messages, responses)) {
            assertCloseDelimitedStream(r);
        }
        assertThat(chat.body()).contains("chat.completion.chunk").contains("Hello fr").endsWith("data: [DONE]\n\n");
        assertThat(messages.body()).startsWith("event: message_start").contains("content_block_delta")
                .contains("event: message_stop");
        assertThat(responses.body()).contains("event: response.completed");
    }

    @Test
    void keepAliveRequestStillGetsAClosedStream() throws Exception {
        // without a length the end of the connection is the end of the body, so keep-alive cannot be honoured
        RawHttp.Response r = post10("/v1/chat/completions", CHAT.formatted(true, "keep me alive"), "keep-alive");
        assertCloseDelimitedStream(r);
        assertThat(r.body()).endsWith("data: [DONE]\n\n");
    }

    @Test
    void failureAfterTheCommitEndsWithTheTerminalErrorEvent() throws Exception {
        RawHttp.Response r = post10("/v1/messages", MESSAGES.formatted(true, "[it:disconnect-mid]"), "close");
        assertCloseDelimitedStream(r);
        assertThat(r.body()).contains("partial ").contains("event: error").doesNotContain("message_stop");
    }

    @Test
    void nonStreamedAnswerAndErrorsCarryALength() throws Exception {
        RawHttp.Response ok = post10("/v1/chat/completions", CHAT.formatted(false, "plain json"), "close");
        assertThat(ok.status()).isEqualTo(200);
        assertThat(ok.headers()).containsKey("content-length").doesNotContainKey("transfer-encoding");
        assertThat(Integer.parseInt(ok.headers().get("content-length")))
                .isEqualTo(ok.body().getBytes(StandardCharsets.UTF_8).length);
        assertThat(SseClient.JSON.readTree(ok.body()).path("object").asText()).isEqualTo("chat.completion");

        RawHttp.Response closed = post10("/v1/messages", "{oops", "close");
        RawHttp.Response kept;
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(15_000);
            kept = exchangeOn(socket, "/v1/messages", "{oops", "keep-alive");
        }
        for (RawHttp.Response bad : new RawHttp.Response[]{closed, kept}) {
            assertThat(bad.status()).isEqualTo(400);
            assertThat(bad.headers()).containsKey("content-length").doesNotContainKey("transfer-encoding");
            JsonNode body = SseClient.JSON.readTree(bad.body());
            assertThat(body.path("type").asText()).isEqualTo("error");
            assertThat(body.at("/error/type").asText()).isEqualTo("invalid_request_error");
        }
    }

    @Test
    void keepAliveWorksForNonStreamedAnswers() throws Exception {
        try (Socket socket = new Socket("127.0.0.1", PORT)) {
            socket.setSoTimeout(15_000);
            for (int i = 0; i < 2; i++) {
                RawHttp.Response r = exchangeOn(socket, "/v1/chat/completions", CHAT.formatted(false, "again " + i),
                        "keep-alive");
                assertThat(r.status()).isEqualTo(200);
                assertThat(r.headers().get("connection")).isEqualToIgnoringCase("keep-alive");
                assertThat(r.body()).contains("again " + i);
            }
        }
    }

    private static void assertCloseDelimitedStream(RawHttp.Response r) {
        assertThat(r.status()).isEqualTo(200);
        assertThat(r.headers().get("content-type")).startsWith("text/event-stream");
        assertThat(r.headers()).doesNotContainKey("transfer-encoding").doesNotContainKey("content-length");
        assertThat(r.headers().get("connection")).isEqualToIgnoringCase("close");
        assertThat(r.body()).isNotEmpty();
    }

    /** POSTs over HTTP/1.0 and reads the response to the end of the connection. */
    private static RawHttp.Response post10(String path, String body, String connection) throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        return RawHttp.exchange(PORT, head10(path, bytes, connection), bytes);
    }

    /** POSTs over HTTP/1.0 on an open connection and reads one length-framed response. */
    private static RawHttp.Response exchangeOn(Socket socket, String path, String body, String connection)
            throws Exception {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        OutputStream out = socket.getOutputStream();
        out.write((head10(path, bytes, connection) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.write(bytes);
        out.flush();
        return RawHttp.readFramed(socket.getInputStream());
    }

    private static String head10(String path, byte[] body, String connection) {
        return "POST " + path + " HTTP/1.0\r\nHost: 127.0.0.1:" + PORT + "\r\nConnection: " + connection
                + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length;
    }
}
