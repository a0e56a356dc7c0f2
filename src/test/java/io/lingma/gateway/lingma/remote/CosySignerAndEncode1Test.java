package io.lingma.gateway.lingma.remote;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** lingma-remote.md §4.1 vectors V1–V3 and §5 vectors E1–E9 plus the negative vector. */
class CosySignerAndEncode1Test {

    private static final String PAYLOAD_B64 = "eyJjb3N5VmVyc2lvbiI6IjIuMTEuMiIsImlkZVZlcnNpb24iOiIiLCJpbmZvIjoic2Vud"
            + "GluZWwtaW5mbyIsInJlcXVlc3RJZCI6ImZpeGVkLXJlcXVlc3QtaWQiLCJ2ZXJzaW9uIjoidjEifQ==";
    private static final String CHAT = "/algo/api/v2/service/pro/sse/agent_chat_generation";

    private final RemoteCredential credential =
            new RemoteCredential("sentinel-key", "sentinel-info", "10001", "0123456789abcdef-x", 0, null, false, "t");
    private final CosySigner signer = new CosySigner("2.11.2",
            Clock.fixed(Instant.ofEpochSecond(1777045062L), ZoneOffset.UTC), () -> "fixed-request-id");

    @Test
    void payloadMatchesTheVector() {
        assertThat(CosySigner.payloadB64("2.11.2", "sentinel-info", "fixed-request-id")).isEqualTo(PAYLOAD_B64);
    }

    @Test
    void v1ModelListGetWithEmptyBody() {
        CosySigner.Signature s = signer.sign(credential, "/algo/api/v2/model/list", new byte[0]);
        assertThat(s.signature()).isEqualTo("6eccf52bdd7cdd5793d237cdd3b0fa41");
        assertThat(s.authorization()).isEqualTo("Bearer COSY." + PAYLOAD_B64 + ".6eccf52bdd7cdd5793d237cdd3b0fa41");
        assertThat(s.cosyDate()).isEqualTo("1777045062");
        assertThat(s.toString()).doesNotContain("COSY.");
    }

    @Test
    void v2ChatPostWithRawJson() {
        CosySigner.Signature s = signer.sign(credential, CHAT + "?FetchKeys=llm_model_result&AgentId=agent_common",
                "{\"stream\":true}".getBytes(StandardCharsets.UTF_8));
        assertThat(s.signature()).isEqualTo("64edf64bd48c2c42f6cb659ed51409a7");
    }

    @Test
    void v3ChatPostWithEncode1BodySignsTheEncodedText() {
        String encoded = Encode1Codec.encode("{\"stream\":true}");
        assertThat(encoded).isEqualTo("CYJSFWKL#Sw*lEmYK^JZ");
        CosySigner.Signature s = signer.sign(credential, CHAT + "?Encode=1",
                encoded.getBytes(StandardCharsets.US_ASCII));
        assertThat(s.signature()).isEqualTo("192f2319cc392a4ee4f2ea7a942e6caa");
    }

    @Test
    void headerSetFollowsSection42AndOverridesReplaceOrRemove() {
        CosySigner.Signature s = signer.sign(credential, "/algo/api/v2/model/list", new byte[0]);
        Map<String, String> headers = signer.headers(credential, s, Map.of("User-Agent", "custom/1",
                "cosy-clientip", ""));
        assertThat(headers).containsEntry("Cosy-Key", "sentinel-key").containsEntry("Cosy-User", "10001")
                .containsEntry("Cosy-Machineid", "0123456789abcdef-x").containsEntry("Cosy-Date", "1777045062")
                .containsEntry("Cosy-Version", "2.11.2").containsEntry("Cosy-Clienttype", "2")
                .containsEntry("Appcode", "cosy").containsEntry("Login-Version", "v2")
                .containsEntry("Accept", "text/event-stream").containsEntry("User-Agent", "custom/1")
                .containsEntry("Cosy-Machinetoken", "").doesNotContainKey("Cosy-Clientip");
        assertThat(headers.keySet()).startsWith("Authorization", "Content-Type", "Appcode", "Cosy-Date");
        assertThat(headers.get("Cosy-Machineos")).matches("(x86_64|arm64)_(linux|darwin|windows)");
    }

    @Test
    void sigPathStripsAlgoAndQuery() {
        assertThat(CosySigner.sigPath("/algo/api/v2/model/list")).isEqualTo("/api/v2/model/list");
        assertThat(CosySigner.sigPath(CHAT + "?Encode=1")).isEqualTo("/api/v2/service/pro/sse/agent_chat_generation");
        assertThat(CosySigner.machineOs("Mac OS X", "aarch64")).isEqualTo("arm64_darwin");
        assertThat(CosySigner.machineOs("Windows 11", "amd64")).isEqualTo("x86_64_windows");
    }

    @ParameterizedTest(name = "{0}: {1}")
    // the lingma-remote.md §5 table E1–E9, shared with the simulator's decoder test
    @CsvFileSource(resources = "/spec-vectors/encode1.csv", delimiter = '|', quoteCharacter = '`', numLinesToSkip = 1)
    void encode1GoldenVectors(String id, String input, String encoded) {
        assertThat(Encode1Codec.encode(input)).isEqualTo(encoded);
        assertThat(new String(Encode1Codec.decode(encoded), StandardCharsets.UTF_8)).isEqualTo(input);
    }

    @Test
    void encode1NegativeVectorOtherVariantDoesNotDecodeToHello() {
        String decoded;
        try {
            decoded = new String(Encode1Codec.decode("q$ruHPHF"), StandardCharsets.UTF_8);
        } catch (IllegalArgumentException e) {
            decoded = null;
        }
        assertThat(decoded).isNotEqualTo("hello");
    }

    @Test
    void encode1RejectsForeignCharacters() {
        assertThatThrownBy(() -> Encode1Codec.decode("abc~")).isInstanceOf(IllegalArgumentException.class);
    }
}
