package io.lingma.gateway.simulator.remote;

import io.lingma.gateway.simulator.remote.RecordedRemoteRequest.AuthVerdict;
import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The simulator's COSY checks against the lingma-remote.md §4.1 vectors V1–V3 and the §11.2 check order. */
class CosyVerifierTest {

    /** §4.1: payload JSON {@code {"cosyVersion":"2.11.2","ideVersion":"","info":"sentinel-info",…}} in Base64. */
    private static final String PAYLOAD_B64 = "eyJjb3N5VmVyc2lvbiI6IjIuMTEuMiIsImlkZVZlcnNpb24iOiIiLCJpbmZvIjoic2V"
            + "udGluZWwtaW5mbyIsInJlcXVlc3RJZCI6ImZpeGVkLXJlcXVlc3QtaWQiLCJ2ZXJzaW9uIjoidjEifQ==";
    private static final String KEY = "sentinel-key";
    private static final String DATE = "1777045062";
    private static final String LIST = "/algo/api/v2/model/list";
    private static final String CHAT = "/algo/api/v2/service/pro/sse/agent_chat_generation";
    private static final String V1 = "6eccf52bdd7cdd5793d237cdd3b0fa41";
    private static final String V2 = "64edf64bd48c2c42f6cb659ed51409a7";
    private static final String V3 = "192f2319cc392a4ee4f2ea7a942e6caa";
    private static final RemoteSimulatorAccount SENTINEL = new RemoteSimulatorAccount("10001", KEY, "sentinel-info",
            "0123456789abcdef-machine", null, false);

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static CosyVerifier verifier(RemoteSimulatorOptions options, RemoteSimulatorAccount account) {
        Map<String, RemoteSimulatorAccount> accounts = Map.of(account.encryptUserInfo(), account);
        return new CosyVerifier(options.withClock(Clock.fixed(Instant.ofEpochSecond(Long.parseLong(DATE)),
                ZoneOffset.UTC)), accounts::get);
    }

    private static MultiMap headers(String signature) {
        return MultiMap.caseInsensitiveMultiMap().add("authorization", "Bearer COSY." + PAYLOAD_B64 + "." + signature)
                .add("cosy-key", KEY).add("Cosy-Date", DATE).add("COSY-USER", "10001")
                .add("Cosy-MachineId", "0123456789abcdef-machine");
    }

    @Test
    void signaturesMatchTheSpecVectors() {
        assertThat(CosyVerifier.signature(PAYLOAD_B64, KEY, DATE, new byte[0], LIST)).isEqualTo(V1);
        assertThat(CosyVerifier.signature(PAYLOAD_B64, KEY, DATE, utf8("{\"stream\":true}"), CHAT)).isEqualTo(V2);
        assertThat(CosyVerifier.signature(PAYLOAD_B64, KEY, DATE, utf8("CYJSFWKL#Sw*lEmYK^JZ"), CHAT)).isEqualTo(V3);
    }

    @Test
    void theVectorRequestsPassEveryCheck() {
        CosyVerifier verifier = verifier(RemoteSimulatorOptions.defaults(), SENTINEL);
        assertThat(verifier.verify(headers(V1), LIST, new byte[0]))
                .isEqualTo(new CosyVerifier.Result(AuthVerdict.OK, SENTINEL));
        assertThat(verifier.verify(headers(V2), CHAT, utf8("{\"stream\":true}")).verdict()).isEqualTo(AuthVerdict.OK);
        assertThat(verifier.verify(headers(V3), CHAT, utf8("CYJSFWKL#Sw*lEmYK^JZ")).verdict())
                .isEqualTo(AuthVerdict.OK);
    }

    @Test
    void eachCheckHasItsVerdict() {
        CosyVerifier verifier = verifier(RemoteSimulatorOptions.defaults(), SENTINEL);
        assertThat(verifier.verify(headers(V1).remove("Authorization"), LIST, new byte[0]).verdict())
                .isEqualTo(AuthVerdict.MALFORMED);
        assertThat(verifier.verify(headers(V1.toUpperCase()), LIST, new byte[0]).verdict())
                .isEqualTo(AuthVerdict.MALFORMED);
        assertThat(verifier.verify(headers(V1), CHAT, new byte[0]).verdict())
                .isEqualTo(AuthVerdict.SIGNATURE_INVALID);
        assertThat(verifier.verify(headers(V2), CHAT, utf8("{\"stream\": true}")).verdict())
                .isEqualTo(AuthVerdict.SIGNATURE_INVALID);
        assertThat(verifier.verify(headers(V1).set("Cosy-Key", "other"), LIST, new byte[0]).verdict())
                .isEqualTo(AuthVerdict.HEADER_MISMATCH);
        assertThat(verifier.verify(headers(V1).set("Cosy-User", "2"), LIST, new byte[0]).verdict())
                .isEqualTo(AuthVerdict.HEADER_MISMATCH);
        assertThat(verifier(RemoteSimulatorOptions.defaults(), SENTINEL.withExpired(true))
                .verify(headers(V1), LIST, new byte[0]).verdict()).isEqualTo(AuthVerdict.LOGIN_EXPIRED);
        RemoteSimulatorAccount stranger = new RemoteSimulatorAccount("1", KEY, "other-info", "m", null, false);
        assertThat(verifier(RemoteSimulatorOptions.defaults(), stranger).verify(headers(V1), LIST, new byte[0]))
                .isEqualTo(new CosyVerifier.Result(AuthVerdict.LOGIN_EXPIRED, null));
    }

    @Test
    void skewAndReplayChecks() {
        RemoteSimulatorOptions tight = RemoteSimulatorOptions.defaults().withSkewWindow(Duration.ofSeconds(30));
        Clock later = Clock.fixed(Instant.ofEpochSecond(Long.parseLong(DATE) + 31), ZoneOffset.UTC);
        CosyVerifier late = new CosyVerifier(tight.withClock(later), Map.of("sentinel-info", SENTINEL)::get);
        assertThat(late.verify(headers(V1), LIST, new byte[0]).verdict()).isEqualTo(AuthVerdict.CLOCK_SKEW);
        CosyVerifier replay = verifier(RemoteSimulatorOptions.defaults().withRejectReplay(true), SENTINEL);
        assertThat(replay.verify(headers(V1), LIST, new byte[0]).verdict()).isEqualTo(AuthVerdict.OK);
        assertThat(replay.verify(headers(V1), LIST, new byte[0]).verdict()).isEqualTo(AuthVerdict.REPLAY);
    }
}
