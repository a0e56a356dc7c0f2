package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The opt-in of {@code gateway.log.unsafe-wire-logging=true}: HttpClient's wire and header loggers log at DEBUG
 * (whatever the root level), and the start-up warns that the logs will contain secrets.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=remote", "gateway.remote.simulator=true", "gateway.http.port=18241",
                "camel.management.enabled=false", "gateway.log.unsafe-wire-logging=true"})
class UnsafeWireLoggingTest {

    private static final LogCapture LOGS = LogCapture.startAtTrace();

    @AfterAll
    void restoreLogging() {
        LOGS.stop();
    }

    @Test
    void theWireLoggerIsOnAndTheStartUpWarnsThatTheLogsHoldSecrets() throws Exception {
        assertThat(LogManager.getLogger(SecretsInLogsTest.WIRE).isDebugEnabled()).isTrue();
        assertThat(LogManager.getLogger(SecretsInLogsTest.HEADERS).isDebugEnabled()).isTrue();
        assertThat(LOGS.lines()).anyMatch(l -> l.level() == Level.WARN
                && l.message().contains("gateway.log.unsafe-wire-logging") && l.message().contains("secrets"));
        assertThat(new SseClient(18241).post("/v1/chat/completions", """
                {"model":"kmodel","messages":[{"role":"user","content":"wire"}]}""").statusCode()).isEqualTo(200);
        assertThat(LOGS.lines()).anyMatch(l -> l.logger().equals(SecretsInLogsTest.WIRE));
    }
}
