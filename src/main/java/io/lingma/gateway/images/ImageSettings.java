package io.lingma.gateway.images;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * Settings of image loading and normalisation (client-api.md §9.6, keys in §15). Immutable; build it once from the
 * {@code gateway.images.*} properties. The first four components are the §15 keys; the others are the fixed guard
 * and resize values of §9.6, exposed under proposed keys so tests and operators can tune them.
 *
 * @param allowLocalFiles   {@code gateway.images.allow-local-files}, default false: {@code file://}, {@code ~/} and
 *                          absolute paths are read from disk only when true
 * @param localDirs         {@code gateway.images.local-dirs}, comma-separated, default empty: a local file is read
 *                          only when its real path (symlinks and {@code ..} resolved) is inside one of these
 *                          directories; empty means no local file is readable even when allowed
 * @param allowPrivateHosts {@code gateway.images.allow-private-hosts}, default false: when false, http(s) hosts that
 *                          resolve to loopback, private, link-local, unique-local, unspecified or multicast addresses
 *                          are refused, on every redirect hop
 * @param onError           {@code gateway.images.on-error}, default {@link OnError#REJECT}: what a failed load does
 * @param fetchTimeout      {@code gateway.images.fetch-timeout}, default 10 s: connect timeout and socket read
 *                          timeout (longest silence between bytes) of an http(s) fetch
 * @param maxBytes          {@code gateway.images.max-bytes}, default 20 MiB: largest image body (http or file), bytes
 * @param maxRedirects      {@code gateway.images.max-redirects}, default 3: redirects followed per http(s) image
 * @param resizeAboveBytes  {@code gateway.images.resize-above-bytes}, default 2 MiB: images larger than this many
 *                          bytes are re-encoded
 * @param maxSide           {@code gateway.images.max-side}, default 1568: images with a side longer than this many
 *                          pixels are scaled to this longest side
 * @param jpegQuality       {@code gateway.images.jpeg-quality}, default 85: JPEG quality (1..100) of re-encoded images
 */
public record ImageSettings(boolean allowLocalFiles, List<Path> localDirs, boolean allowPrivateHosts, OnError onError,
                            Duration fetchTimeout, long maxBytes, int maxRedirects, long resizeAboveBytes,
                            int maxSide, int jpegQuality) {

    /** What a failed image load does ({@code gateway.images.on-error}, client-api.md §9.6). */
    public enum OnError {
        /** 400 {@code could not load image: <reason>} (the default). */
        REJECT,
        /** The image is removed from its message and a warning is logged (LP behaviour). */
        DROP
    }

    /**
     * Validates the limits.
     *
     * @throws IllegalArgumentException when the fetch timeout is not positive, a byte/pixel/redirect limit is out of
     *                                  range or the quality is not 1..100
     */
    public ImageSettings {
        localDirs = localDirs == null ? List.of() : List.copyOf(localDirs);
        java.util.Objects.requireNonNull(onError, "onError");
        if (fetchTimeout == null || fetchTimeout.isNegative() || fetchTimeout.isZero() || maxBytes <= 0
                || maxRedirects < 0 || resizeAboveBytes <= 0 || maxSide <= 0 || jpegQuality < 1 || jpegQuality > 100) {
            throw new IllegalArgumentException("invalid gateway.images.* limits");
        }
    }

    /**
     * Parses {@code gateway.images.local-dirs}: comma-separated directories, entries trimmed, blanks dropped, a
     * leading {@code ~/} expanded to the user's home.
     *
     * @param value the property value, may be null
     * @return the directories as absolute paths in order (empty = none)
     */
    public static List<Path> parseLocalDirs(String value) {
        if (value == null) {
            return List.of();
        }
        return Arrays.stream(value.split(",")).map(String::trim).filter(s -> !s.isEmpty())
                .map(s -> expandHome(s).toAbsolutePath().normalize()).toList();
    }

    static Path expandHome(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            return Path.of(System.getProperty("user.home"), path.substring(1).replaceFirst("^/", ""));
        }
        return Path.of(path);
    }
}
