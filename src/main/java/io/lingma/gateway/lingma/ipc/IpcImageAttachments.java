package io.lingma.gateway.lingma.ipc;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.lingma.gateway.chat.ImageInput;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * Images of one IPC turn (lingma-ipc.md §5.4; client-api.md §9.6 "IPC delivery"): each image is written to a temp
 * file {@code lingma-img-*.<ext>} and sent as a prompt block
 * {@code {type:"image", mimeType, uri:"<scheme>:///agent/file?path=<URL-encoded absolute path>", data}} that is
 * repeated in {@code contextParams}; the first original http(s) URL goes to {@code extra.imageUrl}. The files are
 * deleted when the turn ends ({@link #deleteFiles()}).
 */
final class IpcImageAttachments {

    private static final Logger LOG = LoggerFactory.getLogger(IpcImageAttachments.class);

    private record Item(ImageInput image, Path file) {
    }

    private final List<Item> items;
    private final String imageUrl;

    private IpcImageAttachments(List<Item> items, String imageUrl) {
        this.items = items;
        this.imageUrl = imageUrl;
    }

    /** @return attachments without images */
    static IpcImageAttachments none() {
        return new IpcImageAttachments(List.of(), null);
    }

    /**
     * Writes the temp files. Blocking: call off the event loop.
     *
     * @param images the images of the newest image-bearing user message
     * @param dir    directory for the temp files (the JVM temp dir when null)
     * @return the attachments
     * @throws IOException when a file cannot be written (files written so far are deleted)
     */
    static IpcImageAttachments write(List<ImageInput> images, Path dir) throws IOException {
        List<Item> items = new ArrayList<>();
        String url = null;
        try {
            for (ImageInput image : images) {
                if (url == null && image.url() != null && image.url().matches("(?i)^https?://.*")) {
                    url = image.url();
                }
                if (image.base64Data() == null || image.base64Data().isEmpty()) {
                    continue;
                }
                byte[] bytes = Base64.getMimeDecoder().decode(image.base64Data());
                Path file = dir == null ? Files.createTempFile("lingma-img-", "." + extension(image.mediaType()))
                        : Files.createTempFile(dir, "lingma-img-", "." + extension(image.mediaType()));
                items.add(new Item(image, file));
                Files.write(file, bytes);
            }
        } catch (IOException | IllegalArgumentException e) {
            new IpcImageAttachments(items, null).deleteFiles();
            throw e instanceof IOException io ? io : new IOException("invalid base64 image data", e);
        }
        return new IpcImageAttachments(items, url);
    }

    /** @return true when there is nothing to send */
    boolean isEmpty() {
        return items.isEmpty() && imageUrl == null;
    }

    /**
     * @param mapper JSON mapper
     * @param scheme {@code lingma} or {@code qodercn}
     * @return the image prompt blocks (empty when none)
     */
    ArrayNode blocks(ObjectMapper mapper, String scheme) {
        ArrayNode blocks = mapper.createArrayNode();
        for (Item item : items) {
            ObjectNode block = blocks.addObject();
            block.put("type", "image");
            block.put("mimeType", item.image().mediaType());
            block.put("uri", scheme + ":///agent/file?path="
                    + URLEncoder.encode(item.file().toAbsolutePath().toString(), StandardCharsets.UTF_8));
            block.put("data", item.image().base64Data());
        }
        return blocks;
    }

    /** @return the first original http(s) URL, or null */
    String imageUrl() {
        return imageUrl;
    }

    /** @return the temp files (for tests and diagnostics) */
    List<Path> files() {
        return items.stream().map(Item::file).toList();
    }

    /** Deletes the temp files. Blocking file IO; idempotent; failures are logged. */
    void deleteFiles() {
        for (Item item : items) {
            try {
                Files.deleteIfExists(item.file());
            } catch (IOException e) {
                LOG.warn("could not delete temp image {}: {}", item.file(), e.getMessage());
            }
        }
    }

    private static String extension(String mediaType) {
        String subtype = mediaType == null ? "" : mediaType.toLowerCase(Locale.ROOT);
        int slash = subtype.indexOf('/');
        subtype = slash >= 0 ? subtype.substring(slash + 1) : subtype;
        int plus = subtype.indexOf('+');
        subtype = plus >= 0 ? subtype.substring(0, plus) : subtype;
        return switch (subtype) {
            case "jpeg", "jpg", "pjpeg" -> "jpg";
            case "png", "gif", "webp", "bmp" -> subtype;
            default -> "img";
        };
    }
}
