package io.lingma.gateway.simulator.remote;

import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvFileSource;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The remote simulator's own wire readings: Encode=1 decoding (lingma-remote.md §5 vectors), the plugin-cache cipher
 * (§3.3 vector) and the model-list keys (§6.1, §11.3).
 */
class RemoteWireCodecsTest {

    @ParameterizedTest(name = "{0}")
    @CsvFileSource(resources = "/spec-vectors/encode1.csv", delimiter = '|', quoteCharacter = '`', numLinesToSkip = 1)
    void encode1GoldenVectorsDecode(String name, String input, String encoded) {
        assertThat(new String(Encode1Body.decode(encoded), StandardCharsets.UTF_8)).isEqualTo(input);
    }

    @Test
    void encode1RejectsTheWrongVariantAndForeignCharacters() {
        // §5 negative vector: the padding-free variant's "hello" must not come out as "hello"
        assertThat(decoded("q$ruHPHF")).isNotEqualTo(Optional.of("hello"));
        assertThatThrownBy(() -> Encode1Body.decode("{\"stream\":true}")).isInstanceOf(IllegalArgumentException.class);
        assertThat(Encode1Body.decode("")).isEmpty();
    }

    private static Optional<String> decoded(String encoded) {
        try {
            return Optional.of(new String(Encode1Body.decode(encoded), StandardCharsets.UTF_8));
        } catch (IllegalArgumentException e) {
            return Optional.empty();
        }
    }

    @Test
    void cacheUserEncryptionMatchesTheSpecVector() {
        String plain = "{\"uid\":\"10001\",\"name\":\"demo\",\"key\":\"DEMO_COSY_KEY\","
                + "\"encrypt_user_info\":\"DEMO_INFO\",\"expire_time\":1893456000000}";
        String user = "X8tijYCF5ksiDWaB126UIrtav3uel7uuYbIjgcjjiGGUjnPN2s3duTqgwUu5sDVgj5vWSVbjpfDmnaJDKXHNI+IKbiZ9"
                + "iy0w+N2RiuEtdfbiNyOpwwhLOjQ5pxTKkqHf1FjZ805vywrcU5cJhhYrCA==";
        assertThat(PluginCache.encryptUser(plain, "0123456789abcdef-demo-machine-id")).isEqualTo(user);
        assertThatThrownBy(() -> PluginCache.encryptUser(plain, "short")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void catalogueKeysCoverEverySceneAndTheWrappedForm() {
        assertThat(CatalogueKeys.of(RemoteSimulator.DEFAULT_MODEL_LIST)).hasValueSatisfying(keys -> assertThat(keys)
                .contains("kmodel", "mmodel", "org_auto", "dashscope_qwen_plus_20250428_thinking").hasSize(7));
        String scenes = "{\"chat\":[{\"key\":\" a \"},{\"key\":\"\"},{\"display_name\":\"no key\"}],"
                + "\"inline\":[{\"key\":\"a\"},{\"key\":\"off\",\"enable\":false}],\"developer\":[{\"key\":\"d\"}],"
                + "\"note\":\"x\"}";
        assertThat(CatalogueKeys.of(scenes)).hasValue(Set.of("a", "off", "d"));
        String wrapped = "{\"statusCodeValue\":200,\"body\":" + new ObjectMapper()
                .getNodeFactory().textNode(scenes) + "}";
        assertThat(CatalogueKeys.of(wrapped)).hasValue(Set.of("a", "off", "d"));
        assertThat(CatalogueKeys.of("{\"body\":{\"chat\":[{\"key\":\"k\"}]}}")).hasValue(Set.of("k"));
        assertThat(CatalogueKeys.of("{}")).hasValue(Set.of());
    }

    @Test
    void unreadableCataloguesHaveNoKeys() {
        assertThat(CatalogueKeys.of("<Error/>")).isEmpty();
        assertThat(CatalogueKeys.of("[]")).isEmpty();
        assertThat(CatalogueKeys.of("{\"statusCodeValue\":500,\"body\":\"{}\"}")).isEmpty();
        assertThat(CatalogueKeys.of("{\"statusCodeValue\":200,\"body\":\"nope\"}")).isEmpty();
    }
}
