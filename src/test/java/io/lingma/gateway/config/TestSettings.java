package io.lingma.gateway.config;

import io.lingma.gateway.api.ApiSettings;
import io.lingma.gateway.images.ImageSettings;
import io.lingma.gateway.lingma.ipc.IpcSettings;
import io.lingma.gateway.lingma.remote.RemoteSettings;
import io.lingma.gateway.tools.ToolSettings;

import java.io.IOException;
import java.io.Reader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Properties;

/**
 * Settings records at the defaults of application.properties (the one place they live), for tests that build
 * components without booting the gateway; vary them with the records' builders and {@code with…} methods.
 */
public final class TestSettings {

    private TestSettings() {
    }

    /**
     * @param overrides keys replacing application.properties values
     * @return gateway properties over application.properties plus {@code overrides}
     */
    public static GatewayProperties properties(Map<String, String> overrides) {
        Properties p = new Properties();
        try (Reader in = Files.newBufferedReader(Path.of("application.properties"), StandardCharsets.UTF_8)) {
            p.load(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        p.putAll(overrides);
        return new GatewayProperties(p);
    }

    /** @return the IPC settings of application.properties */
    public static IpcSettings ipc() {
        return IpcSettingsFactory.from(properties(Map.of()), null);
    }

    /** @return the remote settings of application.properties */
    public static RemoteSettings remote() {
        return RemoteSettingsFactory.from(properties(Map.of()), null, null, null);
    }

    /** @return the tool-emulation settings of application.properties */
    public static ToolSettings tools() {
        return ToolSettingsFactory.from(properties(Map.of()));
    }

    /** @return the image settings of application.properties */
    public static ImageSettings images() {
        return ImageSettingsFactory.from(properties(Map.of()));
    }

    /** @return the client-API settings of application.properties */
    public static ApiSettings api() {
        return ApiSettingsFactory.from(properties(Map.of()));
    }
}
