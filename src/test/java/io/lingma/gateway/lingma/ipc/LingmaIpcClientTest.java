package io.lingma.gateway.lingma.ipc;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ModelInfo;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LingmaIpcClientTest extends IpcBackendTestSupport {

    private LingmaIpcClient client(IpcSettings settings) {
        return new LingmaIpcClient(vertx, MAPPER, settings,
                new IpcEndpointDiscovery(settings, MAPPER, tmp, Map.of(), "Linux", pid -> true));
    }

    @Test
    void handshakeRejectedOnRootRetriesOnWsWithTheMachineToken() throws Exception {
        Path info = tmp.resolve("QoderCN/SharedClientCache/.info.json");
        Files.createDirectories(info.getParent().resolve("cache"));
        Files.writeString(info, "{\"websocketPort\":" + peer.port() + "}");
        Files.writeString(info.getParent().resolve("cache/machine_token.json"), "{\"token\":\"s3cret\"}");
        peer.rejectStatus = 401;
        peer.requiredToken = "s3cret";
        client = client(TestSettings.ipc().toBuilder().discoveryFile(info).build());
        client.start();
        await().atMost(5, TimeUnit.SECONDS).until(client::ready);
        assertThat(peer.paths).containsExactly("/", "/ws");
        assertThat(peer.tokens).containsExactly("null", "s3cret");
        assertThat(client.status().toString()).doesNotContain("s3cret");
        assertThat(client.status()).containsEntry("endpoint", "ws://127.0.0.1:" + peer.port() + "/")
                .containsEntry("server_info", Map.of("name", "fake", "version", "0.0.1"));
    }

    @Test
    void extraHandshakeHeadersAreSent() throws Exception {
        client = client(TestSettings.ipc().toBuilder().wsUrl(peer.url())
                .wsHeaders("Cosy-MachineToken: abc; X-Other: 1").build());
        client.ping().get(5, TimeUnit.SECONDS);
        assertThat(peer.tokens).containsExactly("abc");
    }

    @Test
    void modelsAreCachedAndRefreshedAfterAReconnect() throws Exception {
        client = client(TestSettings.ipc().toBuilder().wsUrl(peer.url()).build());
        List<ModelInfo> models = client.models();
        assertThat(models).extracting(ModelInfo::key).containsExactly("dashscope_qwen3_coder", "q35model");
        client.models();
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("config/queryModels").size() >= 1);
        int before = peer.received("config/queryModels").size();
        assertThat(client.models()).isEqualTo(models);
        assertThat(peer.received("config/queryModels")).hasSize(before);

        long generation = client.generation();
        peer.closeConnections();
        await().atMost(10, TimeUnit.SECONDS).until(() -> client.ready() && client.generation() > generation);
        await().atMost(5, TimeUnit.SECONDS).until(() -> peer.received("config/queryModels").size() > before);
        assertThat(peer.received("initialize")).hasSize(2);
    }

    @Test
    void statusListsRejectedCandidatesWithoutSecrets() {
        client = client(TestSettings.ipc().toBuilder().discoveryFile(tmp.resolve("nope.json")).build());
        client.start();
        await().atMost(5, TimeUnit.SECONDS).until(() -> client.status().get("last_error") != null);
        Map<String, Object> status = client.status();
        assertThat(status).containsEntry("transport", "websocket").containsEntry("connected", false)
                .containsEntry("missing_candidates", 1L);
    }
}
