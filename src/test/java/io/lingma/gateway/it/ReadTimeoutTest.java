package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.simulator.LingmaSimulator;
import io.lingma.gateway.simulator.Scenario;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Read deadlines (1 s each here): a request head or body that does not arrive in time — all at once or trickled
 * slowloris-style — is answered 408 in the API's envelope and the connection closed; a connection with no
 * request in progress is closed silently; an answer or SSE stream that takes longer than every deadline is not cut.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18211", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.http.header-read-timeout=1s",
                "gateway.http.body-read-timeout=1s", "gateway.http.idle-timeout=1s",
                "gateway.stream.commit-timeout=200ms", "gateway.stream.keepalive-interval=200ms"})
class ReadTimeoutTest {

    private static final int PORT = 18211;
    /** Comfortably above the 1 s deadlines, far below the 30 s+ the gateway held connections before. */
    private static final long CLOSED_WITHIN_MS = 5_000;
    private static final String HOST = "\r\nHost: 127.0.0.1:" + PORT;
    private static final String CHAT = """
            {"model":"kmodel","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";

    private final ScheduledExecutorService trickler = Executors.newSingleThreadScheduledExecutor();
    private final SseClient client = new SseClient(PORT);

    @BeanInject("lingmaSimulator")
    LingmaSimulator simulator;

    @AfterAll
    void stopTrickler() {
        trickler.shutdownNow();
    }

    @Test
    void unfinishedHeadIs408ThenClosed() throws Exception {
        assertTimedOut(send("GET /v1/models HTTP/1.1" + HOST + "\r\n", null), "/v1/models");
        assertTimedOut(send("POST /v1/messages HTTP/1.1" + HOST + "\r\nContent-Type: app", null), "/v1/messages");
    }

    @Test
    void trickledHeadIsCutAtTheDeadline() throws Exception {
        assertTimedOut(send("POST /v1/chat/completions HTTP/1.1" + HOST + "\r\n", "X-Slow: a\r\n"),
                "/v1/chat/completions");
    }

    @Test
    void bodyShorterThanItsLengthIs408ThenClosed() throws Exception {
        for (String path : List.of("/v1/chat/completions", "/v1/messages")) {
            assertTimedOut(send("POST " + path + " HTTP/1.1" + HOST
                    + "\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"model\":", null), path);
        }
    }

    @Test
    void trickledBodyIsCutAtTheDeadline() throws Exception {
        assertTimedOut(send("POST /v1/messages HTTP/1.1" + HOST
                + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", " "), "/v1/messages");
        assertTimedOut(send("POST /v1/chat/completions HTTP/1.1" + HOST
                + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", "1\r\n \r\n"),
                "/v1/chat/completions");
    }

    @Test
    void silentConnectionsAreClosedWithoutAnAnswer() throws Exception {
        try (Socket socket = socket()) {
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("bytes on a connection that never sent any").isEqualTo(-1);
            assertThat(elapsedMs(start)).isLessThan(CLOSED_WITHIN_MS);
        }
        try (Socket socket = socket()) {
            RawHttp.Response first = request(socket, "GET /v1/models HTTP/1.1" + HOST + "\r\n\r\n");
            assertThat(first.status()).isEqualTo(200);
            long start = System.nanoTime();
            assertThat(socket.getInputStream().read()).as("bytes on an idle kept-alive connection").isEqualTo(-1);
            assertThat(elapsedMs(start)).isLessThan(CLOSED_WITHIN_MS);
        }
    }

    @Test
    void keptAliveConnectionsServeRequestsInsideTheIdleTimeout() throws Exception {
        try (Socket socket = socket()) {
            for (int i = 0; i < 3; i++) {
                assertThat(request(socket, "GET /v1/models HTTP/1.1" + HOST + "\r\n\r\n").status()).isEqualTo(200);
            }
        }
    }

    @Test
    void answersAndStreamsSlowerThanEveryDeadlineAreNotCut() throws Exception {
        simulator.addScenario(Scenario.builder("[rt:late]").delayFirstChunkMs(2500).build());
        byte[] body = CHAT.formatted(false, "[rt:late] json").getBytes(StandardCharsets.UTF_8);
        try (Socket socket = socket()) {
            RawHttp.Response r = request(socket, "POST /v1/chat/completions HTTP/1.1" + HOST
                    + "\r\nContent-Type: application/json\r\nContent-Length: " + body.length + "\r\n\r\n"
                    + new String(body, StandardCharsets.UTF_8));
            assertThat(r.status()).as(r.body()).isEqualTo(200);
            assertThat(r.json().path("object").asText()).isEqualTo("chat.completion");
        }
        SseClient.Stream s = client.stream("/v1/chat/completions", CHAT.formatted(true, "[rt:late] stream"));
        assertThat(s.status()).isEqualTo(200);
        List<SseClient.Event> data = s.dataEvents();
        assertThat(data.get(data.size() - 1).data()).isEqualTo("[DONE]");
        assertThat(data.get(data.size() - 1).atMillis()).as("stream longer than every deadline").isGreaterThan(2000);
        assertThat(s.events()).as("keep-alives during the silence").anyMatch(e -> e.comment() != null);
    }

    /**
     * Opens a connection, writes {@code head}, then {@code trickle} every 100 ms (when not null) until the
     * connection closes.
     *
     * @return what came back before the close and how long the close took
     */
    private Outcome send(String head, String trickle) throws Exception {
        try (Socket socket = socket()) {
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            long start = System.nanoTime();
            ScheduledFuture<?> dripping = trickle == null ? null : trickler.scheduleAtFixedRate(() -> {
                try {
                    out.write(trickle.getBytes(StandardCharsets.ISO_8859_1));
                    out.flush();
                } catch (Exception closed) {
                    throw new IllegalStateException(closed);
                }
            }, 100, 100, TimeUnit.MILLISECONDS);
            try {
                InputStream in = socket.getInputStream();
                RawHttp.Response r = RawHttp.readResponse(in);
                int after = r == null ? -1 : in.read();
                return new Outcome(r, after == -1, elapsedMs(start));
            } finally {
                if (dripping != null) {
                    dripping.cancel(false);
                }
            }
        }
    }

    private record Outcome(RawHttp.Response response, boolean closed, long ms) {
    }

    private static void assertTimedOut(Outcome o, String path) {
        assertThat(o.response()).as("%s: answered before the close", path).isNotNull();
        String as = path + ": " + o.response().status() + " " + o.response().body();
        assertThat(o.response().status()).as(as).isEqualTo(408);
        assertThat(o.response().headers().get("content-type")).as(as).startsWith("application/json");
        JsonNode body = o.response().json();
        assertThat(body.at("/error/message").asText()).as(as).contains("not received within");
        if (path.startsWith("/v1/messages")) {
            assertThat(body.path("type").asText()).as(as).isEqualTo("error");
            assertThat(body.at("/error/type").asText()).as(as).isEqualTo("invalid_request_error");
        } else {
            assertThat(body.at("/error/code").asText()).as(as).isEqualTo("request_timeout");
        }
        assertThat(o.closed()).as("%s: closed after the 408", path).isTrue();
        assertThat(o.ms()).as(as).isLessThan(CLOSED_WITHIN_MS);
    }

    private static RawHttp.Response request(Socket socket, String raw) throws Exception {
        socket.getOutputStream().write(raw.getBytes(StandardCharsets.UTF_8));
        socket.getOutputStream().flush();
        return RawHttp.readResponse(socket.getInputStream());
    }

    private static Socket socket() throws Exception {
        Socket socket = new Socket("127.0.0.1", PORT);
        socket.setSoTimeout(15_000);
        return socket;
    }

    private static long elapsedMs(long start) {
        return (System.nanoTime() - start) / 1_000_000;
    }
}
