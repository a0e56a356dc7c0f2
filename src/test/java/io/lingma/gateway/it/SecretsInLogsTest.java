package io.lingma.gateway.it;

import io.lingma.gateway.GatewayMain;
import io.lingma.gateway.lingma.remote.RemoteCredential;
import io.lingma.gateway.simulator.remote.RecordedRemoteRequest;
import io.lingma.gateway.simulator.remote.RemoteFault;
import io.lingma.gateway.simulator.remote.RemoteSimulator;
import io.lingma.gateway.simulator.remote.RemoteSimulatorAccount;
import org.apache.camel.BeanInject;
import org.apache.camel.test.main.junit5.CamelMainTest;
import org.apache.logging.log4j.LogManager;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * No log level prints a credential: with every logger at TRACE and Camel's tracer on, the credentials given as
 * settings, the remote backend's signed requests (stream, non-stream, failing ones, the model list) and the
 * client's own API keys never show up in a log event's message, parameters, context or stack trace.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@CamelMainTest(mainClass = GatewayMain.class,
        propertyPlaceholderLocations = "file:application.properties",
        properties = {"gateway.backend=remote", "gateway.remote.simulator=true", "gateway.http.port=18240",
                "camel.management.enabled=false", "gateway.remote.first-byte-timeout=1500ms",
                // Camel's own debugging aids print exchange headers: on, too
                "camel.main.tracing=true", "camel.main.message-history=true",
                // the simulator's demo login given as settings (as an operator would on the command line)
                "gateway.remote.cosy-key=SIMULATOR_COSY_KEY_0001",
                "gateway.remote.encrypt-user-info=SIMULATOR_ENCRYPT_USER_INFO_0001",
                "gateway.remote.user-id=10001", "gateway.remote.machine-id=simulator-machine-id-0123456789",
                "gateway.ipc.ws-headers=Cosy-MachineToken: " + SecretsInLogsTest.MACHINE_TOKEN,
                "gateway.breaker.minimum-number-of-calls=1000", "gateway.breaker.sliding-window-size=1000"})
class SecretsInLogsTest {

    /** HttpClient 5's wire logger (bytes) and header logger. */
    static final String WIRE = "org.apache.hc.client5.http.wire";
    static final String HEADERS = "org.apache.hc.client5.http.headers";
    static final String MACHINE_TOKEN = "mt-secret-00112233445566";
    private static final String CLIENT_BEARER = "sk-secret-0123456789abcdef";
    private static final String CLIENT_API_KEY = "sk-ant-secret-fedcba9876543210";
    private static final String CHAT = """
            {"model":"%s","stream":%s,"messages":[{"role":"user","content":"%s"}]}""";
    // before the app boots, so start-up (credential loading, the first model list) is captured too
    private static final LogCapture LOGS = LogCapture.startAtTrace();

    @BeanInject("remoteSimulator")
    RemoteSimulator remote;

    private final SseClient client = new SseClient(18240);

    @AfterAll
    void restoreLogging() {
        LOGS.stop();
    }

    @Test
    void noLogEventAtTraceCarriesACredentialOrAClientKey() throws Exception {
        String[] clientAuth = {"Authorization", "Bearer " + CLIENT_BEARER, "x-api-key", CLIENT_API_KEY};
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("kmodel", false, "plain"), clientAuth)
                .statusCode()).isEqualTo(200);
        assertThat(client.stream("/v1/chat/completions", CHAT.formatted("kmodel", true, "streamed"), clientAuth)
                .status()).isEqualTo(200);
        assertThat(client.stream("/v1/messages", """
                {"model":"kmodel","max_tokens":64,"stream":true,"messages":[{"role":"user","content":"anthropic"}]}""",
                clientAuth).status()).isEqualTo(200);
        // failing attempts: an HTTP error, a reset, a first-byte timeout, then an expired login
        remote.setFault("kmodel", RemoteFault.httpStatus(500, "{\"message\":\"boom\"}"));
        remote.setFault("mmodel", RemoteFault.resetBeforeFirstFrame());
        remote.setFault("dashscope_qwen3_coder", RemoteFault.hangBeforeFirstByte());
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("kmodel", false, "failing"), clientAuth)
                .statusCode()).isEqualTo(200);
        remote.clearFaults();
        remote.setFault("kmodel", RemoteFault.httpStatus(403, "{\"code\":\"105\",\"message\":\"Login expired\"}"));
        assertThat(client.post("/v1/chat/completions", CHAT.formatted("kmodel", true, "expired"), clientAuth)
                .statusCode()).isEqualTo(502);
        remote.clearFaults();
        assertThat(client.get("/v1/models", clientAuth).statusCode()).isEqualTo(200);
        assertThat(client.get("/health", clientAuth).statusCode()).isEqualTo(200);

        List<String> secrets = secrets();
        Pattern signedHeader = Pattern.compile("(?i)cosy-user\\W{1,4}" + remote.defaultAccount().uid()
                + "|Bearer COSY\\.");
        List<String> leaks = new ArrayList<>();
        for (LogCapture.Line line : LOGS.lines()) {
            secrets.stream().filter(line.text()::contains).forEach(s -> leaks.add(s + " in: " + line));
            if (signedHeader.matcher(line.text()).find()) {
                leaks.add("signed header in: " + line);
            }
        }
        assertThat(leaks).isEmpty();
        assertThat(LogManager.getLogger(WIRE).isDebugEnabled()).as("wire logger").isFalse();
        assertThat(LogManager.getLogger(HEADERS).isDebugEnabled()).as("headers logger").isFalse();
        // the capture saw everything: Camel at TRACE, traced exchanges, the remote requests' headers masked at DEBUG
        assertThat(LOGS.lines()).anyMatch(l -> l.logger().startsWith("org.apache.camel")
                && l.level() == org.apache.logging.log4j.Level.TRACE);
        assertThat(LOGS.lines()).anyMatch(l -> l.logger().startsWith("lingma-remote.camel.yaml"));
        String masked = RemoteCredential.mask(remote.defaultAccount().cosyKey());
        assertThat(LOGS.lines()).anyMatch(l -> l.message().contains("Cosy-Key=" + masked));
        assertThat(remote.requests()).hasSizeGreaterThan(4);
    }

    /** The cosy key, the machine id and the 16 characters that decrypt the cache, user info, signatures, keys. */
    private List<String> secrets() {
        RemoteSimulatorAccount account = remote.defaultAccount();
        Set<String> secrets = new LinkedHashSet<>(List.of(account.cosyKey(), account.machineId(),
                account.machineId().substring(0, 16), account.encryptUserInfo(), CLIENT_BEARER, CLIENT_API_KEY, MACHINE_TOKEN));
        for (RecordedRemoteRequest r : remote.requests()) {
            String auth = r.header("Authorization");
            assertThat(auth).startsWith("Bearer COSY.");
            // the Base64 payload (it carries encrypt_user_info) and the MD5 signature
            secrets.addAll(Arrays.asList(auth.substring("Bearer COSY.".length()).split("\\.")));
        }
        return List.copyOf(secrets);
    }
}
