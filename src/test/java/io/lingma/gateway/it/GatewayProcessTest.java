package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The gateway as an operator starts it: a child JVM running {@link GatewayMain}, its exit status and its log. */
class GatewayProcessTest {

    static final Duration START_LIMIT = Duration.ofSeconds(90);

    @Test
    void exitsNonZeroWhenTheClientPortIsTaken() throws Exception {
        assertExitsNonZeroWhileTaken(18201, "client-port-taken", 18201, 18202);
    }

    @Test
    void exitsNonZeroWhenTheManagementPortIsTaken() throws Exception {
        assertExitsNonZeroWhileTaken(18204, "management-port-taken", 18203, 18204);
    }

    @Test
    void logsTheAddressItIsBoundTo() throws Exception {
        Path log = logFile("bound-address");
        Process gateway = start("bound-address", 18205, 18206);
        try {
            await().atMost(START_LIMIT)
                    .until(() -> !gateway.isAlive() || read(log).contains("http://127.0.0.1:18205/v1/messages/count_tokens"));
            assertThat(gateway.isAlive()).as("running").isTrue();
            String text = read(log);
            assertThat(text).contains("http://127.0.0.1:18205/v1/messages/count_tokens")
                    .contains("http://127.0.0.1:18206").doesNotContain("0.0.0.0");
        } finally {
            stop(gateway);
        }
    }

    @Test
    void refusesToServeANonLoopbackAddressWithoutApiKeys() throws Exception {
        Path log = logFile("anonymous-non-loopback");
        Process gateway = start("anonymous-non-loopback", 18324, 18325, "--gateway.http.host=0.0.0.0");
        try {
            assertThat(gateway.waitFor(START_LIMIT.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(gateway.exitValue()).isNotZero();
            String text = read(log);
            List<String> errors = text.lines().filter(l -> l.contains(" ERROR ")).toList();
            assertThat(errors).singleElement().asString().endsWith("lingma-gateway did not start: refusing to serve "
                    + "0.0.0.0:18324 without API keys: set gateway.auth.api-keys or gateway.auth.keys-file, bind "
                    + "gateway.http.host to 127.0.0.1, or set gateway.auth.allow-anonymous=true to serve anyone who "
                    + "can reach the port");
            // refused before anything listened, and without a stack trace
            assertThat(text).doesNotContain("listening on http", "\tat ", "Exception");
        } finally {
            stop(gateway);
        }
    }

    @Test
    void servesLoopbackWithoutApiKeysAndSaysSo() throws Exception {
        Path log = logFile("anonymous-loopback");
        Process gateway = start("anonymous-loopback", 18322, 18323);
        try {
            await().atMost(START_LIMIT).until(() -> !gateway.isAlive()
                    || read(log).contains("http://127.0.0.1:18322/v1/messages/count_tokens"));
            assertThat(gateway.isAlive()).as("running").isTrue();
            assertThat(read(log)).contains("no API keys configured (gateway.auth.api-keys, gateway.auth.keys-file): "
                    + "the gateway is open to every local process and accepts connections on loopback "
                    + "(127.0.0.1:18322) only");
            java.net.http.HttpResponse<String> models = new SseClient(18322).get("/v1/models");
            assertThat(models.statusCode()).isEqualTo(200);
        } finally {
            stop(gateway);
        }
    }

    private static void assertExitsNonZeroWhileTaken(int taken, String name, int port, int managementPort)
            throws Exception {
        try (ServerSocket occupant = new ServerSocket()) {
            occupant.bind(new InetSocketAddress("127.0.0.1", taken));
            Process gateway = start(name, port, managementPort);
            try {
                assertThat(gateway.waitFor(START_LIMIT.toSeconds(), TimeUnit.SECONDS)).as("exited").isTrue();
                assertThat(gateway.exitValue()).isNotZero();
            } finally {
                stop(gateway);
            }
        }
    }

    static Process start(String name, int port, int managementPort, String... extra) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
                "--gateway.backend=simulator", "--gateway.http.port=" + port,
                "--gateway.management.port=" + managementPort, "--gateway.ipc.cwd=target/agent-cwd"));
        command.addAll(List.of(extra));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile(name).toFile()).start();
    }

    static Path logFile(String name) {
        return Path.of("target", "gateway-process-" + name + ".log");
    }

    static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    static void stop(Process gateway) throws InterruptedException {
        gateway.destroy();
        if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
            gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
