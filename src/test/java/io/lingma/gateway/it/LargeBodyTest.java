package io.lingma.gateway.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bodies near {@code gateway.http.max-body-bytes} (client-api.md §2.4): the 20 MiB body of the outside test report
 * is answered in bounded time and memory, and clients sending normal requests meanwhile are answered promptly
 * (parsing, prompt rendering and token counting never run on the Vert.x event loop).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=simulator", "gateway.http.port=18250", "camel.management.enabled=false",
                "gateway.ipc.cwd=target/agent-cwd", "gateway.http.max-body-bytes=" + LargeBodyTest.LIMIT})
class LargeBodyTest {

    static final int LIMIT = 20 * 1024 * 1024;
    private static final int PORT = 18250;
    /** Longest a normal request may take while a huge one is in flight. */
    private static final Duration PROMPT = Duration.ofSeconds(2);
    private static final Duration BIG_ANSWER = Duration.ofSeconds(90);
    private static final String PROSE = "The quick brown fox jumps over the lazy dog; it's 42 \\\"quoted\\\" words.\\n"
            + "    if (x > 0) { return y; }\\n";
    private static final String CHAT_HEAD = "{\"model\":\"kmodel\",\"messages\":[{\"role\":\"user\",\"content\":\"";
    private static final String MESSAGES_HEAD =
            "{\"model\":\"kmodel\",\"max_tokens\":16,\"messages\":[{\"role\":\"user\",\"content\":\"";
    private static final String TAIL = "\"}]}";
    private static final String NORMAL = """
            {"model":"kmodel","messages":[{"role":"user","content":"a normal question"}]}""";

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
            .version(HttpClient.Version.HTTP_1_1).build();

    @Test
    void aBodyJustUnderTheLimitIsAnsweredWithoutStallingOtherClients() throws Exception {
        assertThat(post(PORT, "/v1/chat/completions", NORMAL).statusCode()).isEqualTo(200);
        byte[] big = body(CHAT_HEAD, PROSE, TAIL, LIMIT - 64);
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(request(PORT, "/v1/chat/completions", big),
                HttpResponse.BodyHandlers.ofString());
        Queue<Long> latencies = new ConcurrentLinkedQueue<>();
        await().atMost(BIG_ANSWER).pollInterval(Duration.ofMillis(200)).until(() -> {
            long start = System.nanoTime();
            HttpResponse<String> r = post(PORT, "/v1/chat/completions", NORMAL);
            latencies.add(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start));
            assertThat(r.statusCode()).isEqualTo(200);
            return answer.isDone();
        });
        assertThat(latencies).as("normal requests during the big one (ms)").hasSizeGreaterThan(1)
                .allSatisfy(ms -> assertThat(ms).isLessThan(PROMPT.toMillis()));
        HttpResponse<String> r = answer.get();
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        JsonNode json = SseClient.JSON.readTree(r.body());
        assertThat(json.path("object").asText()).isEqualTo("chat.completion");
        // about 4 characters per token for this text; the count is extrapolated beyond the exact limit
        assertThat(json.at("/usage/prompt_tokens").asLong()).isBetween(LIMIT / 8L, LIMIT / 2L);
    }

    @Test
    void countTokensOfAHugeRunWithoutWhiteSpaceIsBounded() throws Exception {
        // one 20 MiB "word": the tokenizer's worst case (minutes and gigabytes when counted whole)
        byte[] big = body(MESSAGES_HEAD, "x", TAIL, LIMIT - 64);
        CompletableFuture<HttpResponse<String>> answer = http.sendAsync(
                request(PORT, "/v1/messages/count_tokens", big), HttpResponse.BodyHandlers.ofString());
        HttpResponse<String> r = answer.get(BIG_ANSWER.toSeconds(), TimeUnit.SECONDS);
        assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
        assertThat(SseClient.JSON.readTree(r.body()).path("input_tokens").asLong())
                .isBetween(LIMIT / 16L, LIMIT / 4L);
    }

    @Test
    void aBodyOverTheLimitGets413InTheApisEnvelope() throws Exception {
        byte[] over = body(MESSAGES_HEAD, "y", TAIL, LIMIT + 1);
        HttpResponse<String> r = http.send(request(PORT, "/v1/messages", over), HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(413);
        JsonNode json = SseClient.JSON.readTree(r.body());
        assertThat(json.path("type").asText()).isEqualTo("error");
        assertThat(json.at("/error/type").asText()).isEqualTo("request_too_large");
    }

    /** The report's case as an operator runs it: default limit, 512 MiB heap, the tokenizer's worst-case body. */
    @Test
    void aGatewayWith512MiBHeapAnswersA20MiBBody() throws Exception {
        int port = 18252;
        Path log = Path.of("target", "gateway-process-large-body.log");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx512m",
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
                "--gateway.backend=simulator", "--gateway.http.port=" + port, "--gateway.management.port=18253",
                "--gateway.ipc.cwd=target/agent-cwd"));
        Process gateway = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        try {
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(250))
                    .until(() -> !gateway.isAlive() || answers(port));
            assertThat(gateway.isAlive()).as("running").isTrue();
            byte[] big = body(CHAT_HEAD, "x", TAIL, 20 * 1024 * 1024);
            HttpResponse<String> r = http.sendAsync(request(port, "/v1/chat/completions", big),
                    HttpResponse.BodyHandlers.ofString()).get(BIG_ANSWER.toSeconds(), TimeUnit.SECONDS);
            assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
            assertThat(post(port, "/v1/chat/completions", NORMAL).statusCode()).isEqualTo(200);
            assertThat(Files.readString(log, StandardCharsets.UTF_8)).doesNotContain("OutOfMemoryError");
        } finally {
            gateway.destroy();
            if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
                gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        }
    }

    /** @return {@code head} + {@code unit} repeated (and cut) + {@code tail}, exactly {@code size} bytes of ASCII */
    private static byte[] body(String head, String unit, String tail, int size) {
        StringBuilder sb = new StringBuilder(size).append(head);
        int fill = size - head.length() - tail.length();
        while (sb.length() < head.length() + fill) {
            sb.append(unit);
        }
        sb.setLength(head.length() + fill);
        // never end the filler inside an escape sequence
        while (sb.charAt(sb.length() - 1) == '\\') {
            sb.setCharAt(sb.length() - 1, ' ');
        }
        return sb.append(tail).toString().getBytes(StandardCharsets.US_ASCII);
    }

    private HttpRequest request(int port, String path, byte[] body) {
        return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(BIG_ANSWER).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
    }

    private HttpResponse<String> post(int port, String path, String body) throws IOException, InterruptedException {
        return http.send(request(port, path, body.getBytes(StandardCharsets.UTF_8)),
                HttpResponse.BodyHandlers.ofString());
    }

    private boolean answers(int port) {
        try {
            return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/models")).build(),
                    HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
