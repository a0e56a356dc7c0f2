package io.lingma.gateway.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM to the gateway started by {@code bin/lingma-gateway} (what {@code docker stop} and Kubernetes send):
 * readiness turns false at once on both ports, new requests get 503 {@code shutting_down} in their API's envelope,
 * a stream that can finish within {@code camel.main.shutdown-timeout} finishes, one that cannot ends with its
 * terminal error event before that timeout, and the process exits.
 */
class GracefulShutdownProcessTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int PORT = 18262;
    private static final int MANAGEMENT = 18263;
    private static final int SHUTDOWN_TIMEOUT_S = 6;
    private static final String CLIENT = "http://127.0.0.1:" + PORT;
    private static final String READY = "http://127.0.0.1:" + MANAGEMENT + "/observe/health/ready";

    private Process gateway;

    @AfterEach
    void stop() throws InterruptedException {
        if (gateway != null) {
            Launcher.stop(gateway, Duration.ofSeconds(20));
        }
    }

    @Test
    void sigtermDrainsStreamsWithinTheShutdownTimeoutAndRejectsNewRequests() throws Exception {
        Path scenarios = Path.of("target", "graceful-shutdown-scenarios.yaml");
        // short: ~3 s of stream (within the timeout); long: ~40 s, far beyond it
        Files.writeString(scenarios, """
                scenarios:
                  - name: short
                    match: "[gs:short]"
                    reply: "%s"
                    chunkDelayMs: 250
                  - name: long
                    match: "[gs:long]"
                    reply: "%s"
                    chunkDelayMs: 400
                """.formatted("word ".repeat(20), "word ".repeat(160)));
        gateway = Launcher.start("graceful-shutdown", "--gateway.backend=simulator", "--gateway.http.port=" + PORT,
                "--gateway.management.port=" + MANAGEMENT, "--gateway.ipc.cwd=target/agent-cwd",
                "--gateway.simulator.scenarios=" + scenarios, "--camel.main.shutdown-timeout=" + SHUTDOWN_TIMEOUT_S);
        await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(250))
                .until(() -> !gateway.isAlive() || Launcher.status(READY) == 200);
        assertThat(gateway.isAlive()).as("gateway running").isTrue();

        Lines longStream = stream("/v1/messages", """
                {"model":"kmodel","max_tokens":256,"stream":true,"messages":[{"role":"user","content":"[gs:long] hi"}]}""");
        await().atMost(Duration.ofSeconds(30)).until(() -> longStream.has("event: content_block_delta"));
        Lines shortStream = stream("/v1/chat/completions", """
                {"model":"kmodel","stream":true,"messages":[{"role":"user","content":"[gs:short] hi"}]}""");
        await().atMost(Duration.ofSeconds(30)).until(() -> shortStream.has("data: {"));
        assertThat(shortStream.has("[DONE]")).as("short stream still running at SIGTERM").isFalse();

        long sigterm = System.nanoTime();
        gateway.destroy();

        await().atMost(Duration.ofSeconds(3)).pollInterval(Duration.ofMillis(50))
                .until(() -> Launcher.status(READY) == 503);
        HttpResponse<String> readiness = Launcher.get(CLIENT + "/healthz");
        assertThat(readiness.statusCode()).isEqualTo(503);
        assertThat(JSON.readTree(readiness.body()).path("ready").asBoolean(true)).isFalse();
        assertThat(JSON.readTree(readiness.body()).path("draining").asBoolean()).isTrue();

        HttpResponse<String> openAi = Launcher.post(CLIENT + "/v1/chat/completions", """
                {"model":"kmodel","messages":[{"role":"user","content":"new"}]}""");
        assertThat(openAi.statusCode()).isEqualTo(503);
        assertThat(openAi.headers().firstValue("Retry-After")).hasValue("1");
        assertThat(openAi.headers().firstValue("Connection")).hasValue("close");
        assertThat(JSON.readTree(openAi.body()).at("/error/code").asText()).isEqualTo("shutting_down");
        HttpResponse<String> anthropic = Launcher.post(CLIENT + "/v1/messages", """
                {"model":"kmodel","max_tokens":16,"messages":[{"role":"user","content":"new"}]}""");
        assertThat(anthropic.statusCode()).isEqualTo(503);
        JsonNode envelope = JSON.readTree(anthropic.body());
        assertThat(envelope.path("type").asText()).isEqualTo("error");
        assertThat(envelope.at("/error/type").asText()).isEqualTo("overloaded_error");

        shortStream.done.get(SHUTDOWN_TIMEOUT_S, TimeUnit.SECONDS);
        assertThat(shortStream.lines).last().isEqualTo("data: [DONE]");
        assertThat(shortStream.lines).noneMatch(l -> l.contains("\"error\""));

        longStream.done.get(SHUTDOWN_TIMEOUT_S + 5, TimeUnit.SECONDS);
        long ended = TimeUnit.NANOSECONDS.toMillis(longStream.endedAt - sigterm);
        assertThat(ended).as("ms from SIGTERM to the long stream's end").isLessThan(SHUTDOWN_TIMEOUT_S * 1000L);
        assertThat(longStream.lines).contains("event: error");
        assertThat(longStream.lines).anyMatch(l -> l.contains("shutting down"));
        assertThat(longStream.lines).doesNotContain("event: message_stop");

        assertThat(gateway.waitFor(SHUTDOWN_TIMEOUT_S + 10, TimeUnit.SECONDS)).as("exited").isTrue();
    }

    /** A stream read in the background, line by line. */
    private static final class Lines {
        final List<String> lines = new CopyOnWriteArrayList<>();
        final CompletableFuture<Void> done = new CompletableFuture<>();
        volatile long endedAt;

        boolean has(String prefix) {
            return lines.stream().anyMatch(l -> l.startsWith(prefix) || l.contains(prefix));
        }
    }

    private static Lines stream(String path, String body) {
        Lines out = new Lines();
        HttpRequest request = HttpRequest.newBuilder(URI.create(CLIENT + path))
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body)).build();
        CompletableFuture.runAsync(() -> {
            try {
                HttpResponse<java.io.InputStream> r = Launcher.HTTP.send(request,
                        HttpResponse.BodyHandlers.ofInputStream());
                assertThat(r.statusCode()).isEqualTo(200);
                try (BufferedReader in = new BufferedReader(new InputStreamReader(r.body(), StandardCharsets.UTF_8))) {
                    for (String line = in.readLine(); line != null; line = in.readLine()) {
                        if (!line.isEmpty()) {
                            out.lines.add(line);
                        }
                    }
                }
                out.endedAt = System.nanoTime();
                out.done.complete(null);
            } catch (Throwable e) {
                out.done.completeExceptionally(e);
            }
        });
        return out;
    }
}
