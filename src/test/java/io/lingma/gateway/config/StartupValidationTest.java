package io.lingma.gateway.config;

import io.lingma.gateway.GatewayMain;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A wrong setting stops the gateway as an operator starts it (a child JVM running {@link GatewayMain}): exit status
 * 1 and one line on stderr naming the key, the value and the accepted values — no stack trace anywhere.
 */
class StartupValidationTest {

    private static final long START_LIMIT_SECONDS = 90;

    @Test
    void badDuration() throws Exception {
        assertRefused("bad-duration", "gateway.ipc.idle-timeout=soon",
                "invalid value for gateway.ipc.idle-timeout: 'soon' (accepted: a duration such as 500ms, 5s, 2m, 1h "
                        + "(a bare number is milliseconds))");
    }

    @Test
    void unknownEnumValue() throws Exception {
        assertRefused("unknown-enum", "gateway.models.unknown-policy=guess",
                "invalid value for gateway.models.unknown-policy: 'guess' (accepted: map-default | reject | "
                        + "pass-through)");
    }

    @Test
    void negativeSize() throws Exception {
        assertRefused("negative-size", "gateway.images.max-bytes=-1",
                "invalid value for gateway.images.max-bytes: '-1' (accepted: a size >= 1 bytes such as 65536, 64KB, "
                        + "32MB, 1GB)");
    }

    @Test
    void unknownBackend() throws Exception {
        assertRefused("unknown-backend", "gateway.backend=cloud",
                "invalid value for gateway.backend: 'cloud' (accepted: ipc | simulator | remote)");
    }

    /** @param expected the stderr line after {@code lingma-gateway did not start: } */
    private static void assertRefused(String name, String setting, String expected) throws Exception {
        Path out = Path.of("target", "startup-validation-" + name + ".out");
        Path err = Path.of("target", "startup-validation-" + name + ".err");
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), GatewayMain.class.getName(),
                "--gateway.backend=simulator", "--gateway.http.port=18352", "--gateway.management.port=18353",
                "--gateway.ipc.cwd=target/agent-cwd", "--" + setting));
        Process gateway = new ProcessBuilder(command).redirectOutput(out.toFile()).redirectError(err.toFile()).start();
        try {
            assertThat(gateway.waitFor(START_LIMIT_SECONDS, TimeUnit.SECONDS)).as("exited").isTrue();
            assertThat(gateway.exitValue()).isEqualTo(1);
        } finally {
            gateway.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        List<String> lines = Files.readAllLines(err, StandardCharsets.UTF_8);
        assertThat(lines).containsExactly("lingma-gateway did not start: " + expected);
        String log = Files.readString(out, StandardCharsets.UTF_8);
        assertThat(log).doesNotContain("Exception").doesNotContainPattern("(?m)^\\s+at ");
    }
}
