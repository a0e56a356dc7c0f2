package io.lingma.gateway.config;

import io.lingma.gateway.images.ImageSettings;

import java.time.Duration;

/** Reads {@link ImageSettings} from the {@code gateway.images.*} properties (client-api.md §9.6, §15). */
final class ImageSettingsFactory {

    private ImageSettingsFactory() {
    }

    /**
     * @param props the gateway properties
     * @return the image settings
     * @throws IllegalArgumentException for invalid values (fatal at start)
     */
    static ImageSettings from(GatewayProperties props) {
        return new ImageSettings(props.bool("gateway.images.allow-local-files", false),
                ImageSettings.parseLocalDirs(props.string("gateway.images.local-dirs", "")),
                props.bool("gateway.images.allow-private-hosts", false),
                ImageSettings.OnError.parse(props.string("gateway.images.on-error", "reject")),
                props.duration("gateway.images.fetch-timeout", Duration.ofSeconds(10)),
                props.bytes("gateway.images.max-bytes", 20L << 20),
                props.integer("gateway.images.max-redirects", 3),
                props.bytes("gateway.images.resize-above-bytes", 2L << 20),
                props.integer("gateway.images.max-side", 1568),
                props.integer("gateway.images.jpeg-quality", 85));
    }
}
