package io.lingma.gateway.images;

import io.lingma.gateway.config.TestSettings;
import io.lingma.gateway.chat.ApiProtocol;
import io.lingma.gateway.chat.ChatMessage;
import io.lingma.gateway.chat.ChatRole;
import io.lingma.gateway.chat.ChatTurn;
import io.lingma.gateway.chat.ImageInput;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/** Shared builders for the image tests. */
final class ImageTestSupport {

    private ImageTestSupport() {
    }

    /** @return a one-message turn whose user message says {@code text} and carries {@code images} */
    static ChatTurn turn(String text, ImageInput... images) {
        ChatMessage user = new ChatMessage(ChatRole.USER, text, text, List.of(images), null, null, false, List.of());
        return new ChatTurn("req-test", ApiProtocol.OPENAI_CHAT, "kmodel", "", List.of(user), null, null, true,
                null, false, false, null, null, null, null, null);
    }

    /** @return an image known only by its URL or path, as ImageSources creates it */
    static ImageInput urlOnly(String url) {
        return new ImageInput("image/jpeg", null, url);
    }

    /** @return the settings with local files allowed inside {@code dirs} */
    static ImageSettings localFiles(Path... dirs) {
        ImageSettings d = TestSettings.images();
        return new ImageSettings(true, List.of(dirs), d.allowPrivateHosts(), d.onError(), d.fetchTimeout(),
                d.maxBytes(), d.maxRedirects(), d.resizeAboveBytes(), d.maxSide(), d.jpegQuality());
    }

    /** @return {@code base} with another on-error policy */
    static ImageSettings withOnError(ImageSettings base, ImageSettings.OnError onError) {
        return new ImageSettings(base.allowLocalFiles(), base.localDirs(), base.allowPrivateHosts(), onError,
                base.fetchTimeout(), base.maxBytes(), base.maxRedirects(), base.resizeAboveBytes(), base.maxSide(),
                base.jpegQuality());
    }

    /** @return the defaults with private hosts allowed, the given fetch timeout and byte cap */
    static ImageSettings privateHosts(Duration timeout, long maxBytes) {
        ImageSettings d = TestSettings.images();
        return new ImageSettings(false, List.of(), true, d.onError(), timeout, maxBytes, d.maxRedirects(),
                d.resizeAboveBytes(), d.maxSide(), d.jpegQuality());
    }

    /** @return PNG bytes of a {@code width}×{@code height} image with a diagonal gradient */
    static byte[] png(int width, int height) {
        BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setPaint(new java.awt.GradientPaint(0, 0, Color.RED, width, height, Color.BLUE));
        g.fillRect(0, 0, width, height);
        g.dispose();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            ImageIO.write(image, "png", out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }
}
