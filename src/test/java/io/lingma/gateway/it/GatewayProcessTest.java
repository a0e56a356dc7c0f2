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

    private static final Duration START_LIMIT = Duration.ofSeconds(90);

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

    private static Process start(String name, int port, int managementPort) throws IOException {
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
                "--gateway.backend=simulator", "--gateway.http.port=" + port,
                "--gateway.management.port=" + managementPort, "--gateway.ipc.cwd=target/agent-cwd"));
        return new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(logFile(name).toFile()).start();
    }

    private static Path logFile(String name) {
        return Path.of("target", "gateway-process-" + name + ".log");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file, StandardCharsets.UTF_8) : "";
    }

    private static void stop(Process gateway) throws InterruptedException {
        gateway.destroy();
        if (!gateway.waitFor(20, TimeUnit.SECONDS)) {
            gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
    }
}
