package io.lingma.gateway.config;

import io.lingma.gateway.lingma.ipc.IpcSettings;
import io.lingma.gateway.lingma.remote.RemoteSettings;
import org.apache.camel.impl.DefaultCamelContext;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;

/** Each documented setting reaches the settings record it configures (issue 8 §2: no key is silently ignored). */
class SettingsFactoryTest {

    @Test
    void remoteBusyRetryDelay() throws Exception {
        assertThat(remote(Map.of()).busyRetryDelay()).isEqualTo(Duration.ofSeconds(2));
        assertThat(remote(Map.of("gateway.remote.busy-retry-delay", "750ms")).busyRetryDelay())
                .isEqualTo(Duration.ofMillis(750));
    }

    @Test
    void remoteMaxSseLine() throws Exception {
        assertThat(remote(Map.of()).maxSseLine()).isEqualTo(16 * 1024 * 1024);
        assertThat(remote(Map.of("gateway.remote.max-sse-line", "65536")).maxSseLine()).isEqualTo(65536);
    }

    @Test
    void remoteDefaultTemperature() throws Exception {
        assertThat(remote(Map.of()).defaultTemperature()).isEqualTo(0.1);
        assertThat(remote(Map.of("gateway.remote.default-temperature", "0.7")).defaultTemperature()).isEqualTo(0.7);
    }

    @Test
    void remoteExpiryMargin() throws Exception {
        assertThat(remote(Map.of()).expiryMargin()).isEqualTo(Duration.ofSeconds(60));
        assertThat(remote(Map.of("gateway.remote.expiry-margin", "5m")).expiryMargin()).isEqualTo(Duration.ofMinutes(5));
    }

    @Test
    void remoteBaseUrlStateFile() throws Exception {
        assertThat(remote(Map.of()).baseUrlStateFile()).isNull();
        assertThat(remote(Map.of("gateway.remote.base-url-state-file", "target/state/url.json")).baseUrlStateFile())
                .isEqualTo(Path.of("target/state/url.json"));
    }

    @Test
    void remoteHeaders() throws Exception {
        assertThat(remote(Map.of()).headers()).isEmpty();
        assertThat(remote(Map.of("gateway.remote.headers.User-Agent", "lingma-tap/1",
                "gateway.remote.headers.Cosy-Clienttype", "")).headers())
                .containsExactly(Map.entry("Cosy-Clienttype", ""), Map.entry("User-Agent", "lingma-tap/1"));
    }

    @Test
    void ipcTurnQueueSize() throws Exception {
        assertThat(ipc(Map.of()).turnQueueSize()).isEqualTo(4096);
        assertThat(ipc(Map.of("gateway.ipc.turn-queue-size", "128")).turnQueueSize()).isEqualTo(128);
    }

    @Test
    void ipcRetryRequestIdPrefix() throws Exception {
        assertThat(ipc(Map.of()).retryRequestIdPrefix()).isEqualTo("gw-retry");
        assertThat(ipc(Map.of("gateway.ipc.retry-request-id-prefix", "serve-tool")).retryRequestIdPrefix())
                .isEqualTo("serve-tool");
    }

    private static IpcSettings ipc(Map<String, String> overrides) throws Exception {
        return withProperties(overrides, props -> IpcSettingsFactory.from(props, null));
    }

    private static RemoteSettings remote(Map<String, String> overrides) throws Exception {
        return withProperties(overrides, props -> RemoteSettingsFactory.from(props, null, null, null));
    }

    /** Boots no routes: only Camel's properties component over application.properties plus {@code overrides}. */
    static <T> T withProperties(Map<String, String> overrides,
                                java.util.function.Function<GatewayProperties, T> read) throws Exception {
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            ctx.getPropertiesComponent().setLocation("file:" + Path.of("application.properties").toAbsolutePath());
            Properties cli = new Properties();
            cli.putAll(overrides);
            ctx.getPropertiesComponent().setOverrideProperties(cli);
            ctx.start();
            return read.apply(new GatewayProperties(ctx));
        }
    }
}
