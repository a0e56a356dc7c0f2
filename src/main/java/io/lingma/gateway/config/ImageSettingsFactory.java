package io.lingma.gateway.config;

import io.lingma.gateway.images.ImageSettings;

/** Reads {@link ImageSettings} from the {@code gateway.images.*} properties (client-api.md §9.6, §15). */
final class ImageSettingsFactory {

    private ImageSettingsFactory() {
    }

    /**
     * @param props the gateway properties (defaults: application.properties)
     * @return the image settings
     * @throws InvalidSettingException for a missing or invalid value (fatal at start)
     */
    static ImageSettings from(GatewayProperties props) {
        return new ImageSettings(props.bool("gateway.images.allow-local-files"),
                ImageSettings.parseLocalDirs(props.string("gateway.images.local-dirs")),
                props.bool("gateway.images.allow-private-hosts"),
                props.enumValue("gateway.images.on-error", ImageSettings.OnError.class),
                props.positiveDuration("gateway.images.fetch-timeout"),
                props.bytes("gateway.images.max-bytes", 1, Long.MAX_VALUE),
                props.integer("gateway.images.max-redirects", 0),
                props.bytes("gateway.images.resize-above-bytes", 1, Long.MAX_VALUE),
                props.integer("gateway.images.max-side", 1),
                props.integer("gateway.images.jpeg-quality", 1, 100));
    }
}
