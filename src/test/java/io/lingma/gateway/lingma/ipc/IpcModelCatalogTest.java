package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.lingma.gateway.chat.ModelInfo;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IpcModelCatalogTest {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    @Test
    void parsesTheSceneGroupedCatalogueGenerically() throws Exception {
        List<ModelInfo> models = IpcModelCatalog.parse(MAPPER.readTree("""
                {"assistant":[{"key":"org_auto","displayName":"Auto"}],
                 "inline":[{"key":"q35model"}],
                 "chat":[
                   {"key":"org_auto","displayName":"Auto","isReasoning":false,"isVl":true},
                   {"modelId":"dashscope_qwen_plus_20250428_thinking","title":"Qwen3-Thinking","isReasoning":true},
                   {"id":"x1","name":"Other","extra":{"key":"nested_model_ignored","label":"n"}}],
                 "developer":[], "quest":{"groups":[{"key":"kmodel","label":"Kimi-K2.6"}]}}"""));
        assertThat(models).extracting(ModelInfo::key).containsExactly("org_auto",
                "dashscope_qwen_plus_20250428_thinking", "x1", "q35model", "kmodel");
        ModelInfo auto = models.get(0);
        assertThat(auto.scenes()).containsExactly("assistant", "chat");
        assertThat(auto.vision()).isTrue();
        assertThat(auto.reasoning()).isFalse();
        assertThat(models.get(1).displayName()).isEqualTo("Qwen3-Thinking");
        assertThat(models.get(1).reasoning()).isTrue();
        assertThat(models.get(3).displayName()).isEqualTo("q35model");
        assertThat(models.get(3).reasoning()).isNull();
        assertThat(models.get(4).scenes()).containsExactly("quest");
    }

    @Test
    void sameDisplayNamePrefersTheChatScene() throws Exception {
        List<ModelInfo> models = IpcModelCatalog.parse(MAPPER.readTree(
                "{\"inline\":[{\"key\":\"a_model\",\"displayName\":\"Same\"}],"
                        + "\"chat\":[{\"key\":\"b_model\",\"displayName\":\"same\"}]}"));
        assertThat(models).hasSize(1);
        assertThat(models.get(0).key()).isEqualTo("b_model");
        assertThat(models.get(0).scenes()).containsExactlyInAnyOrder("chat", "inline");
    }

    @Test
    void emptyOrOddResultsGiveAnEmptyCatalogue() throws Exception {
        assertThat(IpcModelCatalog.parse(null)).isEmpty();
        assertThat(IpcModelCatalog.parse(MAPPER.readTree("null"))).isEmpty();
        assertThat(IpcModelCatalog.parse(MAPPER.readTree("{\"chat\":[{\"id\":\"x\"}]}"))).isEmpty();
    }

    @Test
    void settingsDefaultsAndParsing() {
        IpcSettings d = TestSettings.ipc();
        assertThat(d.handshakeTimeout()).isEqualTo(Duration.ofSeconds(5));
        assertThat(d.turnTimeout()).isEqualTo(Duration.ofSeconds(600));
        assertThat(d.maxFrameBytes()).isEqualTo(64 * 1024 * 1024);
        assertThat(d.cwd().toString().replace('\\', '/')).endsWith(".lingma-gateway/agent-cwd");
        assertThat(d.currentFilePath()).isNull();
        assertThat(d.shellType()).isNotBlank();
        assertThat(d.toBuilder().turnTimeout(Duration.ZERO).build().hasTurnDeadline()).isFalse();
        assertThat(d.toBuilder().wsHeaders("A: 1; bad ;B:two: three").build().wsHeaderMap())
                .containsExactly(java.util.Map.entry("A", "1"), java.util.Map.entry("B", "two: three"));
        assertThat(IpcSettings.SessionMode.parse("Reuse")).isEqualTo(IpcSettings.SessionMode.REUSE);
        assertThat(IpcSettings.PartialOnDisconnect.parse("return-partial"))
                .isEqualTo(IpcSettings.PartialOnDisconnect.RETURN_PARTIAL);
        assertThatThrownBy(() -> IpcSettings.SessionMode.parse("sometimes"))
                .hasMessageContaining("gateway.ipc.session-mode");
        assertThatThrownBy(() -> d.toBuilder().idleTimeout(Duration.ZERO).build())
                .isInstanceOf(IllegalArgumentException.class);
    }
}
