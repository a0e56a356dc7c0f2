package io.lingma.gateway.config;

import org.apache.camel.component.properties.PropertiesComponent;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.main.Main;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** application.properties → environment → command line, later wins. */
class ConfigurationLayeringTest {

    @TempDir
    Path dir;

    @Test
    void environmentBeatsFileAndCommandLineBeatsEnvironment() throws Exception {
        Path file = dir.resolve("application.properties");
        Files.writeString(file, "gateway.backend=ipc\ngateway.http.port=8095\ngateway.default-model=kmodel\n"
                + "gateway.ipc.session-mode=auto\n");
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            PropertiesComponent pc = (PropertiesComponent) ctx.getPropertiesComponent();
            pc.setLocation("file:" + file);
            GatewayCommandLine.layer(pc, Map.of("GATEWAY_BACKEND", "simulator", "GATEWAY_HTTP_PORT", "9000",
                    "LINGMA_PROXY_SESSION_MODE", "fresh"));
            Properties cli = new Properties();
            cli.setProperty("gateway.http.port", "9100");
            pc.setOverrideProperties(cli);
            ctx.start();
            GatewayProperties props = new GatewayProperties(ctx);
            assertThat(props.string("gateway.default-model")).isEqualTo("kmodel");
            assertThat(props.string("gateway.backend")).isEqualTo("simulator");
            assertThat(props.integer("gateway.http.port", 0)).isEqualTo(9100);
            assertThat(props.string("gateway.ipc.session-mode")).isEqualTo("fresh");
        }
    }

    @Test
    void commandLineArgumentsBecomeOverridesAndCamelOptionsStay() {
        Main main = new Main();
        String[] rest = GatewayCommandLine.install(main, new String[]{"--gateway.backend=simulator", "-h",
                "--gateway.http.port=9001"}, Map.of());
        assertThat(rest).containsExactly("-h");
        assertThat(main.getOverrideProperties().getProperty("gateway.backend")).isEqualTo("simulator");
        assertThat(main.getOverrideProperties().getProperty("gateway.http.port")).isEqualTo("9001");
    }

    @Test
    void environmentNames() {
        assertThat(EnvironmentPropertiesSource.environmentName("gateway.ipc.ws-url")).isEqualTo("GATEWAY_IPC_WS_URL");
        EnvironmentPropertiesSource env = new EnvironmentPropertiesSource(Map.of("LINGMA_PROXY_PORT", "7000",
                "CAMEL_MAIN_NAME", "x"));
        assertThat(env.getProperty("gateway.http.port")).isEqualTo("7000");
        assertThat(env.getProperty("camel.main.name")).isNull();
    }

    @Test
    void authSettingsComeFromTheEnvironmentOrTheirCompatibilityNames() {
        EnvironmentPropertiesSource env = new EnvironmentPropertiesSource(Map.of(
                "GATEWAY_AUTH_API_KEYS", "ci:sk-1", "GATEWAY_AUTH_KEYS_FILE", "/run/secrets/keys.yaml",
                "ADMIN_TOKEN", "adm", "METRICS_TOKEN", "met"));
        assertThat(env.getProperty("gateway.auth.api-keys")).isEqualTo("ci:sk-1");
        assertThat(env.getProperty("gateway.auth.keys-file")).isEqualTo("/run/secrets/keys.yaml");
        assertThat(env.getProperty("gateway.auth.admin-token")).isEqualTo("adm");
        assertThat(env.getProperty("gateway.auth.metrics-token")).isEqualTo("met");
        assertThat(new EnvironmentPropertiesSource(Map.of("API_KEYS", "sk-2")).getProperty("gateway.auth.api-keys"))
                .isEqualTo("sk-2");
    }

    @Test
    void typedValues() throws Exception {
        try (DefaultCamelContext ctx = new DefaultCamelContext()) {
            Properties p = new Properties();
            p.setProperty("d", "1500ms");
            p.setProperty("s", "2m");
            p.setProperty("b", "32MB");
            p.setProperty("bool", "yes");
            ctx.getPropertiesComponent().setInitialProperties(p);
            ctx.start();
            GatewayProperties props = new GatewayProperties(ctx);
            assertThat(props.duration("d")).hasMillis(1500);
            assertThat(props.duration("s")).hasSeconds(120);
            assertThat(props.bytes("b", 0, Long.MAX_VALUE)).isEqualTo(32L * 1024 * 1024);
            assertThat(props.bool("bool")).isTrue();
            // no fallback in code: application.properties holds every default
            assertThatThrownBy(() -> props.integer("missing", 0)).isInstanceOf(InvalidSettingException.class)
                    .hasMessage("missing is not set (application.properties lists every setting with its default)");
        }
    }
}
