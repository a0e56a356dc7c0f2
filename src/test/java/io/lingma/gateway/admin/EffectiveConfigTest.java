package io.lingma.gateway.admin;

import io.lingma.gateway.chat.ChatBackend;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ModelInfo;
import io.lingma.gateway.chat.ResolvedModel;
import io.lingma.gateway.chat.UpstreamTurn;
import io.lingma.gateway.config.GatewayCommandLine;
import io.lingma.gateway.service.ModelCatalog;
import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Where each setting of {@code /internal/effective-config} came from, and which values are masked. */
class EffectiveConfigTest {

    @TempDir
    Path dir;

    @Test
    void eachLayerIsNamedAndSecretsAreMasked() throws Exception {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, """
                gateway.concurrency.max-queued=64
                gateway.http.port=9999
                gateway.backend=ipc
                gateway.ipc.mode=agent
                gateway.remote.cosy-key=cosy-file-secret
                gateway.ipc.ws-headers=Cookie: c=1
                gateway.auth.admin-token=
                gateway.tokens.exact-count-chars=1048576
                gateway.auth.keys-file=/run/keys.yaml
                gateway.default-model=kmodel
                camel.main.additional-sensitive-keywords=specialthing
                gateway.x.specialthing=hidden
                """);
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            PropertiesComponent pc = (PropertiesComponent) ctx.getPropertiesComponent();
            pc.setLocation("file:" + file);
            GatewayCommandLine.layer(pc, Map.of("GATEWAY_BACKEND", "simulator"));
            Properties cli = new Properties();
            cli.setProperty("gateway.ipc.mode", "chat");
            pc.setOverrideProperties(cli);
            ctx.start();
            ModelCatalog catalog = new ModelCatalog(new NoBackend(), "kmodel", ModelCatalog.UnknownPolicy.MAP_DEFAULT,
                    true, Map.of());
            @SuppressWarnings("unchecked")
            Map<String, Map<String, Object>> settings = (Map<String, Map<String, Object>>)
                    new EffectiveConfig(ctx, catalog).document().get("settings");
            assertThat(settings.get("gateway.concurrency.max-queued")).containsEntry("value", "64")
                    .containsEntry("source", "default");
            assertThat(settings.get("gateway.http.port")).containsEntry("value", "9999")
                    .containsEntry("source", "file");
            assertThat(settings.get("gateway.backend")).containsEntry("value", "simulator")
                    .containsEntry("source", "env");
            assertThat(settings.get("gateway.ipc.mode")).containsEntry("value", "chat")
                    .containsEntry("source", "command-line");
            assertThat(settings.get("gateway.remote.cosy-key")).containsEntry("value", EffectiveConfig.MASK);
            assertThat(settings.get("gateway.ipc.ws-headers")).containsEntry("value", EffectiveConfig.MASK);
            assertThat(settings.get("gateway.x.specialthing")).containsEntry("value", EffectiveConfig.MASK);
            assertThat(settings.get("gateway.auth.admin-token")).containsEntry("value", "");
            assertThat(settings.get("gateway.tokens.exact-count-chars")).containsEntry("value", "1048576");
            assertThat(settings.get("gateway.auth.keys-file")).containsEntry("value", "/run/keys.yaml");
            assertThat(settings.toString()).doesNotContain("cosy-file-secret", "c=1", "hidden");
        }
    }

    /** A backend with no models and no turns: the catalogue is only asked for its default. */
    private static final class NoBackend implements ChatBackend {
        @Override
        public String name() {
            return "none";
        }

        @Override
        public UpstreamTurn open(ChatTurn turn, ResolvedModel model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public List<ModelInfo> models() {
            return List.of();
        }

        @Override
        public boolean ready() {
            return false;
        }

        @Override
        public Map<String, Object> status() {
            return Map.of();
        }
    }
}
