package io.lingma.gateway.auth;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Parsing of {@code gateway.auth.api-keys} and the keys file, lookups, and reloading (issue 9 §1). */
class ApiKeyStoreTest {

    @TempDir
    Path dir;

    @Test
    void listEntriesAreKeysOrNameColonKeySeparatedByCommasOrNewlines() {
        ApiKeyStore store = new ApiKeyStore(" sk-one , ci:sk-two\nops:sk:with:colons,, ", null, 0);
        assertThat(store.configured()).isTrue();
        assertThat(store.names()).containsExactly("key-" + ApiKeyStore.sha256Hex("sk-one").substring(0, 8), "ci",
                "ops");
        assertThat(store.find("sk-one").name()).startsWith("key-");
        assertThat(store.find("sk-two").name()).isEqualTo("ci");
        assertThat(store.find("sk:with:colons").name()).isEqualTo("ops");
        assertThat(store.find("sk-three")).isNull();
        assertThat(store.find(null)).isNull();
        assertThat(store.find("  ")).isNull();
        assertThat(store.find("ci:sk-two")).isNull();
    }

    @Test
    void nothingConfiguredMeansAnonymousButAnEmptyKeysFileDoesNot() throws Exception {
        assertThat(new ApiKeyStore("", null, 0).configured()).isFalse();
        Path empty = Files.writeString(dir.resolve("keys.yaml"), "");
        ApiKeyStore store = new ApiKeyStore("", empty, 0);
        assertThat(store.configured()).isTrue();
        assertThat(store.find("")).isNull();
        assertThat(store.find("anything")).isNull();
    }

    @Test
    void jsonAndYamlFilesTakePlainKeysOrTheirSha256ModelsAndRates() throws Exception {
        Path json = Files.writeString(dir.resolve("keys.json"), """
                {"keys":[{"name":"a","key":"sk-a"},
                         {"name":"b","sha256":"%s","models":["kmodel","dashscope_*"],"requests-per-minute":30}]}
                """.formatted(ApiKeyStore.sha256Hex("sk-b").toUpperCase()));
        ApiKeyStore fromJson = new ApiKeyStore("", json, 7);
        assertThat(fromJson.find("sk-a")).satisfies(k -> {
            assertThat(k.name()).isEqualTo("a");
            assertThat(k.models()).isEmpty();
            assertThat(k.requestsPerMinute()).isEqualTo(7);
        });
        assertThat(fromJson.find("sk-b")).satisfies(k -> {
            assertThat(k.models()).containsExactly("kmodel", "dashscope_*");
            assertThat(k.requestsPerMinute()).isEqualTo(30);
        });
        Path yaml = Files.writeString(dir.resolve("keys.yml"), """
                - name: c
                  key: sk-c
                  models: kmodel, mmodel
                """);
        ApiKeyStore fromYaml = new ApiKeyStore("listed:sk-l", yaml, 0);
        assertThat(fromYaml.names()).containsExactly("listed", "c");
        assertThat(fromYaml.find("sk-c").models()).containsExactly("kmodel", "mmodel");
    }

    @Test
    void invalidEntriesAreFatalAndTheMessageNeverQuotesAKey() throws Exception {
        List<String> bad = List.of(
                "keys:\n  - name: x\n",
                "keys:\n  - name: x\n    key: sk-secret-1\n    sha256: " + "a".repeat(64) + "\n",
                "keys:\n  - name: x\n    sha256: sk-secret-1\n",
                "keys:\n  - name: x y\n    key: sk-secret-1\n",
                "keys:\n  - name: x\n    key: sk-secret-1\n    model: [kmodel]\n",
                "keys:\n  - name: x\n    key: sk-secret-1\n    models: []\n",
                "keys:\n  - name: x\n    key: sk-secret-1\n    requests-per-minute: -1\n",
                "keys:\n  - name: x\n    key: sk-secret-1\n  - name: x\n    key: sk-secret-2\n",
                "keys: {name: x, key: sk-secret-1}\n",
                "keys:\n  - name: x\n    key: [sk-secret-1\n",
                "{\"keys\": [{\"name\": \"x\", \"key\": sk-secret-1}]}\n");
        for (String content : bad) {
            // the last one is valid YAML (a plain scalar) but not JSON
            Path file = Files.writeString(dir.resolve(content.startsWith("{") ? "bad.json" : "bad.yaml"), content);
            assertThatThrownBy(() -> new ApiKeyStore("", file, 0)).as(content)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("gateway.auth.keys-file")
                    .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-secret"));
        }
        assertThatThrownBy(() -> new ApiKeyStore("", dir.resolve("missing.yaml"), 0))
                .hasMessageContaining("does not exist");
        assertThatThrownBy(() -> new ApiKeyStore("a:sk-secret-1,a:sk-secret-2", null, 0))
                .hasMessageContaining("'a' is used twice").satisfies(e -> assertThat(e.getMessage())
                        .doesNotContain("sk-secret"));
        assertThatThrownBy(() -> new ApiKeyStore("bad name:sk-secret-1", null, 0))
                .satisfies(e -> assertThat(e.getMessage()).doesNotContain("sk-secret"));
    }

    @Test
    void aChangedFileIsTakenAndAnInvalidOneKeepsTheKeysInForce() throws Exception {
        Path file = Files.writeString(dir.resolve("keys.yaml"), "- name: a\n  key: sk-a\n");
        ApiKeyStore store = new ApiKeyStore("l:sk-l", file, 0);
        assertThat(store.reload()).isFalse();
        Files.writeString(file, "- name: b\n  key: sk-b\n");
        assertThat(store.reload()).isTrue();
        assertThat(store.find("sk-a")).isNull();
        assertThat(store.find("sk-b").name()).isEqualTo("b");
        assertThat(store.find("sk-l").name()).isEqualTo("l");
        Files.writeString(file, "- name: b\n  key: [broken\n");
        assertThatThrownBy(store::reload).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find("sk-b").name()).isEqualTo("b");
        Files.delete(file);
        assertThatThrownBy(store::reload).isInstanceOf(IllegalArgumentException.class);
        assertThat(store.find("sk-b").name()).isEqualTo("b");
    }
}
